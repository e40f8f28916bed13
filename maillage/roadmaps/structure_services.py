"""Writes of the structure pages: typed, keyword-only, atomic, permission-checked and audited.

Permissions (see also ``permissions.py``):
- roadmap creation: coordinators of the roadmap's territory (or of a containing territory), superusers;
- axes, objectives, actions (creation, place, porteurs, partners), planned budget lines:
  coordinators of the roadmap (``can_edit_roadmap``);
- indicators and key steps: also the action's leads (``can_edit_action``), who define how their
  action is followed; deleting an indicator that already has values is left to coordinators.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from maillage.accounts.models import Organisation
from maillage.core.audit import model_values, record_change
from maillage.core.permissions import territories_for
from maillage.roadmaps.models import Action, Axis, BudgetLine, Indicator, Milestone, Objective, Roadmap, Step
from maillage.roadmaps.permissions import can_edit_action, can_edit_roadmap
from maillage.territories.models import Territory


def can_create_roadmap_in(user: Any, territory: Territory) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    ids = {t.pk for t in territories_for(user, ("coordinator",))}
    containers = {territory.pk, territory.region_id, territory.department_id, territory.epci_id}
    return bool(ids & {i for i in containers if i is not None})


def can_delete_indicator(user: Any, indicator: Indicator) -> bool:
    if can_edit_roadmap(user, indicator.action.roadmap):
        return True
    return can_edit_action(user, indicator.action) and not indicator.measurements.exists()


def organisations_named(names: list[str]) -> list[Organisation]:
    """Organisations by exact name, created when missing (same rule as the importer)."""
    out = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        org = Organisation.objects.filter(name=name).order_by("pk").first()
        if org is None:
            org = Organisation.objects.create(name=name)
        out.append(org)
    return out


def _json(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _audit(
    *,
    actor: Any,
    instance: models.Model,
    roadmap: Roadmap,
    before: dict[str, Any] | None,
    fields: list[str],
    message: str,
    extra: dict[str, Any] | None = None,
) -> None:
    after = model_values(instance, fields)
    if before is None:
        changes = {k: _json(v) for k, v in after.items() if v not in ("", None)}
    else:
        changes = {k: [_json(before[k]), _json(v)] for k, v in after.items() if before[k] != v}
    changes.update(extra or {})
    record_change(
        actor=actor,
        action="create" if before is None else "update",
        instance=instance,
        territory_code=roadmap.territory.code,
        changes=changes,
        message=message,
    )


def _before(instance: models.Model, fields: list[str]) -> dict[str, Any] | None:
    if instance.pk is None:
        return None
    return model_values(type(instance)._default_manager.get(pk=instance.pk), fields)


def _place(siblings: models.QuerySet[Any], item: Any, position: int | None) -> None:
    """Save ``item`` at ``position`` (1-based; None: unchanged, or last when new) among ``siblings``,
    renumbering 1..n without breaking the (parent, position) unique constraint."""
    others = (
        list(siblings.exclude(pk=item.pk).order_by("position", "pk"))
        if item.pk
        else list(siblings.order_by("position", "pk"))
    )
    if position is None:
        position = item.position if item.pk is not None else len(others) + 1
    index = max(0, min(position - 1, len(others)))
    ordered = [*others[:index], item, *others[index:]]
    # park every row out of the way, then write the final positions
    offset = 10000
    for i, row in enumerate(ordered, 1):
        if row.pk is not None:
            type(row)._default_manager.filter(pk=row.pk).update(position=offset + i)
    for i, row in enumerate(ordered, 1):
        row.position = i
        if row is item:
            continue
        type(row)._default_manager.filter(pk=row.pk).update(position=i)
    item.save()


ROADMAP_FIELDS = [
    "title",
    "slug",
    "territory_id",
    "carrier_id",
    "start_year",
    "end_year",
    "status",
    "adopted_on",
    "summary",
    "fne",
    "submitted_on",
    "action_term",
    "sub_action_term",
    "diagnostic",
]


@transaction.atomic
def create_roadmap(*, actor: Any, roadmap: Roadmap) -> Roadmap:
    """``roadmap``: unsaved, from RoadmapCreateForm."""
    if not can_create_roadmap_in(actor, roadmap.territory):
        raise PermissionDenied
    roadmap.save()
    _audit(
        actor=actor,
        instance=roadmap,
        roadmap=roadmap,
        before=None,
        fields=ROADMAP_FIELDS,
        message=f"Création de la feuille de route {roadmap.slug}",
    )
    return roadmap


@transaction.atomic
def edit_roadmap(*, actor: Any, roadmap: Roadmap) -> Roadmap:
    """``roadmap``: changed by RoadmapCreateForm (without its territory)."""
    if not can_edit_roadmap(actor, roadmap):
        raise PermissionDenied
    before = _before(roadmap, ROADMAP_FIELDS)
    roadmap.save()
    _audit(
        actor=actor,
        instance=roadmap,
        roadmap=roadmap,
        before=before,
        fields=ROADMAP_FIELDS,
        message=f"Modification de la feuille de route {roadmap.slug}",
    )
    return roadmap


@transaction.atomic
def save_axis(*, actor: Any, axis: Axis) -> Axis:
    if not can_edit_roadmap(actor, axis.roadmap):
        raise PermissionDenied
    fields = ["number", "title", "description"]
    before = _before(axis, fields)
    axis.save()
    _audit(
        actor=actor,
        instance=axis,
        roadmap=axis.roadmap,
        before=before,
        fields=fields,
        message=f"Axe {axis.number} de {axis.roadmap.slug}",
    )
    return axis


@transaction.atomic
def save_objective(*, actor: Any, objective: Objective) -> Objective:
    roadmap = objective.axis.roadmap
    if not can_edit_roadmap(actor, roadmap):
        raise PermissionDenied
    fields = ["code", "title"]
    before = _before(objective, fields)
    objective.save()
    _audit(
        actor=actor,
        instance=objective,
        roadmap=roadmap,
        before=before,
        fields=fields,
        message=f"Objectif {objective.code} de {roadmap.slug}",
    )
    return objective


@transaction.atomic
def save_action_structure(
    *,
    actor: Any,
    action: Action,
    leads: list[Organisation],
    partners: list[Organisation],
    new_leads: list[str] = (),  # type: ignore[assignment]
    new_partners: list[str] = (),  # type: ignore[assignment]
) -> Action:
    """Create an action, or change its axis, objective, number, title, porteurs and partners."""
    roadmap = action.roadmap
    if not can_edit_roadmap(actor, roadmap):
        raise PermissionDenied
    fields = ["axis_id", "objective_id", "number", "title", "introduced_by_id"]
    before = _before(action, fields)
    old_leads = sorted(o.name for o in action.lead_organisations.all()) if action.pk else []
    old_partners = sorted(o.name for o in action.partners.all()) if action.pk else []
    if action.pk is None:
        last = roadmap.actions.aggregate(m=models.Max("position"))["m"] or 0
        action.position = last + 1
    action.save()
    lead_set = {o.pk: o for o in [*leads, *organisations_named(list(new_leads))]}
    partner_set = {o.pk: o for o in [*partners, *organisations_named(list(new_partners))]}
    action.lead_organisations.set(lead_set.values())
    action.partners.set(partner_set.values())
    extra: dict[str, Any] = {}
    new_lead_names = sorted(o.name for o in lead_set.values())
    new_partner_names = sorted(o.name for o in partner_set.values())
    if new_lead_names != old_leads:
        extra["porteurs"] = [old_leads, new_lead_names] if before is not None else new_lead_names
    if new_partner_names != old_partners:
        extra["partenaires"] = [old_partners, new_partner_names] if before is not None else new_partner_names
    _audit(
        actor=actor,
        instance=action,
        roadmap=roadmap,
        before=before,
        fields=fields,
        extra=extra,
        message=f"{'Création' if before is None else 'Structure'} de l'action {action.number}",
    )
    return action


INDICATOR_FIELDS = [
    "label",
    "kind",
    "metric_key",
    "unit",
    "baseline",
    "target",
    "target_text",
    "target_date",
    "frequency",
    "aggregation",
    "position",
]


@transaction.atomic
def save_indicator(*, actor: Any, indicator: Indicator, position: int | None = None) -> Indicator:
    action = indicator.action
    if not can_edit_action(actor, action):
        raise PermissionDenied
    Action.objects.select_for_update().filter(pk=action.pk).first()  # serialise position writes
    before = _before(indicator, INDICATOR_FIELDS)
    _place(Indicator.objects.filter(action=action), indicator, position)
    _audit(
        actor=actor,
        instance=indicator,
        roadmap=action.roadmap,
        before=before,
        fields=INDICATOR_FIELDS,
        message=f"Indicateur de l'action {action.number}",
    )
    return indicator


BUDGET_FIELDS = ["nature", "unit", "label", "year", "planned", "spent", "funder_id"]


@transaction.atomic
def save_budget_line(*, actor: Any, line: BudgetLine, new_funder: str = "") -> BudgetLine:
    action = line.action
    if not can_edit_roadmap(actor, action.roadmap):
        raise PermissionDenied
    if new_funder.strip():
        line.funder = organisations_named([new_funder])[0]
    Action.objects.select_for_update().filter(pk=action.pk).first()  # serialise position writes
    before = _before(line, BUDGET_FIELDS)
    if line.pk is None:
        last = action.budget_lines.aggregate(m=models.Max("position"))["m"] or 0
        line.position = last + 1
    line.save()
    _audit(
        actor=actor,
        instance=line,
        roadmap=action.roadmap,
        before=before,
        fields=BUDGET_FIELDS,
        message=f"Ligne budgétaire de l'action {action.number}",
    )
    return line


@transaction.atomic
def save_step(*, actor: Any, step: Step, position: int | None = None) -> Step:
    action = step.action
    if not can_edit_action(actor, action):
        raise PermissionDenied
    fields = ["title", "done", "position"]
    Action.objects.select_for_update().filter(pk=action.pk).first()  # serialise position writes
    before = _before(step, fields)
    _place(Step.objects.filter(action=action), step, position)
    _audit(
        actor=actor,
        instance=step,
        roadmap=action.roadmap,
        before=before,
        fields=fields,
        message=f"Étape clé de l'action {action.number}",
    )
    return step


@transaction.atomic
def save_milestone(*, actor: Any, milestone: Milestone) -> Milestone:
    action = milestone.action
    if not can_edit_action(actor, action):
        raise PermissionDenied
    fields = ["title", "due_on", "done_on"]
    before = _before(milestone, fields)
    milestone.save()
    _audit(
        actor=actor,
        instance=milestone,
        roadmap=action.roadmap,
        before=before,
        fields=fields,
        message=f"Jalon de l'action {action.number}",
    )
    return milestone


def _renumber(siblings: models.QuerySet[Any]) -> None:
    for i, row in enumerate(siblings.order_by("position", "pk"), 1):
        if row.position != i:
            type(row)._default_manager.filter(pk=row.pk).update(position=i)


@transaction.atomic
def delete_item(
    *, actor: Any, item: Action | Axis | Objective | Indicator | BudgetLine | Step | Milestone
) -> None:
    """Delete an action (with its indicators, values, steps, milestones and budget), an axis (only when empty), an objective (its actions stay in the axis), an indicator
    (with its values), a budget line, a step or a milestone; positions are renumbered."""
    if isinstance(item, Action):
        roadmap, allowed = item.roadmap, can_edit_roadmap(actor, item.roadmap)
    elif isinstance(item, Axis):
        roadmap, allowed = item.roadmap, can_edit_roadmap(actor, item.roadmap)
        if item.actions.exists():
            raise ValueError("axe non vide")
    elif isinstance(item, Objective):
        roadmap = item.axis.roadmap
        allowed = can_edit_roadmap(actor, roadmap)
    elif isinstance(item, Indicator):
        roadmap, allowed = item.action.roadmap, can_delete_indicator(actor, item)
    elif isinstance(item, BudgetLine):
        roadmap, allowed = item.action.roadmap, can_edit_roadmap(actor, item.action.roadmap)
    else:
        roadmap, allowed = item.action.roadmap, can_edit_action(actor, item.action)
    if not allowed:
        raise PermissionDenied
    values = {k: _json(v) for k, v in model_values(item).items() if k != "id"}
    pk = item.pk
    item.delete()
    if isinstance(item, Indicator):
        _renumber(Indicator.objects.filter(action_id=item.action_id))
    elif isinstance(item, Step):
        _renumber(Step.objects.filter(action_id=item.action_id))
    record_change(
        actor=actor,
        action="delete",
        object_type=item._meta.label,
        object_id=pk,
        territory_code=roadmap.territory.code,
        changes=values,
        message=f"Suppression : {item}",
    )
