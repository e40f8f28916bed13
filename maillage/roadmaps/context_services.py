"""Writes of what surrounds the actions (co-carriers, key figures, concertation, pooled fund): the
coordinator's permission checked again, positions kept 1..n, every change audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from maillage.core.audit import model_values, record_change
from maillage.roadmaps.models import ConcertationPhase, FundContribution, KeyFigure, Roadmap, RoadmapCarrier
from maillage.roadmaps.permissions import can_edit_roadmap
from maillage.roadmaps.structure_services import _audit, _before, _json, _renumber, organisations_named

ContextItem = RoadmapCarrier | KeyFigure | ConcertationPhase | FundContribution

FIELDS: dict[type[models.Model], tuple[list[str], str]] = {
    RoadmapCarrier: (["organisation_id", "role", "position"], "Structure porteuse"),
    KeyFigure: (
        ["section", "label", "value", "value_text", "unit", "scope", "source", "vintage", "position"],
        "Chiffre clé",
    ),
    ConcertationPhase: (
        [
            "title",
            "period",
            "start_date",
            "end_date",
            "participants",
            "participant_count",
            "survey",
            "respondents",
            "description",
            "position",
        ],
        "Phase de concertation",
    ),
    FundContribution: (
        ["fund", "funder_id", "amount", "year", "note", "position"],
        "Apport au fonds mutualisé",
    ),
}


def _siblings(item: ContextItem) -> models.QuerySet[Any]:
    return type(item)._default_manager.filter(roadmap_id=item.roadmap_id)


@transaction.atomic
def save_context_item(*, actor: Any, item: ContextItem, new_organisation: str = "") -> ContextItem:
    roadmap = item.roadmap
    if not can_edit_roadmap(actor, roadmap):
        raise PermissionDenied
    if new_organisation.strip():
        organisation = organisations_named([new_organisation])[0]
        if isinstance(item, FundContribution):
            item.funder = organisation
        elif isinstance(item, RoadmapCarrier):
            item.organisation = organisation
    Roadmap.objects.select_for_update().filter(pk=roadmap.pk).first()  # serialise position writes
    fields, noun = FIELDS[type(item)]
    before = _before(item, fields)
    if item.pk is None:
        item.position = (_siblings(item).aggregate(m=models.Max("position"))["m"] or 0) + 1
    item.save()
    _audit(
        actor=actor, instance=item, roadmap=roadmap, before=before, fields=fields, message=f"{noun} : {item}"
    )
    return item


@transaction.atomic
def delete_context_item(*, actor: Any, item: ContextItem) -> None:
    roadmap = item.roadmap
    if not can_edit_roadmap(actor, roadmap):
        raise PermissionDenied
    values = {k: _json(v) for k, v in model_values(item).items() if k != "id"}
    pk = item.pk
    item.delete()
    _renumber(_siblings(item))
    record_change(
        actor=actor,
        action="delete",
        object_type=item._meta.label,
        object_id=pk,
        territory_code=roadmap.territory.code,
        changes=values,
        message=f"Suppression : {item}",
    )
