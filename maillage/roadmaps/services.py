"""Writes of the roadmaps context: typed, keyword-only, atomic, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from maillage.core.audit import model_values, record_change
from maillage.roadmaps import managed_lines
from maillage.roadmaps.files import delete_on_commit
from maillage.roadmaps.models import (
    Action,
    ActionUpdate,
    Attendance,
    BudgetLine,
    BudgetNature,
    BudgetUnit,
    GovernanceBody,
    Indicator,
    IndicatorKind,
    Measurement,
    Meeting,
)
from maillage.roadmaps.periods import period_for
from maillage.roadmaps.permissions import can_edit_action, can_edit_roadmap


@dataclass
class MeasurementInput:
    indicator: Indicator
    value: Decimal | None = None
    text_value: str = ""
    achieved: bool | None = None
    comment: str = ""
    evidence: UploadedFile | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.value is None
            and not self.text_value
            and not self.achieved
            and not self.comment
            and self.evidence is None
        )


@transaction.atomic
def update_action(
    *,
    action: Action,
    actor: Any,
    status: str | None,
    progress: int | None,
    note: str,
    month: date,
    measurements: list[MeasurementInput],
    spent: dict[int, Decimal | None] | None = None,
    steps_done: dict[int, bool] | None = None,
    milestones_reached: dict[int, bool] | None = None,
) -> ActionUpdate:
    """The lead's update: progress note, status and the indicators' values for the period of ``month``."""
    if not can_edit_action(actor, action):
        raise PermissionDenied
    before = model_values(action, ["status", "progress", "progress_note"])
    action.status = status
    action.progress = progress
    if note:
        action.progress_note = note
    action.last_update_at = timezone.now()
    action.save(update_fields=["status", "progress", "progress_note", "last_update_at", "updated_at"])
    update = ActionUpdate.objects.create(
        action=action, author=actor, status=status, progress=progress, note=note
    )
    written = 0
    for item in measurements:
        if item.indicator.action_id != action.pk or item.indicator.is_computed or item.is_empty:
            continue
        record_measurement(actor=actor, item=item, day=month, audit=False)
        written += 1
    managed = managed_lines.sources_for(spent or {})
    for line in action.budget_lines.all():
        if line.pk in managed:  # kept by another context (a funding application): never typed here
            continue
        if spent is not None and line.pk in spent and spent[line.pk] != line.spent:
            line.spent = spent[line.pk]
            line.save(update_fields=["spent"])
            written += 1
    for step in action.steps.all():
        if steps_done is not None and step.pk in steps_done and steps_done[step.pk] != step.done:
            step.done = steps_done[step.pk]
            step.save(update_fields=["done"])
            written += 1
    for milestone in action.milestones.all():
        if milestones_reached is None or milestone.pk not in milestones_reached:
            continue
        reached = milestones_reached[milestone.pk]
        if reached and milestone.done_on is None:
            milestone.done_on = timezone.localdate()
        elif not reached and milestone.done_on is not None:
            milestone.done_on = None
        else:
            continue
        milestone.save(update_fields=["done_on"])
        written += 1
    changes: dict[str, Any] = {
        k: [before[k], v]
        for k, v in model_values(action, ["status", "progress", "progress_note"]).items()
        if before[k] != v
    }
    changes["mesures"] = written
    record_change(
        actor=actor,
        action="update",
        instance=action,
        territory_code=action.roadmap.territory.code,
        changes=changes,
        message=f"Mise à jour de l'action {action.number}",
    )
    return update


def record_measurement(*, actor: Any, item: MeasurementInput, day: date, audit: bool = True) -> Measurement:
    indicator = item.indicator
    start, end = period_for(day, indicator.frequency)
    defaults: dict[str, Any] = {"period_end": end, "author": actor if getattr(actor, "pk", None) else None}
    if indicator.kind == IndicatorKind.QUANTITATIVE:
        defaults["value"] = item.value
    elif indicator.kind == IndicatorKind.QUALITATIVE:
        defaults["text_value"] = item.text_value
    else:
        defaults["achieved"] = bool(item.achieved)
    defaults["comment"] = item.comment
    measurement, _ = Measurement.objects.update_or_create(
        indicator=indicator, period_start=start, defaults=defaults
    )
    if item.evidence is not None:
        replaced = measurement.evidence.name if measurement.evidence else ""
        measurement.evidence.save(item.evidence.name or "justificatif", item.evidence, save=True)
        if replaced and replaced != measurement.evidence.name:
            delete_on_commit(replaced)  # the old file leaves storage with the commit
    if audit:
        record_change(actor=actor, action="update", instance=measurement, changes={"valeur": str(item.value)})
    return measurement


@transaction.atomic
def record_meeting(
    *,
    body: GovernanceBody,
    actor: Any,
    day: date,
    location: str = "",
    agenda: str = "",
    minutes: str = "",
    decisions: str = "",
    attendance: dict[int, str],
    meeting: Meeting | None = None,
) -> Meeting:
    if not can_edit_roadmap(actor, body.roadmap):
        raise PermissionDenied
    if meeting is None:
        meeting = Meeting(body=body)
    meeting.date = day
    meeting.location = location
    meeting.agenda = agenda
    meeting.minutes = minutes
    meeting.decisions = decisions
    meeting.save()
    member_ids = set(body.members.values_list("pk", flat=True))
    for member_id, status in attendance.items():
        if member_id in member_ids and status:
            Attendance.objects.update_or_create(
                meeting=meeting, member_id=member_id, defaults={"status": status}
            )
    record_change(
        actor=actor,
        action="update",
        instance=meeting,
        territory_code=body.roadmap.territory.code,
        changes={"date": day.isoformat(), "presences": len(attendance)},
        message=f"Réunion {body.name}",
    )
    return meeting


@transaction.atomic
def edit_action(*, action: Action, actor: Any, changes: dict[str, Any]) -> Action:
    """Coordinator edit of an action's descriptive fields (``changes`` from ActionEditForm)."""
    if not can_edit_roadmap(actor, action.roadmap):
        raise PermissionDenied
    before = model_values(action, list(changes))
    for name, value in changes.items():
        setattr(action, name, value)
    action.save()
    record_change(
        actor=actor,
        action="update",
        instance=action,
        territory_code=action.roadmap.territory.code,
        changes={k: [before[k], v] for k, v in changes.items() if before[k] != v},
        message=f"Modification de l'action {action.number}",
    )
    return action


