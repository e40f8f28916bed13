"""Figures computed from activity reports, for the roadmap indicators.

Each metric reads the pre-aggregated rollup for a département or an EPCI over whole months, and the
raw tables otherwise (a commune, a région, or a period that does not start/end on a month boundary).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Count, Q, Sum

from maillage.activities import selectors
from maillage.activities.choices import ActivityKind
from maillage.activities.models import Accompaniment, Activity
from maillage.activities.selectors.dimensions import _bit_q
from maillage.core.metrics import Value, batch, family, grouped, register
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


# Batch forms: the raw tables grouped by the activity's denormalised territory columns, one GROUP BY per
# territory level (the same figures as the rollup, which the activities tests keep equal to the raw).
COLUMNS = {
    "commune": "commune_id",
    "epci": "epci_id",
    "department": "department_id",
    "region": "department__region_id",
}
ADMINISTRATIVE = "aide_aux_demarches_administratives"


def _grouped(territories: Sequence[Any], start: date, end: date, **aggregates: Any) -> dict[int, Any]:
    activities = Activity.objects.filter(date__gte=start, date__lte=end)
    return grouped(activities, territories, aggregates, columns=COLUMNS)


def _pick(territories: Sequence[Any], rows: dict[int, Any], name: str) -> dict[int, Value]:
    return {t.pk: int(rows.get(t.pk, {}).get(name) or 0) for t in territories}


def _sum(territories: Sequence[Any], start: date, end: date, value: Any) -> dict[int, Value]:
    return _pick(territories, _grouped(territories, start, end, n=value), "n")


@register(
    "activities.accompaniments",
    label="Accompagnements réalisés (comptes rendus d’activité)",
    unit="accompagnements",
)
def accompaniments(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["accompaniments"]


@batch("activities.accompaniments")
def accompaniments_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _sum(territories, start, end, Sum("participants_count"))


@register("activities.workshops", label="Ateliers collectifs réalisés", unit="ateliers")
def workshops(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["collective"]


@batch("activities.workshops")
def workshops_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _sum(territories, start, end, Count("id", filter=Q(kind=ActivityKind.COLLECTIVE)))


@register(
    "activities.workshop_participants",
    label="Participations aux ateliers collectifs",
    unit="participations",
)
def workshop_participants(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["workshop_participants"]


@batch("activities.workshop_participants")
def workshop_participants_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _sum(territories, start, end, Sum("participants_count", filter=Q(kind=ActivityKind.COLLECTIVE)))


@register("activities.people", label="Personnes accompagnées (usagers)", unit="personnes")
def people(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["people"]


@batch("activities.people")
def people_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    """Anonymous participants plus distinct followed beneficiaries (two GROUP BYs per level)."""
    anonymous = _grouped(territories, start, end, n=Sum("anonymous_count"))
    followed = grouped(
        Accompaniment.objects.filter(activity__date__gte=start, activity__date__lte=end),
        territories,
        {"n": Count("beneficiary_id", distinct=True)},
        columns={level: f"activity__{column}" for level, column in COLUMNS.items()},
    )
    return {
        t.pk: int(anonymous.get(t.pk, {}).get("n") or 0) + int(followed.get(t.pk, {}).get("n") or 0)
        for t in territories
    }


@register("activities.individual", label="Accompagnements individuels", unit="accompagnements")
def individual(territory: Any, start: date, end: date) -> int:
    return _totals(territory, start, end)["individual"]


@batch("activities.individual")
def individual_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _sum(territories, start, end, Count("id", filter=Q(kind=ActivityKind.INDIVIDUAL)))


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


@batch("activities.active_mediators")
def active_mediators_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _sum(territories, start, end, Count("mediator_id", distinct=True))


@register(
    "activities.administrative_procedures",
    label="Accompagnements aux démarches administratives",
    unit="accompagnements",
)
def administrative(territory: Any, start: date, end: date) -> int:
    stats = _stats(territory, start, end)
    rows = next((b.rows for b in stats.breakdowns if b.dimension == "theme"), [])
    return next((r.accompaniments for r in rows if r.value == ADMINISTRATIVE), 0)


@batch("activities.administrative_procedures")
def administrative_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _sum(territories, start, end, Sum("participants_count", filter=_bit_q("theme", ADMINISTRATIVE)))


@register("activities.hours", label="Heures d’accompagnement et d’atelier", unit="heures")
def hours(territory: Any, start: date, end: date) -> float:
    scope = _scope(territory)
    minutes = Activity.objects.filter(scope.activity_q, date__gte=start, date__lte=end).aggregate(
        m=Sum("duration_minutes")
    )["m"]
    return round((minutes or 0) / 60, 1)


@batch("activities.hours")
def hours_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    rows = _grouped(territories, start, end, m=Sum("duration_minutes"))
    return {t.pk: round((rows.get(t.pk, {}).get("m") or 0) / 60, 1) for t in territories}


# Themed counts the roadmaps name (« ateliers de parentalité numérique », « actions de sensibilisation à
# la cybersécurité »): activities recorded with that theme, whatever else they cover.
PARENTING = "parentalite"
SECURITY = "securite_numerique"


def _themed(territory: Any, start: date, end: date, theme: str, value: Any, **filters: Any) -> int:
    rows = Activity.objects.filter(
        _scope(territory).activity_q, _bit_q("theme", theme), date__gte=start, date__lte=end, **filters
    ).aggregate(n=value)
    return int(rows["n"] or 0)


def _themed_many(
    territories: Sequence[Any], start: date, end: date, theme: str, value: Any, **filters: Any
) -> dict[int, Value]:
    activities = Activity.objects.filter(_bit_q("theme", theme), date__gte=start, date__lte=end, **filters)
    rows = grouped(activities, territories, {"n": value}, columns=COLUMNS)
    return {t.pk: int(rows.get(t.pk, {}).get("n") or 0) for t in territories}


@register("activities.workshops_parenting", label="Ateliers sur la parentalité numérique", unit="ateliers")
def workshops_parenting(territory: Any, start: date, end: date) -> int:
    return _themed(territory, start, end, PARENTING, Count("id"), kind=ActivityKind.COLLECTIVE)


@batch("activities.workshops_parenting")
def workshops_parenting_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _themed_many(territories, start, end, PARENTING, Count("id"), kind=ActivityKind.COLLECTIVE)


@register(
    "activities.accompaniments_parenting",
    label="Accompagnements sur la parentalité numérique (individuels et ateliers)",
    unit="accompagnements",
)
def accompaniments_parenting(territory: Any, start: date, end: date) -> int:
    return _themed(territory, start, end, PARENTING, Sum("participants_count"))


@batch("activities.accompaniments_parenting")
def accompaniments_parenting_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _themed_many(territories, start, end, PARENTING, Sum("participants_count"))


@register(
    "activities.workshops_security", label="Ateliers de prévention en sécurité numérique", unit="ateliers"
)
def workshops_security(territory: Any, start: date, end: date) -> int:
    return _themed(territory, start, end, SECURITY, Count("id"), kind=ActivityKind.COLLECTIVE)


@batch("activities.workshops_security")
def workshops_security_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _themed_many(territories, start, end, SECURITY, Count("id"), kind=ActivityKind.COLLECTIVE)


@register(
    "activities.workshop_participants_security",
    label="Participations aux ateliers de prévention en sécurité numérique",
    unit="participations",
)
def workshop_participants_security(territory: Any, start: date, end: date) -> int:
    return _themed(territory, start, end, SECURITY, Sum("participants_count"), kind=ActivityKind.COLLECTIVE)


@batch("activities.workshop_participants_security")
def workshop_participants_security_many(
    territories: Sequence[Any], start: date, end: date
) -> dict[int, Value]:
    return _themed_many(
        territories, start, end, SECURITY, Sum("participants_count"), kind=ActivityKind.COLLECTIVE
    )


# The family form: every figure above that is an aggregate of the activity rows, from ONE scan of the
# rows per territory level (a page asking for accompaniments, workshops and the themed counts reads the
# period's activities once, not once per figure). ``tests/roadmaps/test_metrics_batch.py`` keeps it
# equal to the batch forms.
_COLLECTIVE = Q(kind=ActivityKind.COLLECTIVE)
FAMILY_AGGREGATES: dict[str, Any] = {
    "activities.accompaniments": Sum("participants_count"),
    "activities.workshops": Count("id", filter=_COLLECTIVE),
    "activities.workshop_participants": Sum("participants_count", filter=_COLLECTIVE),
    "activities.individual": Count("id", filter=Q(kind=ActivityKind.INDIVIDUAL)),
    "activities.active_mediators": Count("mediator_id", distinct=True),
    "activities.administrative_procedures": Sum("participants_count", filter=_bit_q("theme", ADMINISTRATIVE)),
    "activities.hours": Sum("duration_minutes"),
    "activities.workshops_parenting": Count("id", filter=_bit_q("theme", PARENTING) & _COLLECTIVE),
    "activities.accompaniments_parenting": Sum("participants_count", filter=_bit_q("theme", PARENTING)),
    "activities.workshops_security": Count("id", filter=_bit_q("theme", SECURITY) & _COLLECTIVE),
    "activities.workshop_participants_security": Sum(
        "participants_count", filter=_bit_q("theme", SECURITY) & _COLLECTIVE
    ),
    "activities.people": Sum("anonymous_count"),  # plus the distinct followed people, read apart
}


@family(*FAMILY_AGGREGATES)
def activity_figures(
    keys: Sequence[str], territories: Sequence[Any], start: date, end: date
) -> dict[str, dict[int, Value]]:
    aliases = {f"f{i}": key for i, key in enumerate(keys)}
    rows = _grouped(territories, start, end, **{a: FAMILY_AGGREGATES[k] for a, k in aliases.items()})
    out: dict[str, dict[int, Value]] = {}
    for alias, key in aliases.items():
        raw = {t.pk: rows.get(t.pk, {}).get(alias) or 0 for t in territories}
        if key == "activities.hours":
            out[key] = {pk: round(minutes / 60, 1) for pk, minutes in raw.items()}
        else:
            out[key] = {pk: int(value) for pk, value in raw.items()}
    if "activities.people" in out:
        followed = grouped(
            Accompaniment.objects.filter(activity__date__gte=start, activity__date__lte=end),
            territories,
            {"n": Count("beneficiary_id", distinct=True)},
            columns={level: f"activity__{column}" for level, column in COLUMNS.items()},
        )
        people = out["activities.people"]
        for t in territories:
            people[t.pk] = int(people[t.pk] or 0) + int(followed.get(t.pk, {}).get("n") or 0)
    return out
