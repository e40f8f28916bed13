"""Figures computed from activity reports, for the roadmap indicators.

Each metric reads the pre-aggregated rollup for a département or an EPCI over whole months, and the
raw tables otherwise (a commune, a région, or a period that does not start/end on a month boundary).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, Sum

from maillage.activities import selectors
from maillage.activities.choices import ActivityKind
from maillage.activities.models import Activity
from maillage.core.metrics import register
from maillage.territories.models import TerritoryKind


def _scope(territory: Any) -> selectors.Scope:
    if territory.kind == TerritoryKind.DEPARTMENT:
        return selectors.Scope(
            "department",
            territory.pk,
            str(territory),
            Q(department_id=territory.pk),
            ("d", territory.pk, None),
        )
    return selectors.Scope(territory.kind, territory.pk, str(territory), selectors._territory_q([territory]))


def _stats(territory: Any, start: date, end: date) -> selectors.Stats:
    return selectors.compute_stats(_scope(territory), start, end)


def _totals(territory: Any, start: date, end: date) -> dict[str, int]:
    """The key figures only (the same numbers as ``Stats``): from the rollup's one statement where
    the scope has a rollup, else ONE aggregate over the scope's activities plus the distinct followed
    people — not every breakdown of the raw tables for a single number."""
    from maillage.activities.models import Accompaniment
    from maillage.activities.selectors.statistics import _whole_months

    scope = _scope(territory)
    if scope.rollup_key and _whole_months(start, end):
        stats = selectors.compute_stats(scope, start, end)
        return {
            "individual": stats.individual,
            "collective": stats.collective,
            "accompaniments": stats.accompaniments,
            "workshop_participants": stats.workshop_participants,
            "people": stats.people,
        }
    activities = selectors.scoped_activities(scope, start, end)
    collective = Q(kind=ActivityKind.COLLECTIVE)
    totals = activities.aggregate(
        individual=Count("id", filter=Q(kind=ActivityKind.INDIVIDUAL)),
        collective=Count("id", filter=collective),
        accompaniments=Sum("participants_count"),
        workshop_participants=Sum("participants_count", filter=collective),
        anonymous=Sum("anonymous_count"),
    )
    followed = (
        Accompaniment.objects.filter(activity__in=activities, beneficiary__isnull=False)
        .values("beneficiary_id")
        .distinct()
        .count()
    )
    result = {key: int(value or 0) for key, value in totals.items()}
    result["people"] = result.pop("anonymous") + followed
    return result


@register(
    "activities.accompaniments",
    label="Accompagnements réalisés (comptes rendus d’activité)",
    unit="accompagnements",
)
def accompaniments(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["accompaniments"]


@register("activities.workshops", label="Ateliers collectifs réalisés", unit="ateliers")
def workshops(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["collective"]


@register(
    "activities.workshop_participants",
    label="Participations aux ateliers collectifs",
    unit="participations",
)
def workshop_participants(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["workshop_participants"]


@register("activities.people", label="Personnes accompagnées (usagers)", unit="personnes")
def people(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["people"]


@register("activities.individual", label="Accompagnements individuels", unit="accompagnements")
def individual(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["individual"]


@register(
    "activities.active_mediators",
    label="Médiateur·rices ayant rendu compte de leur activité",
    unit="personnes",
)
def active_mediators(territory: Any, start: date, end: date) -> int:
    scope = _scope(territory)
    return (
        Activity.objects.filter(scope.activity_q, date__gte=start, date__lte=end).aggregate(
            n=Count("mediator_id", distinct=True)
        )["n"]
        or 0
    )


@register(
    "activities.administrative_procedures",
    label="Accompagnements aux démarches administratives",
    unit="accompagnements",
)
def administrative(territory: Any, start: date, end: date) -> int:
    stats = _stats(territory, start, end)
    rows = next((b.rows for b in stats.breakdowns if b.dimension == "theme"), [])
    return next((r.accompaniments for r in rows if r.value == "aide_aux_demarches_administratives"), 0)


@register("activities.hours", label="Heures d’accompagnement et d’atelier", unit="heures")
def hours(territory: Any, start: date, end: date) -> float:
    scope = _scope(territory)
    minutes = Activity.objects.filter(scope.activity_q, date__gte=start, date__lte=end).aggregate(
        m=Sum("duration_minutes")
    )["m"]
    return round((minutes or 0) / 60, 1)
