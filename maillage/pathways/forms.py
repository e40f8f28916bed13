"""Forms of the pathway. The diagnostic form is built from the grid version in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.validators import period_validators
from maillage.pathways import grid as grid_engine
from maillage.pathways.models import (
    ContactPreference,
    DiagnosticGrid,
    FollowUpDifficulty,
    FollowUpRemediation,
    RefusalReason,
)
from maillage.territories.models import Territory


class CommuneChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Territory) -> str:  # type: ignore[override]
        postcode = obj.postcodes[0] if obj.postcodes else obj.code
        return f"{obj.name} ({postcode})"


class DiagnosticForm(forms.Form):
    """One page, grouped by grid section; radios and checkboxes only, so it works on a phone, without JS."""

    commune = CommuneChoiceField(
        label=_("Commune où vit la personne"),
        queryset=Territory.objects.none(),
        help_text=_("Sert à proposer des lieux proches ; aucune adresse n'est demandée."),
    )
    started_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, grid: DiagnosticGrid, territories: list[Territory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        self.fields["commune"].queryset = Territory.objects.communes_of(territories).order_by("name")  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["started_at"] = timezone.now().isoformat()
        self.sections: list[dict[str, Any]] = []
        for section in grid.definition["sections"]:
            names = []
            for q in section["questions"]:
                choices = [(o["code"], o["label"]) for o in q["options"]]
                name = f"q_{q['code']}"
                if q["kind"] == "multi":
                    field: forms.Field = forms.MultipleChoiceField(
                        label=q["label"], choices=choices, required=False, widget=forms.CheckboxSelectMultiple
                    )
                else:
                    field = forms.ChoiceField(
                        label=q["label"],
                        choices=choices,
                        required=q.get("required", False),
                        widget=forms.RadioSelect,
                    )
                field.help_text = q.get("hint", "")
                self.fields[name] = field
                names.append(name)
            self.sections.append(
                {
                    "code": section["code"],
                    "title": section["title"],
                    "hint": section.get("hint", ""),
                    "names": names,
                }
            )
        self.fields["person_informed"] = forms.BooleanField(
            label=_(
                "J'ai informé la personne que ses réponses sont enregistrées de façon anonyme pour l'orienter "
                "et pour des statistiques."
            ),
            required=False,
        )

    def section_fields(self) -> list[dict[str, Any]]:
        return [{**s, "fields": [self[name] for name in s["names"]]} for s in self.sections]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for q in grid_engine.questions(self.grid.definition):
            if q["kind"] == "multi" and q["code"] in ("A1",):
                value = cleaned.get(f"q_{q['code']}") or []
                exclusive = [o["code"] for o in q["options"] if o.get("exclusive")]
                if any(v in exclusive for v in value) and len(value) > 1:
                    self.add_error(f"q_{q['code']}", _("« Aucun » ne peut pas être coché avec un appareil."))
                if q.get("required") and not value:
                    self.add_error(f"q_{q['code']}", _("Cochez au moins une réponse."))
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {
            q["code"]: self.cleaned_data.get(f"q_{q['code']}")
            for q in grid_engine.questions(self.grid.definition)
            if self.cleaned_data.get(f"q_{q['code']}")
        }

    def started(self) -> datetime | None:
        try:
            value = datetime.fromisoformat(self.cleaned_data.get("started_at") or "")
        except ValueError:
            return None
        return value if timezone.is_aware(value) else None


class ReferralForm(forms.Form):
    MODE_PROPOSE = "propose"
    MODE_SEND = "send"

    mode = forms.ChoiceField(
        label=_("Comment orienter ?"),
        choices=[
            (MODE_PROPOSE, _("Remettre l'adresse à la personne (aucune donnée transmise au lieu)")),
            (MODE_SEND, _("Envoyer la demande au lieu, qui répondra et confirmera la venue")),
        ],
        widget=forms.RadioSelect,
        initial=MODE_PROPOSE,
    )
    first_name = forms.CharField(
        label=_("Prénom ou initiales de la personne"),
        max_length=60,
        required=False,
        help_text=_("Seulement si la demande est envoyée au lieu."),
    )
    contact_preference = forms.ChoiceField(
        label=_("Comment le lieu peut-il joindre la personne ?"),
        choices=[("", "—"), *ContactPreference.choices],
        required=False,
    )
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    message = forms.CharField(
        label=_("Message au lieu (facultatif)"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("600 caractères au plus ; n'indiquez aucune information de santé."),
    )
    person_informed = forms.BooleanField(
        label=_(
            "Je m'engage, en tant qu'accompagnateur·rice, à informer la personne concernée du traitement de ses "
            "données personnelles dans le cadre de cette orientation."
        ),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.MODE_SEND:
            if not data.get("person_informed"):
                self.add_error("person_informed", _("Cochez cet engagement pour envoyer la demande."))
            preference = data.get("contact_preference")
            if not preference:
                self.add_error("contact_preference", _("Indiquez comment joindre la personne."))
            if preference == ContactPreference.PHONE and not data.get("phone"):
                self.add_error("phone", _("Indiquez le téléphone de la personne."))
            if preference == ContactPreference.EMAIL and not data.get("email"):
                self.add_error("email", _("Indiquez l'e-mail de la personne."))
        return data


class RefusalForm(forms.Form):
    refusal_reason = forms.ChoiceField(label=_("Motif"), choices=[("", "—"), *RefusalReason.choices])
    reason = forms.CharField(
        label=_("Précisions (obligatoire)"), max_length=600, widget=forms.Textarea(attrs={"rows": 3})
    )


class FollowUpForm(forms.Form):
    need_met = forms.TypedChoiceField(
        label=_("Le besoin de la personne a-t-il été satisfait ?"),
        choices=[("oui", _("Oui")), ("non", _("Non"))],
        coerce=lambda v: v == "oui",
        widget=forms.RadioSelect,
    )
    remediation = forms.ChoiceField(
        label=_("Si oui : qu'est-ce qui a permis d'y répondre ?"),
        choices=[("", "—"), *FollowUpRemediation.choices],
        required=False,
    )
    difficulty = forms.ChoiceField(
        label=_("Si non : pourquoi ?"), choices=[("", "—"), *FollowUpDifficulty.choices], required=False
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("need_met") is False and not data.get("difficulty"):
            self.add_error("difficulty", _("Indiquez pourquoi le besoin n'a pas été satisfait."))
        return data


class StatsFilterForm(forms.Form):
    start = forms.DateField(
        label=_("Du"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        required=False,
        validators=period_validators(),
    )
    end = forms.DateField(
        label=_("Au"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        required=False,
        validators=period_validators(),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("La date de début doit précéder la date de fin."))
        return data
