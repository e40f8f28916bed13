"""Any two dimensions crossed: month × a dimension from the rollup, two short dimensions of the nation
from the pair rollup, anything else on the raw tables (honest about workshop counts), cached for a
département or the nation under its rollup version."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from maillage.activities.models import (
    Accompaniment,
    ParticipantCount,
)
from maillage.activities.selectors.dimensions import (
    DIMENSIONS,
    MULTI,
    NOT_CROSSED,
    PERSON,
    CrossTab,
    _bit_q,
    _dimension_filter,
    _ordered,
    _single_expr,
)

# --- Cross-tab --------------------------------------------------------------------------------
from maillage.activities.selectors.scopes import (
    Scope,
)
from maillage.activities.selectors.statistics import (
    CACHE_SECONDS,
    _whole_months,
    scoped_activities,
)


def _cells_activity(
    base: QuerySet[Any], dims: tuple[str, str], prefix: str, weight: Any, filter_weight: Any
) -> dict[tuple[str, str], int]:
    """Weighted counts for two activity-level dimensions (or one activity + one grouped column)."""
    a, b = dims
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for dimension in dims:
        if dimension not in MULTI and dimension not in ("_person",):
            base = base.filter(_dimension_filter(dimension, prefix))
    singles = [d for d in dims if d not in MULTI]
    multis = [d for d in dims if d in MULTI]
    annotations = {f"v_{d}": _single_expr(d, prefix) if d != "_person" else F("_person") for d in singles}
    if not multis:
        for row in base.annotate(**annotations).values(*annotations).annotate(w=weight):
            cells[(str(row[f"v_{a}"]), str(row[f"v_{b}"]))] += row["w"] or 0
        return cells
    if len(multis) == 1:
        m = multis[0]
        choices = MULTI[m][1]
        aggs = {f"w{i}": filter_weight(_bit_q(m, v, prefix)) for i, v in enumerate(choices.values)}
        single = singles[0]
        for row in base.annotate(**annotations).values(f"v_{single}").annotate(**aggs):
            for i, value in enumerate(choices.values):
                w = row[f"w{i}"] or 0
                if w:
                    key = (value, str(row[f"v_{single}"])) if a == m else (str(row[f"v_{single}"]), value)
                    cells[key] += w
        return cells
    ca, cb = MULTI[a][1], MULTI[b][1]
    aggs = {
        f"w{i}_{j}": filter_weight(_bit_q(a, va, prefix) & _bit_q(b, vb, prefix))
        for i, va in enumerate(ca.values)
        for j, vb in enumerate(cb.values)
    }
    result = base.aggregate(**aggs)
    for i, va in enumerate(ca.values):
        for j, vb in enumerate(cb.values):
            if result[f"w{i}_{j}"]:
                cells[(va, vb)] += result[f"w{i}_{j}"]
    return cells


PERSON_COLUMN = {
    "age_band": "age_band",
    "gender": "gender",
    "social_status": "social_status",
    "residence": "residence_commune_id",
}


def cross_tab(scope: Scope, start: date, end: date, dim_a: str, dim_b: str) -> CrossTab:
    """Accompaniments crossed by two dimensions, computed on the raw tables."""
    if dim_a not in DIMENSIONS or dim_b not in DIMENSIONS or dim_a == dim_b or {dim_a, dim_b} & NOT_CROSSED:
        raise ValueError("dimensions")
    other = dim_b if dim_a == "month" else dim_a
    if "month" in (dim_a, dim_b) and _rollup_months(scope, start, end, other):
        return _month_cross_tab_from_rollup(scope, start, end, dim_a, dim_b)
    if scope.rollup_key is None or not _whole_months(start, end):
        return _table(dim_a, dim_b, *_raw_cells(scope, start, end, dim_a, dim_b))
    if scope.rollup_key[0] == "n" and _pair_rollup(dim_a, dim_b):
        return _table(dim_a, dim_b, *_pair_cells(start, end, dim_a, dim_b))
    # A département or the nation: the crossing is computed once from the raw tables, then kept
    # under the scope's rollup version (bumped by every write of an activity of that scope).
    from maillage.activities import rollup

    key = f"activities:cross:{rollup.version_token(scope.rollup_key[1])}:{start}:{end}:{dim_a}:{dim_b}"
    found = cache.get(key)
    if found is None:
        found = _raw_cells(scope, start, end, dim_a, dim_b)
        cache.set(key, found, CACHE_SECONDS)
    return _table(dim_a, dim_b, *found)


def _raw_cells(
    scope: Scope, start: date, end: date, dim_a: str, dim_b: str
) -> tuple[dict[tuple[str, str], int], str]:
    activities = scoped_activities(scope, start, end)
    note = ""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    person = [d for d in (dim_a, dim_b) if d in PERSON]
    if not person:
        cells = _cells_activity(
            activities,
            (dim_a, dim_b),
            "",
            Sum("participants_count"),
            lambda q: Sum("participants_count", filter=q),
        )
    elif len(person) == 1:
        p = person[0]
        other = dim_b if p == dim_a else dim_a
        column = PERSON_COLUMN[p]
        accompaniments = Accompaniment.objects.filter(activity__in=activities)
        if p == "residence":
            accompaniments = accompaniments.exclude(residence_commune__isnull=True)
        accompaniments = accompaniments.annotate(_person=F(column))
        dims = ("_person", other) if p == dim_a else (other, "_person")
        part = _cells_activity(
            accompaniments, dims, "activity__", Count("id"), lambda q: Count("id", filter=q)
        )
        for key, w in part.items():
            cells[key] += w
        if p != "residence":
            counts = ParticipantCount.objects.filter(
                activity__in=activities, dimension=p, count__gt=0
            ).annotate(_person=F("value"))
            part = _cells_activity(counts, dims, "activity__", Sum("count"), lambda q: Sum("count", filter=q))
            for key, w in part.items():
                cells[key] += w
    else:
        accompaniments = Accompaniment.objects.filter(activity__in=activities)
        ca, cb = PERSON_COLUMN[dim_a], PERSON_COLUMN[dim_b]
        if "residence" in person:
            accompaniments = accompaniments.exclude(residence_commune__isnull=True)
        for row in accompaniments.values(ca, cb).annotate(n=Count("id")):
            cells[(str(row[ca]), str(row[cb]))] += row["n"]
        note = _person_pair_note()
    if "month" in (dim_a, dim_b):
        cells = {
            (_month_key(ka) if dim_a == "month" else ka, _month_key(kb) if dim_b == "month" else kb): w
            for (ka, kb), w in cells.items()
        }
    return dict(cells), note


def _person_pair_note() -> str:
    return str(
        _(
            "Les participant·es anonymes aux ateliers sont comptés par catégorie seulement : "
            "ce croisement de deux caractéristiques des personnes ne porte que sur les "
            "accompagnements individuels et les participant·es suivi·es."
        )
    )


def _pair_rollup(dim_a: str, dim_b: str) -> bool:
    from maillage.activities import rollup

    return rollup.canonical_pair(dim_a, dim_b) is not None


def _pair_cells(start: date, end: date, dim_a: str, dim_b: str) -> tuple[dict[tuple[str, str], int], str]:
    """The national crossing of two short dimensions over whole months, read from the pair rollup
    (stored in one canonical order per pair, swapped here): the same cells as ``_raw_cells``."""
    from maillage.activities import rollup
    from maillage.activities.models import ActivityPairRollup

    pair = rollup.canonical_pair(dim_a, dim_b)
    assert pair is not None
    rows = (
        ActivityPairRollup.objects.filter(dim_a=pair[0], dim_b=pair[1], month__gte=start, month__lte=end)
        .values_list("value_a", "value_b")
        .annotate(total=Sum("weight"))
        .order_by()
    )
    swapped = pair != (dim_a, dim_b)
    cells: dict[tuple[str, str], int] = {}
    for value_a, value_b, total in rows:
        if total:
            cells[(value_b, value_a) if swapped else (value_a, value_b)] = int(total)
    both_people = dim_a in rollup.PAIR_PERSON_DIMENSIONS and dim_b in rollup.PAIR_PERSON_DIMENSIONS
    return cells, _person_pair_note() if both_people else ""


def _table(dim_a: str, dim_b: str, cells: dict[tuple[str, str], int], note: str) -> CrossTab:
    values_a = {k[0] for k in cells}
    values_b = {k[1] for k in cells}
    rows_a = _ordered(dim_a, {v: [0, sum(w for (x, _y), w in cells.items() if x == v)] for v in values_a})
    cols_b = _ordered(dim_b, {v: [0, sum(w for (_x, y), w in cells.items() if y == v)] for v in values_b})
    if dim_a == "month":
        rows_a.sort(key=lambda r: r.value)
    if dim_b == "month":
        cols_b.sort(key=lambda r: r.value)
    rows = [(r.label, [cells.get((r.value, c.value), 0) for c in cols_b], r.accompaniments) for r in rows_a]
    return CrossTab(
        dim_a,
        dim_b,
        str(DIMENSIONS[dim_a]),
        str(DIMENSIONS[dim_b]),
        rows,
        [c.label for c in cols_b],
        [c.accompaniments for c in cols_b],
        note,
    )


def _month_key(value: str) -> str:
    return value[:7]


def _rollup_months(scope: Scope, start: date, end: date, other: str) -> bool:
    """Month × a dimension is read from the rollup (month is one of its keys) for a département or the
    nation over whole months; the national grain holds only the short lists."""
    from maillage.activities import rollup

    if scope.rollup_key is None or not _whole_months(start, end):
        return False
    return scope.rollup_key[0] == "d" or other not in rollup.NATIONAL_EXCLUDED


def _month_cross_tab_from_rollup(scope: Scope, start: date, end: date, dim_a: str, dim_b: str) -> CrossTab:
    from maillage.activities.models import ActivityRollup

    assert scope.rollup_key is not None
    grain, department, _epci = scope.rollup_key
    other = dim_b if dim_a == "month" else dim_a
    rows = ActivityRollup.objects.filter(grain=grain, dimension=other, month__gte=start, month__lte=end)
    if department is not None:
        rows = rows.filter(department_id=department)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for month, value, accompaniments in rows.values_list("month", "value", "accompaniments"):
        if not accompaniments:
            continue
        key = month.isoformat()[:7]
        cells[(key, value) if dim_a == "month" else (value, key)] += accompaniments
    return _table(dim_a, dim_b, cells, "")
