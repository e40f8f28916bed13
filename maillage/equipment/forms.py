"""Input validation for the refurbishment pages. Rules live in services; forms check shapes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.equipment.models import (
    AgreementKind,
    DeclaredState,
    DeviceKind,
    DeviceState,
    DonorKind,
    ErasureMethod,
    FollowUpProblem,
    FollowUpUse,
    LegalFrame,
    PartKind,
    PriorityCriterion,
    ScrapReason,
    StillUsed,
)
from maillage.equipment.services import TRANSITIONS

UNKNOWN = [("", _("Non renseigné"))]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_BATCH = 500


class TerritoryChoiceMixin:
    def _territory_field(self, territories: list[Any]) -> None:
        field: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
            label=_("Territoire"),
            queryset=None,  # type: ignore[arg-type]
            empty_label=None,
        )
        from maillage.territories.models import Territory

        field.queryset = Territory.objects.filter(pk__in=[t.pk for t in territories]).order_by("code")
        if len(territories) == 1:
            field.widget = forms.HiddenInput()
            field.initial = territories[0].pk
        self.fields["territory"] = field  # type: ignore[attr-defined]


class DonationForm(TerritoryChoiceMixin, forms.Form):
    donor_name = forms.CharField(
        label=_("Donateur"),
        max_length=200,
        help_text=_("Nom de l'entreprise, de la collectivité, de l'association ou du particulier."),
    )
    donor_kind = forms.ChoiceField(label=_("Type de donateur"), choices=DonorKind.choices)
    received_on = forms.DateField(label=_("Reçu le"), required=False, widget=DATE_WIDGET)
    legal_frame = forms.ChoiceField(
        label=_("Cadre juridique"), choices=UNKNOWN + list(LegalFrame.choices), required=False
    )
    reference = forms.CharField(
        label=_("Référence de la convention ou de la délibération"), max_length=120, required=False
    )
    decided_on = forms.DateField(
        label=_("Date de la délibération ou de la convention"), required=False, widget=DATE_WIDGET
    )
    declared_count = forms.IntegerField(
        label=_("Nombre d'appareils annoncés"),
        min_value=0,
        max_value=100000,
        required=False,
        help_text=_("Le don initial, qui sert à calculer la perte. Laisser vide s'il n'est pas connu."),
    )
    document = forms.FileField(
        label=_("Document (convention, délibération)"),
        required=False,
        help_text=_("PDF, 10 Mo au plus."),
    )
    notes = forms.CharField(
        label=_("Observations"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._territory_field(territories)
        self.order_fields(["territory"])

    def clean_received_on(self) -> Any:
        value = self.cleaned_data.get("received_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("La date de réception ne peut pas être dans le futur."))
        return value

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if document:
            if document.size > 10 * 1024 * 1024:
                raise forms.ValidationError(_("Le document dépasse 10 Mo."))
            head = document.read(5)
            document.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError(_("Le document doit être un PDF."))
        return document


class DeviceBatchForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type d'appareil"), choices=DeviceKind.choices)
    count = forms.IntegerField(
        label=_("Nombre d'appareils identiques"),
        min_value=1,
        max_value=MAX_BATCH,
        required=False,
        help_text=_("Ignoré si vous saisissez des numéros de série (un appareil par ligne)."),
    )
    brand = forms.CharField(label=_("Marque"), max_length=80, required=False)
    model = forms.CharField(label=_("Modèle"), max_length=120, required=False)
    declared_state = forms.ChoiceField(
        label=_("État déclaré au don"), choices=UNKNOWN + list(DeclaredState.choices), required=False
    )
    serials = forms.CharField(
        label=_("Numéros de série"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Un numéro par ligne."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        serials = [line.strip() for line in (data.get("serials") or "").splitlines() if line.strip()]
        if len(serials) > MAX_BATCH:
            raise forms.ValidationError(_("Au plus %(n)s appareils par saisie.") % {"n": MAX_BATCH})
        if len({s.upper() for s in serials}) != len(serials):
            raise forms.ValidationError(_("Un même numéro de série figure deux fois dans la liste."))
        if any(len(s) > 80 for s in serials):
            raise forms.ValidationError(_("Un numéro de série dépasse 80 caractères."))
        if not serials and not data.get("count"):
            self.add_error("count", _("Indiquez le nombre d'appareils ou leurs numéros de série."))
        data["serial_list"] = serials
        return data


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label=_("Nouvel état"))
    scrap_reason = forms.ChoiceField(
        label=_("Motif de mise au rebut"), choices=[("", "—")] + list(ScrapReason.choices), required=False
    )
    workshop_place: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Atelier (lieu)"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
    )
    operating_system = forms.CharField(label=_("Système installé"), max_length=120, required=False)
    minutes_spent = forms.IntegerField(
        label=_("Temps passé (minutes)"), min_value=0, max_value=6000, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, device: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = sorted(
            TRANSITIONS.get(device.state, set()), key=lambda s: list(DeviceState.values).index(s)
        )
        choices = [(s, DeviceState(s).label) for s in allowed]
        self.fields["to_state"].choices = choices  # type: ignore[attr-defined]
        self.fields["workshop_place"].queryset = places  # type: ignore[attr-defined]
        self.fields["workshop_place"].initial = device.workshop_place_id
        self.fields["operating_system"].initial = device.operating_system

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_state") == DeviceState.SCRAPPED and not data.get("scrap_reason"):
            self.add_error("scrap_reason", _("Indiquez le motif de mise au rebut."))
        return data


class ErasureForm(forms.Form):
    method = forms.ChoiceField(label=_("Méthode d'effacement"), choices=ErasureMethod.choices)
    erased_on = forms.DateField(label=_("Effacé le"), widget=DATE_WIDGET)
    reference = forms.CharField(
        label=_("Référence du certificat ou du rapport d'effacement"), max_length=120, required=False
    )


class PartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Pièce"), choices=PartKind.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    quantity = forms.IntegerField(label=_("Quantité"), min_value=1, max_value=100, initial=1)
    unit_cost = forms.DecimalField(
        label=_("Coût unitaire (€)"),
        min_value=0,
        max_digits=9,
        decimal_places=2,
        required=False,
        localize=True,
        help_text=_("Laisser vide si le coût n'est pas connu."),
    )
    minutes_spent = forms.IntegerField(
        label=_("Temps passé (minutes)"), min_value=0, max_value=6000, required=False
    )


class CorrectionForm(forms.Form):
    to_state = forms.ChoiceField(
        label=_("Remettre à l'état"),
        choices=[
            (s.value, s.label)
            for s in DeviceState
            if s not in (DeviceState.RESERVED, DeviceState.GIVEN, DeviceState.SCRAPPED)
        ],
    )
    reason = forms.CharField(label=_("Motif de la correction"), max_length=300)


class ReserveForm(forms.Form):
    referral = forms.IntegerField(
        label=_("N° de l'orientation"), min_value=1, max_value=2**62, required=False
    )
    diagnostic = forms.IntegerField(label=_("N° du diagnostic"), min_value=1, max_value=2**62, required=False)
    person_label = forms.CharField(
        label=_("Prénom ou initiales"),
        max_length=60,
        help_text=_(
            "Pas de nom de famille : il figure seulement sur l'exemplaire de la convention remis à la personne."
        ),
    )
    commune: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Commune de la personne"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        help_text=_("Par défaut, celle de l'orientation ou du diagnostic."),
    )
    criteria = forms.ModelMultipleChoiceField(
        label=_("Critères de priorité remplis"),
        queryset=PriorityCriterion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, communes: Any, criteria: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes  # type: ignore[attr-defined]
        self.fields["criteria"].queryset = criteria  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("referral") and not data.get("diagnostic"):
            raise forms.ValidationError(
                _(
                    "Un appareil est réservé pour une personne orientée : indiquez le n° de l'orientation ou du diagnostic."
                )
            )
        return data


class TrainingSessionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{timezone.localtime(obj.starts_at):%d/%m/%Y} — {obj.title}"


class HandOverForm(forms.Form):
    given_on = forms.DateField(label=_("Remis le"), widget=DATE_WIDGET)
    training_session = TrainingSessionField(
        label=_("Séance de formation à l'usage (agenda)"),
        queryset=None,
        required=False,
        empty_label=_("Aucune (formation donnée hors agenda)"),
        help_text=_(
            "Une séance de formation ou de sensibilisation déjà tenue ; sa date vaut date de formation."
        ),
    )
    training_completed_on = forms.DateField(
        label=_("Formation obligatoire à l'usage suivie le"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("À remplir si la formation n'est pas une séance de l'agenda."),
    )
    agreement_kind = forms.ChoiceField(
        label=_("Nature de la remise"), choices=AgreementKind.choices, widget=forms.RadioSelect
    )
    agreement_signed = forms.BooleanField(label=_("La convention est signée par la personne"), required=False)
    follow_up_consent = forms.BooleanField(
        label=_("La personne accepte d'être recontactée dans six mois"), required=False
    )

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["training_session"].queryset = sessions  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Motif de l'annulation"), max_length=200)


class FollowUpForm(forms.Form):
    still_used = forms.ChoiceField(
        label=_("L'appareil est-il utilisé ?"), choices=StillUsed.choices, widget=forms.RadioSelect
    )
    uses = forms.MultipleChoiceField(
        label=_("Pour quoi faire ?"),
        choices=FollowUpUse.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    problem = forms.ChoiceField(
        label=_("Problème rencontré"), choices=FollowUpProblem.choices, widget=forms.RadioSelect
    )


class WorkshopFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("État"), choices=[("", _("Tous"))] + list(DeviceState.choices), required=False
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", _("Tous"))] + list(DeviceKind.choices), required=False
    )
    place = forms.TypedChoiceField(label=_("Atelier"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, places: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Tous")), *places]
        self.fields["place"].choices = choices  # type: ignore[attr-defined]


class ImportForm(TerritoryChoiceMixin, forms.Form):
    file = forms.FileField(label=_("Fichier d'inventaire (CSV ou XLSX)"), help_text=_("5 Mo au plus."))

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._territory_field(territories)
        self.order_fields(["territory", "file"])


class CriterionForm(forms.Form):
    label = forms.CharField(label=_("Nouveau critère de priorité"), max_length=200)
