"""Input validation for the animation pages. Rules live in services; forms check shapes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.events.models import (
    Attendance,
    BudgetKind,
    EventProject,
    Session,
    SessionKind,
)

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCALE = [(str(i), str(i)) for i in range(1, 6)]


def _territory_field(form: forms.BaseForm, territories: list[Any]) -> None:
    from maillage.territories.models import Territory

    field: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Territoire"),
        queryset=Territory.objects.filter(pk__in=[t.pk for t in territories]).order_by("code"),
        empty_label=None,
    )
    if len(territories) == 1:
        field.widget = forms.HiddenInput()
        field.initial = territories[0].pk
    form.fields["territory"] = field


class SessionForm(forms.ModelForm):  # type: ignore[type-arg]
    remote_url = forms.URLField(
        label=_("Lien de connexion"), required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = Session
        fields = [
            "kind",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "is_remote",
            "remote_url",
            "capacity",
            "speakers",
            "visibility",
            "organiser",
            "module",
            "project",
            "status",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from maillage.accounts.models import Organisation
        from maillage.places.models import Place
        from maillage.territories.models import Territory

        if self.instance.pk is None:
            _territory_field(self, territories)
            del self.fields["status"]
        scope = self.instance.territory if self.instance.pk else territories[0]
        self.fields["place"].queryset = Place.objects.filter(  # type: ignore[attr-defined]
            Territory.communes_q([scope], prefix="commune__")
        ).order_by("name")
        self.fields["organiser"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=[o for o in _organisations(territories)]
        )
        self.fields["project"].queryset = EventProject.objects.filter(  # type: ignore[attr-defined]
            territory__in=territories
        )
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]  # type: ignore[attr-defined]
        self.fields["ends_at"].input_formats = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]  # type: ignore[attr-defined]


def _organisations(territories: list[Any]) -> list[int]:
    from django.db.models import Q

    from maillage.accounts.models import Membership, Organisation

    ids = [t.pk for t in territories]
    members = Membership.objects.filter(territory_id__in=ids, is_active=True).values_list(
        "organisation_id", flat=True
    )
    return list(
        Organisation.objects.filter(
            Q(pk__in=members)
            | Q(territory_id__in=ids)
            | Q(territory__department_id__in=ids)
            | Q(territory__epci_id__in=ids)
        ).values_list("pk", flat=True)
    )


class OutsiderRegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Nom et prénom"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    structure_name = forms.CharField(
        label=_("Structure"),
        max_length=250,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    email = forms.EmailField(
        label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    accessibility_needs = forms.CharField(
        label=_("Besoins d'accessibilité (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Accès en fauteuil, boucle magnétique, interprète LSF, documents adaptés…"),
    )
    # Honeypot: humans leave it empty (hidden by CSS, labelled for screen readers).
    website = forms.CharField(
        label=_("Laissez ce champ vide"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class AttendanceForm(forms.Form):
    """One radio group per registration, built from the session's list."""

    def __init__(self, *args: Any, registrations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registrations = registrations
        for registration in registrations:
            self.fields[f"r{registration.pk}"] = forms.ChoiceField(
                label=registration.full_name,
                choices=list(Attendance.choices),
                required=False,
                widget=forms.RadioSelect,
                initial=registration.attendance or None,
            )

    def rows(self) -> list[tuple[Any, Any]]:
        return [(r, self[f"r{r.pk}"]) for r in self.registrations]

    def marks(self) -> dict[int, str]:
        return {r.pk: self.cleaned_data.get(f"r{r.pk}") or "" for r in self.registrations}


class EvaluationForm(forms.Form):
    overall = forms.TypedChoiceField(
        label=_("Satisfaction générale (1 à 5)"), choices=SCALE, coerce=int, widget=forms.RadioSelect
    )
    usefulness = forms.TypedChoiceField(
        label=_("Utilité pour votre pratique (1 à 5)"), choices=SCALE, coerce=int, widget=forms.RadioSelect
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation : lieu, horaires, accueil (1 à 5)"),
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    speakers = forms.TypedChoiceField(
        label=_("Qualité des intervenants (1 à 5)"), choices=SCALE, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Commentaire libre (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ProjectForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = EventProject
        fields = ["title", "kind", "organiser", "programme"]
        widgets = {"programme": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from maillage.accounts.models import Organisation

        if self.instance.pk is None:
            _territory_field(self, territories)
        self.fields["organiser"].queryset = Organisation.objects.filter(pk__in=_organisations(territories))  # type: ignore[attr-defined]


class CommitteeForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    organisation_name = forms.CharField(label=_("Structure"), max_length=250, required=False)
    role = forms.CharField(label=_("Rôle dans le comité"), max_length=200, required=False)


class BudgetForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), choices=BudgetKind.choices)
    label = forms.CharField(label=_("Intitulé"), max_length=200)
    funder = forms.CharField(label=_("Financeur (pour un financement)"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Montant (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Laissez vide si le montant n'est pas encore connu."),
    )
    confirmed = forms.BooleanField(label=_("Confirmé"), required=False)


class ChecklistForm(forms.Form):
    label = forms.CharField(label=_("Tâche"), max_length=250)
    due_on = forms.DateField(label=_("Échéance"), required=False, widget=DATE_WIDGET)
    owner = forms.CharField(label=_("Responsable"), max_length=200, required=False)


class SessionFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Période"),
        required=False,
        choices=[("upcoming", _("À venir")), ("past", _("Passées")), ("all", _("Toutes"))],
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Tous"))] + list(SessionKind.choices)
    )
    q = forms.CharField(label=_("Intitulé contient"), required=False, max_length=100)
