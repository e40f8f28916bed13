"""Forms of the roadmaps pages (French labels; the lead's update form is built per action)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from maillage.roadmaps.models import (
    Action,
    ActionStatus,
    AttendanceStatus,
    BodyMember,
    Indicator,
    IndicatorKind,
    RoadmapVersion,
)
from maillage.roadmaps.periods import MONTH_NAMES, recent_months

EVIDENCE_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".odt", ".ods", ".docx", ".xlsx", ".csv", ".txt"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_BYTES = 2 * 1024 * 1024


def month_choices(today: date) -> list[tuple[str, str]]:
    return [(d.isoformat(), f"{MONTH_NAMES[d.month - 1]} {d.year}") for d in recent_months(today)]


class ActionUpdateForm(forms.Form):
    month = forms.ChoiceField(
        label=_("Période concernée"),
        help_text=_(
            "Les valeurs saisies sont rattachées à la période de chaque indicateur contenant ce mois."
        ),
    )
    status = forms.ChoiceField(
        label=_("Statut de l'action"),
        choices=[("", _("Non renseigné")), *ActionStatus.choices],
        required=False,
    )
    progress = forms.IntegerField(
        label=_("Avancement (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("De 0 à 100 ; vide : non renseigné."),
    )
    note = forms.CharField(
        label=_("Point d'avancement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ce qui a été fait, ce qui bloque, ce qui vient."),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices(today)  # type: ignore[attr-defined]

    def clean_month(self) -> date:
        return date.fromisoformat(self.cleaned_data["month"])

    def clean_status(self) -> str | None:
        return self.cleaned_data.get("status") or None


def validate_evidence(upload: Any) -> None:
    if upload is None:
        return
    if Path(upload.name).suffix.lower() not in EVIDENCE_EXTENSIONS:
        raise ValidationError(_("Format non accepté (PDF, image, document bureautique ou CSV)."))
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("Fichier trop volumineux (10 Mo au plus)."))


class IndicatorValueForm(forms.Form):
    """One typed indicator's value for the chosen period."""

    comment = forms.CharField(label=_("Commentaire"), required=False, max_length=1000)
    evidence = forms.FileField(
        label=_("Justificatif"), required=False, validators=[validate_evidence], help_text=_("10 Mo au plus.")
    )

    def __init__(self, *args: Any, indicator: Indicator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        unit = f" ({indicator.unit})" if indicator.unit else ""
        if indicator.kind == IndicatorKind.QUANTITATIVE:
            self.fields["value"] = forms.DecimalField(
                label=_("Valeur%(unit)s") % {"unit": unit},
                required=False,
                max_digits=14,
                decimal_places=2,
                localize=True,
            )
        elif indicator.kind == IndicatorKind.QUALITATIVE:
            self.fields["text_value"] = forms.CharField(
                label=_("Appréciation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        else:
            self.fields["achieved"] = forms.BooleanField(label=_("Livrable obtenu"), required=False)
        self.order_fields(["value", "text_value", "achieved", "comment", "evidence"])


class BudgetSpentForm(forms.Form):
    """« Réalisé » of each budget line of the action (euros or FTE)."""

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            label = line.label or line.get_nature_display()
            year = f" {line.year}" if line.year else ""
            planned = (
                f" — prévu {line.planned.normalize():f}".replace(".", ",") if line.planned is not None else ""
            )
            self.fields[f"spent_{line.pk}"] = forms.DecimalField(
                label=f"{label}{year} ({line.get_unit_display()}{planned})",
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                initial=line.spent,
                localize=True,
            )

    def spent(self) -> dict[int, Any]:
        return {line.pk: self.cleaned_data.get(f"spent_{line.pk}") for line in self.lines}


class StepsForm(forms.Form):
    """Key steps done and milestones reached, ticked by the lead."""

    def __init__(self, *args: Any, steps: list[Any], milestones: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = steps
        self.milestones = milestones
        for step in steps:
            self.fields[f"step_{step.pk}"] = forms.BooleanField(
                label=f"{step.position}. {step.title}", required=False, initial=step.done
            )
        for milestone in milestones:
            self.fields[f"milestone_{milestone.pk}"] = forms.BooleanField(
                label=f"{milestone.title} ({milestone.due_on:%d/%m/%Y})",
                required=False,
                initial=milestone.done_on is not None,
            )

    def step_fields(self) -> list[Any]:
        return [self[f"step_{s.pk}"] for s in self.steps]

    def milestone_fields(self) -> list[Any]:
        return [self[f"milestone_{m.pk}"] for m in self.milestones]

    def done(self) -> tuple[dict[int, bool], dict[int, bool]]:
        steps = {s.pk: bool(self.cleaned_data.get(f"step_{s.pk}")) for s in self.steps}
        milestones = {m.pk: bool(self.cleaned_data.get(f"milestone_{m.pk}")) for m in self.milestones}
        return steps, milestones


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.CharField(label=_("Lieu"), required=False, max_length=250)
    agenda = forms.CharField(
        label=_("Ordre du jour"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.CharField(
        label=_("Compte rendu"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    decisions = forms.CharField(
        label=_("Décisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, members: list[BodyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=str(member),
                required=False,
                choices=[("", _("Non renseigné")), *AttendanceStatus.choices],
            )

    def attendance(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data.get(f"member_{m.pk}") or "" for m in self.members}

    def attendance_fields(self) -> list[Any]:
        return [self[f"member_{m.pk}"] for m in self.members]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in ("date", "location", "agenda", "minutes", "decisions")]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier de feuille de route"),
        help_text=_("YAML ou JSON au format décrit dans la documentation, 2 Mo au plus."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in {".yaml", ".yml", ".json"}:
            raise ValidationError(_("Fichier .yaml, .yml ou .json attendu."))
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("Fichier trop volumineux (2 Mo au plus)."))
        return upload


class LinesField(forms.CharField):
    """A list of short texts edited one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in str(text).splitlines() if line.strip()]


class ActionEditForm(forms.ModelForm):
    """Coordinators edit an action's description (place, porteurs, indicators, steps, budget: structure pages)."""

    target_publics = LinesField(label=_("Publics cibles"), required=False, help_text=_("Un par ligne."))
    beneficiaries = LinesField(label=_("Bénéficiaires"), required=False, help_text=_("Un par ligne."))
    existing_resources = LinesField(
        label=_("Ressources existantes"), required=False, help_text=_("Une par ligne.")
    )
    obstacles = LinesField(
        label=_("Freins / points de vigilance"), required=False, help_text=_("Un par ligne.")
    )
    levers = LinesField(label=_("Leviers"), required=False, help_text=_("Un par ligne."))

    class Meta:
        model = Action
        fields = [
            "title",
            "context",
            "description",
            "target_publics",
            "beneficiaries",
            "calendar",
            "start_date",
            "end_date",
            "existing_resources",
            "obstacles",
            "levers",
            "priority",
            "maturity",
            "fne",
        ]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("La fin précède le début."))
        return data


class VersionForm(forms.ModelForm):
    """A new version of the roadmap (amendment) with the decision that made it."""

    class Meta:
        model = RoadmapVersion
        fields = ["decided_by", "decided_on", "reference", "prior_opinion", "changes"]
        widgets = {
            "decided_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "changes": forms.Textarea(attrs={"rows": 4}),
        }
