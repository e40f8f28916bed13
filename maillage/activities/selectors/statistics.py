"""Statistics of a scope: from the rollup (département, nation) or the raw tables (anything else)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from maillage.activities import rollup as rollup_module
from maillage.activities.choices import (
    ActivityKind,
)
from maillage.activities.models import (
    Accompaniment,
    Activity,
    ActivityRollup,
    ParticipantCount,
)
from maillage.activities.selectors.dimensions import (
    BREAKDOWNS,
    DIMENSIONS,
    MULTI,
    PERSON,
    Breakdown,
    Row,
    Stats,
    _bit_q,
    _dimension_filter,
    _ordered,
    _single_expr,
)
from maillage.activities.selectors.scopes import (
    Scope,
    _has_place,
)


def default_period(today: date) -> tuple[date, date]:
    """The current month and the 11 before it."""
    end = (today.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1), end


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


LONG_TAIL = rollup_module.LONG_TAIL


def compute_stats(
    scope: Scope, start: date, end: date, *, force_raw: bool = False, top: int | None = None
) -> Stats:
    """Statistics of ``scope``; ``top`` keeps only the N largest values of the long lists (communes,
    places, residence) — the page shows them, the exports want everything."""
    if scope.rollup_key and _whole_months(start, end) and not force_raw:
        stats = _rollup_stats(scope, start, end, top=top)
    else:
        stats = _raw_stats(scope, start, end)
    if top:
        for breakdown in stats.breakdowns:
            if breakdown.dimension in LONG_TAIL:
                breakdown.rows = breakdown.rows[:top]
    return stats


def _finish(stats: Stats, per_dim: dict[str, dict[str, list[int]]], months: dict[date, list[int]]) -> Stats:
    kinds = per_dim.get("kind", {})
    stats.individual = kinds.get(ActivityKind.INDIVIDUAL, [0, 0])[0]
    stats.collective = kinds.get(ActivityKind.COLLECTIVE, [0, 0])[0]
    stats.activities = stats.individual + stats.collective
    stats.workshop_participants = kinds.get(ActivityKind.COLLECTIVE, [0, 0])[1]
    stats.accompaniments = sum(v[1] for v in kinds.values())
    stats.by_month = [Row(m.isoformat(), f"{m:%m/%Y}", months[m][0], months[m][1]) for m in sorted(months)]
    for dimension in BREAKDOWNS:
        if dimension == "place" and not _has_place():
            continue
        stats.breakdowns.append(
            Breakdown(
                dimension,
                str(DIMENSIONS[dimension]),
                _ordered(dimension, per_dim.get(dimension, {})),
                dimension in PERSON,
            )
        )
    return stats


def _rollup_stats(scope: Scope, start: date, end: date, *, top: int | None = None) -> Stats:
    assert scope.rollup_key is not None
    grain, department, _epci = scope.rollup_key
    qs = ActivityRollup.objects.filter(grain=grain, month__gte=start, month__lte=end)
    # Long lists and followed people live in the département grain only.
    long_qs = ActivityRollup.objects.filter(grain="d", month__gte=start, month__lte=end)
    if department is not None:
        qs = qs.filter(department_id=department)
        long_qs = long_qs.filter(department_id=department)
    per_dim: dict[str, dict[str, list[int]]] = defaultdict(dict)
    months: dict[date, list[int]] = {}
    anonymous = 0
    short = [d for d in BREAKDOWNS if d not in LONG_TAIL]
    rows = (
        qs.filter(dimension__in=short)
        .values("dimension", "value")
        .annotate(a=Sum("activities"), acc=Sum("accompaniments"), anon=Sum("anonymous"))
    )
    for row in rows:
        per_dim[row["dimension"]][row["value"]] = [row["a"], row["acc"]]
        if row["dimension"] == "kind":
            anonymous += row["anon"]
    for dimension in LONG_TAIL:
        long_rows = (
            long_qs.filter(dimension=dimension)
            .values("value")
            .annotate(a=Sum("activities"), acc=Sum("accompaniments"))
            .order_by("-acc", "value")
        )
        for long_row in long_rows[:top] if top else long_rows:
            per_dim[dimension][long_row["value"]] = [long_row["a"], long_row["acc"]]
    for month_row in (
        qs.filter(dimension="kind").values("month").annotate(a=Sum("activities"), acc=Sum("accompaniments"))
    ):
        if month_row["a"] or month_row["acc"]:
            months[month_row["month"]] = [month_row["a"], month_row["acc"]]
    followed = (
        long_qs.filter(dimension=rollup_module.FOLLOWED, accompaniments__gt=0)
        .values("value")
        .distinct()
        .count()
    )
    stats = Stats(scope, start, end, "rollup")
    stats.people = anonymous + followed
    return _finish(stats, per_dim, months)


def scoped_activities(scope: Scope, start: date, end: date) -> QuerySet[Activity]:
    return Activity.objects.filter(scope.activity_q, date__gte=start, date__lte=end)


def _raw_stats(scope: Scope, start: date, end: date) -> Stats:
    activities = scoped_activities(scope, start, end)
    per_dim: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for dimension in ("kind", "channel", "duration", "commune", "place", "autonomy", "orientation", "level"):
        if dimension == "place" and not _has_place():
            continue
        rows = (
            activities.filter(_dimension_filter(dimension))
            .annotate(v=_single_expr(dimension))
            .values("v")
            .annotate(a=Count("id"), acc=Sum("participants_count"))
        )
        for row in rows:
            per_dim[dimension][str(row["v"])] = [row["a"], row["acc"]]
    aggregates: dict[str, Any] = {}
    for dimension, (_column, choices) in MULTI.items():
        for i, value in enumerate(choices.values):
            q = _bit_q(dimension, value)
            aggregates[f"{dimension}_{i}_a"] = Count("id", filter=q)
            aggregates[f"{dimension}_{i}_acc"] = Sum("participants_count", filter=q)
    if aggregates:
        result = activities.aggregate(**aggregates)
        for dimension, (_column, choices) in MULTI.items():
            for i, value in enumerate(choices.values):
                acts = result[f"{dimension}_{i}_a"] or 0
                if acts:
                    per_dim[dimension][value] = [acts, result[f"{dimension}_{i}_acc"] or 0]
    people = Accompaniment.objects.filter(activity__in=activities)
    for dimension, column in (
        ("age_band", "age_band"),
        ("gender", "gender"),
        ("social_status", "social_status"),
        ("residence", "residence_commune_id"),
    ):
        qs = people.exclude(residence_commune__isnull=True) if dimension == "residence" else people
        for row in qs.values(column).annotate(n=Count("id")):
            per_dim[dimension][str(row[column])] = [0, row["n"]]
    counts = ParticipantCount.objects.filter(activity__in=activities, count__gt=0)
    for count_row in counts.values("dimension", "value").annotate(n=Sum("count")):
        current = per_dim[count_row["dimension"]].setdefault(count_row["value"], [0, 0])
        current[1] += count_row["n"]
    months: dict[date, list[int]] = {}
    for month_row in (
        activities.annotate(m=TruncMonth("date"))
        .values("m")
        .annotate(a=Count("id"), acc=Sum("participants_count"))
    ):
        months[month_row["m"]] = [month_row["a"], month_row["acc"]]
    totals = activities.aggregate(anon=Sum("anonymous_count"))
    followed = people.filter(beneficiary__isnull=False).values("beneficiary_id").distinct().count()
    stats = Stats(scope, start, end, "raw")
    stats.people = (totals["anon"] or 0) + followed
    return _finish(stats, per_dim, months)
