"""Reads of the training of aidants, scoped to the user's territories (other territories: 404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from maillage.core.permissions import territories_for, territory_scope_q
from maillage.training.models import (
    Aidant,
    Habilitation,
    HabilitationStatus,
    StructureKind,
    TrainingNeed,
    TrainingRecord,
    TrainingTarget,
)
from maillage.training.services import MANAGE_ROLES, NEED_ROLES, READ_ROLES


def reading_territories(user: Any) -> list[Any]:
    return territories_for(user, READ_ROLES)


def managing_territories(user: Any) -> list[Any]:
    return territories_for(user, MANAGE_ROLES)


def need_territories(user: Any) -> list[Any]:
    return territories_for(user, NEED_ROLES)


def aidants_visible_to(user: Any) -> QuerySet[Aidant]:
    return Aidant.objects.filter(territory_scope_q(user, roles=READ_ROLES))


def get_aidant_for_user(user: Any, pk: int) -> Aidant:
    return get_object_or_404(
        aidants_visible_to(user).select_related("territory", "organisation", "commune", "epci"), pk=pk
    )


def aidant_list(
    user: Any, *, q: str = "", structure_kind: str = "", module_id: int | None = None
) -> QuerySet[Aidant]:
    aidants = aidants_visible_to(user).select_related("organisation", "epci")
    if q:
        aidants = aidants.filter(
            Q(last_name__icontains=q) | Q(first_name__icontains=q) | Q(organisation__name__icontains=q)
        )
    if structure_kind:
        aidants = aidants.filter(structure_kind=structure_kind)
    if module_id:
        aidants = aidants.filter(
            Exists(TrainingRecord.objects.filter(aidant=OuterRef("pk"), module_id=module_id))
        )
    return aidants.annotate(
        n_modules=Count("records__module", distinct=True),
        habilitated=Exists(
            Habilitation.objects.filter(aidant=OuterRef("pk"), status=HabilitationStatus.GRANTED)
        ),
    ).order_by("last_name", "first_name", "pk")


def habilitations_visible_to(user: Any) -> QuerySet[Habilitation]:
    return Habilitation.objects.filter(territory_scope_q(user, field="aidant__territory", roles=READ_ROLES))


def needs_visible_to(user: Any) -> QuerySet[TrainingNeed]:
    return TrainingNeed.objects.filter(territory_scope_q(user, roles=READ_ROLES + NEED_ROLES))


@dataclass
class TargetProgress:
    target: TrainingTarget
    trained: int
    by_year: list[tuple[int, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_epci: list[tuple[str, int]] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return round(100 * self.trained / self.target.count) if self.target.count else None


def trained_aidants(
    territories: list[Any], start: date, end: date, module_id: int | None = None
) -> QuerySet[Any]:
    """One row per aidant trained in the period: its first module done in the period."""
    records = TrainingRecord.objects.filter(
        Q(aidant__territory__in=territories)
        | Q(aidant__territory__department__in=territories)
        | Q(aidant__territory__epci__in=territories),
        completed_on__gte=start,
        completed_on__lte=end,
    )
    if module_id:
        records = records.filter(module_id=module_id)
    return records.values("aidant_id", "aidant__structure_kind", "aidant__epci__name").annotate(
        first=Min("completed_on")
    )


def target_progress(target: TrainingTarget) -> TargetProgress:
    rows = list(
        trained_aidants(
            [target.territory], date(target.start_year, 1, 1), date(target.end_year, 12, 31), target.module_id
        )
    )
    kinds = dict(StructureKind.choices)
    by_year: dict[int, int] = {}
    by_kind: dict[str, int] = {}
    by_epci: dict[str, int] = {}
    for row in rows:
        by_year[row["first"].year] = by_year.get(row["first"].year, 0) + 1
        kind = str(kinds.get(row["aidant__structure_kind"], row["aidant__structure_kind"]))
        by_kind[kind] = by_kind.get(kind, 0) + 1
        epci = row["aidant__epci__name"] or str(_("EPCI non renseigné"))
        by_epci[epci] = by_epci.get(epci, 0) + 1
    return TargetProgress(
        target=target,
        trained=len(rows),
        by_year=sorted(by_year.items()),
        by_kind=sorted(by_kind.items(), key=lambda kv: -kv[1]),
        by_epci=sorted(by_epci.items(), key=lambda kv: (-kv[1], kv[0])),
    )


def targets_for(territories: list[Any]) -> list[TrainingTarget]:
    return list(
        TrainingTarget.objects.filter(territory__in=territories).select_related("territory", "module")
    )


def trained_by_module(territories: list[Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in TrainingRecord.objects.filter(
            Q(aidant__territory__in=territories) | Q(aidant__territory__department__in=territories)
        )
        .annotate(year=ExtractYear("completed_on"))
        .values("module__name", "year")
        .annotate(n=Count("aidant", distinct=True))
        .order_by("module__name", "year")
    ]
    return rows
