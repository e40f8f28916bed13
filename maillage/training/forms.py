"""Input validation for the training pages. Rules live in services; forms check shapes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.training.models import Aidant, Module, StructureKind, TrainingFormat

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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


def organisations_of(territories: list[Any]) -> Any:
    from django.db.models import Q

    from maillage.accounts.models import Membership, Organisation

    ids = [t.pk for t in territories]
    members = Membership.objects.filter(territory_id__in=ids, is_active=True).values("organisation_id")
    return Organisation.objects.filter(
        Q(pk__in=members)
        | Q(territory_id__in=ids)
        | Q(territory__department_id__in=ids)
        | Q(territory__epci_id__in=ids)
    ).order_by("name")


class AidantForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Aidant
        fields = [
            "first_name",
            "last_name",
            "email",
            "organisation",
            "structure_kind",
            "commune",
            "is_active",
        ]

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from maillage.territories.models import Territory

        if self.instance.pk is None:
            _territory_field(self, territories)
            del self.fields["is_active"]
        self.fields["organisation"].queryset = organisations_of(territories)  # type: ignore[attr-defined]
        self.fields["commune"].queryset = Territory.objects.filter(  # type: ignore[attr-defined]
            Territory.communes_q(territories, prefix="")
        ).order_by("name")
        self.fields["structure_kind"].required = False


class RecordForm(forms.Form):
    module = forms.ModelChoiceField(label=_("Module"), queryset=Module.objects.all())
    completed_on = forms.DateField(label=_("Suivi le"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Précision (organisme, lieu)"), max_length=250, required=False)


class NeedForm(forms.Form):
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Structure"), queryset=None)  # type: ignore[arg-type]
    modules = forms.ModelMultipleChoiceField(
        label=_("Modules souhaités"), queryset=Module.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    people_count = forms.IntegerField(
        label=_("Nombre de personnes à former"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=_("Laissez vide si vous ne savez pas encore."),
    )
    preferred_format = forms.ChoiceField(
        label=_("Format souhaité"), choices=TrainingFormat.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Précisions"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, territories: list[Any], organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _territory_field(self, territories)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class TargetForm(forms.Form):
    label = forms.CharField(
        label=_("Intitulé"), max_length=200, initial=_("Aidants formés à l'inclusion numérique")
    )
    count = forms.IntegerField(label=_("Nombre d'aidants visé"), min_value=1, max_value=100000)
    start_year = forms.IntegerField(label=_("De l'année"), min_value=2015, max_value=2100)
    end_year = forms.IntegerField(label=_("À l'année"), min_value=2015, max_value=2100)
    module = forms.ModelChoiceField(
        label=_("Module (vide : tout module)"), queryset=Module.objects.all(), required=False
    )

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _territory_field(self, territories)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Fichier CSV ou XLSX"), help_text=_("5 Mo au plus."))

    def __init__(self, *args: Any, territories: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _territory_field(self, territories)


class AidantFilterForm(forms.Form):
    q = forms.CharField(label=_("Nom ou structure"), required=False, max_length=100)
    structure_kind = forms.ChoiceField(
        label=_("Type de structure"), required=False, choices=[("", _("Tous"))] + list(StructureKind.choices)
    )
    module = forms.ModelChoiceField(
        label=_("A suivi le module"), queryset=Module.objects.all(), required=False
    )
