"""Statistics of a scope: from the rollup (département, nation) or the raw tables (anything else)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from maillage.activities import rollup as rollup_module
from maillage.activities.choices import (
    ActivityKind,
)
from maillage.activities.models import (
    Accompaniment,
    Activity,
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
    _commune_and_place_labels,
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
CACHE_SECONDS = 3600  # a bound on memory only: correctness comes from the version in the key


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
            if breakdown.dimension in (*LONG_TAIL, "tag"):
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
    has_place = _has_place()
    communes, places = _commune_and_place_labels(
        {v for dimension in ("commune", "residence") for v in per_dim.get(dimension, {})},
        set(per_dim.get("place", {})) if has_place else set(),
    )  # the labels of both commune lists and of the places in one query
    known = {"commune": communes, "residence": communes, "place": places}
    for dimension in BREAKDOWNS:
        if dimension == "place" and not has_place:
            continue
        stats.breakdowns.append(
            Breakdown(
                dimension,
                str(DIMENSIONS[dimension]),
                _ordered(
                    dimension,
                    per_dim.get(dimension, {}),
                    known.get(dimension) if dimension in known and (dimension != "place" or places) else None,
                ),
                dimension in PERSON,
            )
        )
    return stats


def _rollup_sql(department: int | None, top: int | None) -> str:
    """One statement for a whole statistics page read from the rollup: the short lists of the scope's
    grain, the months, the top values of the long lists (département grain) and the followed people."""
    table = rollup_module.TABLE
    short = [d for d in BREAKDOWNS if d not in LONG_TAIL]
    in_short = ", ".join(["%s"] * len(short))
    in_long = ", ".join(["%s"] * len(LONG_TAIL))
    where_scope = "grain = %s AND month >= %s AND month <= %s" + (
        " AND department_id = %s" if department else ""
    )
    where_long = "grain = 'd' AND month >= %s AND month <= %s" + (
        " AND department_id = %s" if department else ""
    )
    limit = " WHERE rn <= %s" if top else ""
    sql = (
        f"SELECT dimension, value, NULL AS month, SUM(activities), SUM(accompaniments), SUM(anonymous) "  # noqa: S608 — constants of this module
        f"FROM {table} WHERE {where_scope} AND dimension IN ({in_short}) GROUP BY dimension, value "
        "UNION ALL "
        f"SELECT '_month', '', month, SUM(activities), SUM(accompaniments), 0 FROM {table} "
        f"WHERE {where_scope} AND dimension = 'kind' GROUP BY month "
        "UNION ALL "
        "SELECT dimension, value, NULL, a, acc, 0 FROM (SELECT dimension, value, SUM(activities) AS a, "
        "SUM(accompaniments) AS acc, ROW_NUMBER() OVER (PARTITION BY dimension "
        "ORDER BY SUM(accompaniments) DESC, value) AS rn "
        f"FROM {table} WHERE {where_long} AND dimension IN ({in_long}) GROUP BY dimension, value) ranked"
        f"{limit} "
        "UNION ALL "
        f"SELECT '_followed', '', NULL, COUNT(DISTINCT value), 0, 0 FROM {table} "
        f"WHERE {where_long} AND dimension = %s AND accompaniments > 0"
    )
    return sql


def _rollup_stats(scope: Scope, start: date, end: date, *, top: int | None = None) -> Stats:
    from django.db import connection

    assert scope.rollup_key is not None
    grain, department, _epci = scope.rollup_key
    sql = _rollup_sql(department, top)
    scope_params: list[Any] = [grain, start, end] + ([department] if department else [])
    long_params: list[Any] = [start, end] + ([department] if department else [])
    short = [d for d in BREAKDOWNS if d not in LONG_TAIL]
    params = [
        *scope_params,
        *short,
        *scope_params,
        *long_params,
        *LONG_TAIL,
        *([top] if top else []),
        *long_params,
        rollup_module.FOLLOWED,
    ]
    per_dim: dict[str, dict[str, list[int]]] = defaultdict(dict)
    months: dict[date, list[int]] = {}
    anonymous = followed = 0
    # The figures (not the labels, read afresh) are cached under the rollup version of the scope,
    # which every rollup write bumps in its own transaction: a write changes the key.
    key = f"activities:stats:{rollup_module.version_token(department)}:{grain}:{start}:{end}:{top}"
    rows = cache.get(key)
    if rows is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        cache.set(key, rows, CACHE_SECONDS)
    for dimension, value, month, acts, acc, anon in rows:
        if dimension == "_month":
            if acts or acc:
                if isinstance(month, str):  # SQLite returns dates as text from a raw query
                    month = date.fromisoformat(month)
                months[month] = [int(acts or 0), int(acc or 0)]
        elif dimension == "_followed":
            followed = int(acts or 0)
        else:
            per_dim[dimension][value] = [int(acts or 0), int(acc or 0)]
            if dimension == "kind":
                anonymous += int(anon or 0)
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
    tags: dict[str, list[int]] = {}
    for tag_list, participants in activities.exclude(tags=[]).values_list("tags", "participants_count"):
        for tag in dict.fromkeys(str(t)[: rollup_module.TAG_LENGTH] for t in tag_list or []):
            current = tags.setdefault(tag, [0, 0])
            current[0] += 1
            current[1] += participants
    per_dim["tag"] = tags
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
