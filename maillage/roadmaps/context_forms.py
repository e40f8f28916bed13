"""Forms of what surrounds the actions: co-carriers, key figures, concertation phases, pooled fund."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.roadmaps.models import ConcertationPhase, FundContribution, KeyFigure, Roadmap, RoadmapCarrier
from maillage.roadmaps.structure_forms import (
    DATE_WIDGET,
    DECIMAL_WIDGET,
    FieldsetsMixin,
    organisation_queryset,
)


class _RoadmapChildForm(FieldsetsMixin, forms.ModelForm):
    def __init__(self, *args: Any, roadmap: Roadmap, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roadmap = roadmap
        self.instance.roadmap = roadmap

    def _required_text(self, name: str, message: Any) -> str:
        value = str(self.cleaned_data.get(name) or "").strip()
        if not value:
            raise forms.ValidationError(message)
        return value


class _OrganisationMixin:
    """A list of known organisations plus « another one » typed by name (created when saved)."""

    organisation_field = "organisation"

    def _check_organisation(self, data: dict[str, Any], missing: Any) -> None:
        chosen, typed = data.get(self.organisation_field), (data.get("new_organisation") or "").strip()
        if chosen is not None and typed:
            self.add_error(  # type: ignore[attr-defined]
                "new_organisation",
                _("Choisissez une structure dans la liste ou saisissez-en une autre, pas les deux."),
            )
        elif chosen is None and not typed and self.organisation_field not in self.errors:  # type: ignore[attr-defined]
            self.add_error(self.organisation_field, missing)  # type: ignore[attr-defined]


class CarrierForm(_OrganisationMixin, _RoadmapChildForm):
    new_organisation = forms.CharField(
        label=_("Ou une autre structure"), required=False, max_length=250, help_text=_("Son nom exact.")
    )
    fieldsets = [(_("Structure porteuse"), ["organisation", "new_organisation", "role"])]

    class Meta:
        model = RoadmapCarrier
        fields = ["organisation", "role"]
        help_texts = {"role": _("Vide : rôle non précisé par le document.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].required = False
        self.fields["organisation"].queryset = organisation_queryset()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_organisation(data, _("Choisissez la structure porteuse ou saisissez son nom."))
        organisation = data.get("organisation")
        if organisation is not None and (
            RoadmapCarrier.objects.filter(roadmap=self.roadmap, organisation=organisation)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("organisation", _("Cette structure porte déjà la feuille de route."))
        return data

    def validate_unique(self) -> None:  # checked in clean() with a French message
        pass


class KeyFigureForm(_RoadmapChildForm):
    fieldsets = [
        (_("Chiffre clé"), ["section", "label", "value", "value_text", "unit", "scope"]),
        (_("Origine"), ["source", "vintage"]),
    ]

    class Meta:
        model = KeyFigure
        fields = ["section", "label", "value", "value_text", "unit", "scope", "source", "vintage"]
        widgets = {"value": DECIMAL_WIDGET}
        help_texts = {
            "value": _("Un nombre ; vide si la valeur est un texte ou n'est pas connue (« non renseigné »)."),
            "value_text": _("Quand la valeur n'est pas un nombre : « forte », « C »…"),
            "scope": _("Facultatif : l'EPCI ou la commune concernés."),
            "vintage": _("L'année ou la date des données : « 2022 », « juin 2024 »."),
        }
        error_messages = {
            "section": {"required": _("Choisissez la partie : diagnostic ou stratégie précédente.")},
            "label": {"required": _("Indiquez le chiffre clé.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].localize = True

    def clean_label(self) -> str:
        return self._required_text("label", _("Indiquez le chiffre clé."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("value") is not None and data.get("value_text"):
            self.add_error("value_text", _("Donnez la valeur en nombre ou en texte, pas les deux."))
        return data


class ConcertationPhaseForm(_RoadmapChildForm):
    participants_text = forms.CharField(
        label=_("Participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Une structure ou un public par ligne."),
    )
    fieldsets = [
        (_("Phase"), ["title", "period", "start_date", "end_date", "description"]),
        (_("Participation"), ["participants_text", "participant_count", "survey", "respondents"]),
    ]

    class Meta:
        model = ConcertationPhase
        fields = [
            "title",
            "period",
            "start_date",
            "end_date",
            "description",
            "participant_count",
            "survey",
            "respondents",
        ]
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "period": _("Comme le document l'écrit : « printemps 2024 »."),
            "participant_count": _("Vide si le nombre n'est pas connu."),
        }
        error_messages = {
            "title": {"required": _("Indiquez l'intitulé de la phase.")},
            "start_date": {"invalid": _("Date attendue.")},
            "end_date": {"invalid": _("Date attendue.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["participants_text"] = "\n".join(self.instance.participants or [])

    def clean_title(self) -> str:
        return self._required_text("title", _("Indiquez l'intitulé de la phase."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La fin ne peut pas précéder le début."))
        lines = [line.strip() for line in (data.get("participants_text") or "").splitlines()]
        self.instance.participants = [line for line in lines if line]
        return data


class FundContributionForm(_OrganisationMixin, _RoadmapChildForm):
    organisation_field = "funder"
    new_organisation = forms.CharField(
        label=_("Ou un autre financeur"), required=False, max_length=250, help_text=_("Son nom exact.")
    )
    fieldsets = [
        (_("Apport"), ["fund", "funder", "new_organisation", "amount", "year", "note"]),
    ]

    class Meta:
        model = FundContribution
        fields = ["fund", "funder", "amount", "year", "note"]
        widgets = {"amount": DECIMAL_WIDGET}
        help_texts = {
            "fund": _("Le nom du fonds mutualisé, tel que le document l'écrit."),
            "amount": _("En euros ; vide si le montant n'est pas connu (jamais « 0 € » par défaut)."),
        }
        error_messages = {"fund": {"required": _("Indiquez le nom du fonds.")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["funder"].required = False
        self.fields["funder"].queryset = organisation_queryset()  # type: ignore[attr-defined]
        self.fields["amount"].localize = True

    def clean_fund(self) -> str:
        return self._required_text("fund", _("Indiquez le nom du fonds."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_organisation(data, _("Choisissez le financeur ou saisissez son nom."))
        if data.get("amount") is not None and data["amount"] < 0:
            self.add_error("amount", _("Le montant ne peut pas être négatif."))
        year = data.get("year")
        if year is not None and not 2000 <= year <= 2100:
            self.add_error("year", _("Indiquez une année entre 2000 et 2100."))
        return data