@transaction.atomic
def record_version(*, roadmap: Any, actor: Any, version: Any) -> Any:
    """Store an amendment (``version``: unsaved RoadmapVersion from VersionForm) with the next number."""
    if not can_edit_roadmap(actor, roadmap):
        raise PermissionDenied
    last = roadmap.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version.roadmap = roadmap
    version.number = last + 1
    version.save()
    record_change(
        actor=actor,
        action="create",
        instance=version,
        territory_code=roadmap.territory.code,
        changes={"version": version.number, "date": version.decided_on.isoformat()},
        message=f"Avenant v{version.number} de {roadmap.slug}",
    )
    return version


@transaction.atomic
def write_managed_line(
    *,
    action: Action,
    line: BudgetLine | None,
    planned: Decimal | None,
    received: Decimal | None,
    funder: Any,
    label: str,
    year: int | None,
    actor: Any,
) -> BudgetLine | None:
    """The revenue line (« produit / cofinancement », euros) another context keeps for ``action``:
    ``planned`` is the amount granted, ``received`` the payments (None: nothing received yet, never 0).
    Both None: the line goes (a refused or withdrawn application). The caller registers its lines in
    ``managed_lines`` so that the roadmaps forms leave them alone; it checks its own permissions."""
    if line is not None and line.action_id != action.pk:
        line = None
    if planned is None and received is None:
        if line is not None and line.pk is not None:
            pk = line.pk
            line.delete()
            record_change(
                actor=actor,
                action="delete",
                object_type=BudgetLine._meta.label,
                object_id=pk,
                territory_code=action.roadmap.territory.code,
                changes={"libellé": label},
                message=f"Ligne de recette retirée de l'action {action.number}",
            )
        return None
    creating = line is None
    if line is None:
        Action.objects.select_for_update().filter(pk=action.pk).first()  # serialise position writes
        last = action.budget_lines.aggregate(m=models.Max("position"))["m"] or 0
        line = BudgetLine(action=action, position=last + 1)
    before = model_values(line, ["planned", "spent", "label", "year", "funder_id"])
    line.nature = BudgetNature.INCOME
    line.unit = BudgetUnit.EUR
    line.planned = planned
    line.spent = received
    line.funder = funder
    line.label = label[:300]
    line.year = year
    line.save()
    after = model_values(line, ["planned", "spent", "label", "year", "funder_id"])
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changes:
        record_change(
            actor=actor,
            action="create" if creating else "update",
            instance=line,
            territory_code=action.roadmap.territory.code,
            changes=changes,
            message=f"Ligne de recette de l'action {action.number} (dossier de financement)",
        )
    return line
