"""Reads of the observatory: which territories a user may see, and the report of one territory.

The report only holds aggregated or public figures (communes, places of the public directory, indices,
counts): the public version of the observatory reuses it as is, without the activity figures.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from maillage.core.permissions import territories_for
from maillage.observatory import fragility as fr
from maillage.observatory.access import KINDS
from maillage.observatory.models import (
    CommuneAccess,
    CommuneIndicator,
    CommuneShape,
    FragilityMethod,
    FragilityScore,
    IndicatorImport,
    IndicatorSource,
    ObservatorySettings,
)
from maillage.territories.models import Territory, TerritoryKind

OBSERVED_KINDS = (TerritoryKind.DEPARTMENT, TerritoryKind.EPCI)
#: Indicators of the Lot diagnostic's EPCI sheets, from the imported INSEE file (ratios of sums).
SHEET_RATES = {
    "poverty_rate": None,  # a commune rate: population-weighted mean of the communes where published
    "unemployment": ("chom1564", "act1564"),
    "older65": ("pop65p", "population_rp"),
    "older60": ("pop60p", "population_rp"),
    "single_households": ("single_households", "households"),
    "low_education": ("low_education", "nscol15p"),
}


# --- access ----------------------------------------------------------------------------------------------


def observable_territories(user: Any) -> list[Territory]:
    """Départements and EPCI whose observatory ``user`` may read (their territories and the EPCI inside)."""
    found: dict[int, Territory] = {}
    for territory in territories_for(user):
        if territory.kind == TerritoryKind.DEPARTMENT:
            found[territory.pk] = territory
            for epci in Territory.objects.epcis().filter(department=territory).order_by("name"):
                found[epci.pk] = epci
        elif territory.kind == TerritoryKind.EPCI:
            found[territory.pk] = territory
        elif territory.kind == TerritoryKind.REGION:
            for dept in Territory.objects.departments().filter(region=territory).order_by("code"):
                found[dept.pk] = dept
    return sorted(found.values(), key=lambda t: (t.kind != TerritoryKind.DEPARTMENT, t.name))


def territory_by_code(code: str) -> Territory:
    territory = Territory.objects.filter(kind__in=OBSERVED_KINDS, code=code.upper()).first()
    if territory is None:
        raise Http404
    return territory


def get_territory_for_user(user: Any, code: str) -> Territory:
    territory = territory_by_code(code)
    allowed = {t.pk for t in territories_for(user)}
    if territory.pk in allowed or territory.department_id in allowed or territory.region_id in allowed:
        return territory
    raise Http404


def get_public_territory(code: str) -> Territory:
    territory = territory_by_code(code)
    ids = [territory.pk] + ([territory.department_id] if territory.department_id else [])
    if not ObservatorySettings.objects.filter(territory_id__in=ids, is_public=True).exists():
        raise Http404
    return territory


def public_setting(territory: Territory) -> bool:
    return ObservatorySettings.objects.filter(territory=territory, is_public=True).exists()


# --- report ----------------------------------------------------------------------------------------------


@dataclass
class ScoreRow:
    scores: dict[str, Any]
    total: float | None
    vintage: str


@dataclass
class CommuneRow:
    pk: int
    code: str
    name: str
    epci_id: int | None
    population: int | None
    area_km2: float | None
    density: float | None
    ifn: float | None
    ifn_class: int | None
    ifn_scores: dict[str, float | None]
    compas: float | None
    distances: dict[str, float | None]
    places: dict[str, int]
    fragile_far: bool
    outline: list[list[int]] | None = None


@dataclass
class Summary:
    population: int
    communes: int
    area_km2: float | None
    density: float | None
    ifn: float | None
    ifn_class: int | None
    ifn_scores: dict[str, float | None]
    compas: float | None
    places: dict[str, int]
    places_per_10k: dict[str, float | None]
    near_share: float | None
    fragile_far: int
    fragile_far_population: int
    rates: dict[str, tuple[float | None, float]]  # key → (value %, share of population covered %)


@dataclass
class Report:
    territory: Territory
    method: str
    method_label: str
    rows: list[CommuneRow]
    summary: Summary
    children: list[tuple[Territory, Summary]] = field(default_factory=list)
    sources: list[tuple[str, str, datetime]] = field(default_factory=list)
    fragile_ifn_min: float = 0.0
    far_km: float = 0.0
    near_km: float = 0.0
    computed_at: datetime | None = None
    mednum_vintage: str = ""
    version: str = ""


def load_outlines_into(report: Report) -> None:
    """Attach the outlines to a report built without them (one query)."""
    outlines = dict(
        CommuneShape.objects.filter(commune_id__in=[row.pk for row in report.rows]).values_list(
            "commune_id", "outline"
        )
    )
    for row in report.rows:
        row.outline = outlines.get(row.pk)


def available_methods(territory: Territory) -> list[str]:
    communes = list(Territory.objects.communes_of([territory]).values_list("pk", flat=True))
    present = set(
        FragilityScore.objects.filter(territory_id__in=communes, total__isnull=False)
        .values_list("method", flat=True)
        .distinct()
    )
    return [m for m in (FragilityMethod.IFN, FragilityMethod.MEDNUM) if m in present]


def default_method(territory: Territory) -> str:
    methods = available_methods(territory)
    return methods[0] if methods else FragilityMethod.IFN


def _per_10k(count: int, population: int) -> float | None:
    return round(10000 * count / population, 2) if population else None


def _derived(values: dict[str, float | None]) -> dict[str, float | None]:
    derived = dict(values)
    parts = [values.get(k) for k in ("pop6074", "pop7589", "pop90p")]
    derived["pop60p"] = sum(p for p in parts if p is not None) if all(p is not None for p in parts) else None
    derived["low_education"] = fr.low_education_count(values)
    return derived


def _rates(
    rows: list[CommuneRow], values: dict[int, dict[str, float | None]]
) -> dict[str, tuple[float | None, float]]:
    population = sum(r.population or 0 for r in rows) or 1
    result: dict[str, tuple[float | None, float]] = {}
    for key, parts in SHEET_RATES.items():
        num = den = covered = 0.0
        for row in rows:
            v = values.get(row.pk, {})
            if parts is None:
                rate = v.get(key)
                if rate is not None and row.population:
                    num += rate * row.population
                    den += row.population
                    covered += row.population
            else:
                a, b = v.get(parts[0]), v.get(parts[1])
                if a is not None and b:
                    num += a
                    den += b
                    covered += row.population or 0
        value = (num / den if parts is None else 100 * num / den) if den else None
        result[key] = (None if value is None else round(value, 1), round(100 * covered / population, 1))
    return result


def _summary(
    territory: Territory | None,
    rows: list[CommuneRow],
    values: dict[int, dict[str, float | None]],
    method: str,
    scores: dict[tuple[int, str], ScoreRow],
    near_km: float,
) -> Summary:
    population = sum(r.population or 0 for r in rows)
    areas = [r.area_km2 for r in rows if r.area_km2 is not None]
    area = round(sum(areas), 1) if len(areas) == len(rows) and rows else None
    own = scores.get((territory.pk, method)) if territory is not None else None
    if own is not None:
        ifn_scores, ifn = dict(own.scores), own.total
    else:  # recompute from the rows (e.g. an EPCI straddling départements only partly loaded)
        ifn_scores = fr.weighted_scores([(r.ifn_scores, r.population) for r in rows], fr.IFN_KEYS)
        ifn = fr.mean_if_enough(ifn_scores, 3)[0]
    compas_rows = [(r.compas, r.population) for r in rows if r.compas is not None and r.population]
    compas_pop = sum(p for _c, p in compas_rows)
    places = dict.fromkeys(KINDS, 0)
    for r in rows:
        for kind in KINDS:
            places[kind] += r.places.get(kind, 0)
    measured = [r for r in rows if r.distances.get("mediation") is not None or r.places.get("mediation")]
    near_population = 0
    for r in measured:
        nearest = r.distances.get("mediation")
        if nearest is not None and nearest <= near_km:
            near_population += r.population or 0
    far = [r for r in rows if r.fragile_far]
    return Summary(
        population=population,
        communes=len(rows),
        area_km2=area,
        density=round(population / area, 1) if area else None,
        ifn=None if ifn is None else round(ifn, 2),
        ifn_class=fr.ifn_class(ifn),
        ifn_scores={
            k: (None if v is None else round(v, 2)) for k, v in ifn_scores.items() if k in fr.IFN_KEYS
        },
        compas=round(sum(c * p for c, p in compas_rows) / compas_pop, 1) if compas_pop else None,
        places=places,
        places_per_10k={kind: _per_10k(count, population) for kind, count in places.items()},
        near_share=round(100 * near_population / population, 1) if population and measured else None,
        fragile_far=len(far),
        fragile_far_population=sum(r.population or 0 for r in far),
        rates=_rates(rows, values),
    )


def build_report(
    territory: Territory, *, method: str | None = None, with_outlines: bool = False, children: bool = True
) -> Report:
    method = method if method in (FragilityMethod.IFN, FragilityMethod.MEDNUM) else default_method(territory)
    fragile_min = float(fr.setting("OBSERVATORY_FRAGILE_IFN_MIN", 6.5))
    far_km = float(fr.setting("OBSERVATORY_FAR_KM", 10))
    near_km = float(fr.setting("OBSERVATORY_NEAR_KM", 10))
    communes = list(
        Territory.objects.communes_of([territory])
        .order_by("search_name", "code")
        .values_list("pk", "code", "name", "epci_id", "population")
    )
    # Explicit ids (a few hundred): PostgreSQL then uses the (commune, …) indexes instead of hashing a join
    # over every row of France.
    ids = [c[0] for c in communes]
    inside = Q(commune_id__in=ids)
    shape_fields = ["commune_id", "area_km2"] + (["outline"] if with_outlines else [])
    shapes = {s["commune_id"]: s for s in CommuneShape.objects.filter(inside).values(*shape_fields)}
    parents = [territory.pk] + (
        []
        if territory.kind != TerritoryKind.DEPARTMENT
        else list(Territory.objects.epcis().filter(department=territory).values_list("pk", flat=True))
    )
    scores: dict[tuple[int, str], ScoreRow] = {}
    scores_at: datetime | None = None
    for pk, m, scores_, total, vintage, at in FragilityScore.objects.filter(
        territory_id__in=ids + parents
    ).values_list("territory_id", "method", "scores", "total", "vintage", "computed_at"):
        scores[(pk, m)] = ScoreRow(scores_, total, vintage)
        scores_at = max(scores_at, at) if scores_at else at
    access = {
        row[0]: row
        for row in CommuneAccess.objects.filter(inside).values_list(
            "commune_id",
            "distance_mediation",
            "distance_france_services",
            "distance_aidants_connect",
            "distance_digital_advisers",
            "places",
            "computed_at",
        )
    }
    raw: dict[int, dict[str, float | None]] = defaultdict(dict)
    for commune_id, key, value in CommuneIndicator.objects.filter(inside).values_list(
        "commune_id", "key", "value"
    ):
        raw[commune_id][key] = value
    values = {pk: _derived(v) for pk, v in raw.items()}
    rows: list[CommuneRow] = []
    computed_at = None
    for pk, code, name, epci_id, population in communes:
        shape = shapes.get(pk)
        area = shape["area_km2"] if shape else None
        score = scores.get((pk, method))
        compas = scores.get((pk, FragilityMethod.COMPAS))
        a = access.get(pk)
        distances: dict[str, float | None] = dict.fromkeys(KINDS)
        places: dict[str, int] = dict.fromkeys(KINDS, 0)
        if a is not None:
            distances = dict(zip(KINDS, a[1:5], strict=True))
            places = {kind: int(a[5].get(kind, 0)) for kind in KINDS}
            computed_at = max(computed_at, a[6]) if computed_at else a[6]
        ifn = score.total if score else None
        nearest = distances["mediation"]
        rows.append(
            CommuneRow(
                pk=pk,
                code=code,
                name=name,
                epci_id=epci_id,
                population=population,
                area_km2=area,
                density=round(population / area, 1) if area and population is not None else None,
                ifn=None if ifn is None else round(ifn, 2),
                ifn_class=fr.ifn_class(ifn),
                ifn_scores=dict(score.scores) if score else dict.fromkeys(fr.IFN_KEYS),
                compas=compas.total if compas else None,
                distances=distances,
                places=places,
                fragile_far=bool(
                    ifn is not None
                    and ifn >= fragile_min
                    and a is not None
                    and places["mediation"] == 0
                    and (nearest is None or nearest > far_km)
                ),
                outline=shape.get("outline") if shape and with_outlines else None,
            )
        )
    summary = _summary(territory, rows, values, method, scores, near_km)
    child_summaries: list[tuple[Territory, Summary]] = []
    if children and territory.kind == TerritoryKind.DEPARTMENT:
        by_epci: dict[int, list[CommuneRow]] = defaultdict(list)
        for row in rows:
            if row.epci_id:
                by_epci[row.epci_id].append(row)
        for epci in Territory.objects.filter(pk__in=list(by_epci)).order_by("name"):
            child_summaries.append((epci, _summary(epci, by_epci[epci.pk], values, method, scores, near_km)))
    sources = [
        (IndicatorSource(source).label, vintage, imported_at)
        for source, vintage, imported_at in IndicatorImport.objects.order_by("source", "-imported_at")
        .distinct()
        .values_list("source", "vintage", "imported_at")
    ]
    latest: dict[str, tuple[str, str, datetime]] = {}
    for label, vintage, imported_at in sources:
        latest.setdefault(str(label), (str(label), vintage, imported_at))
    mednum = next((s.vintage for (pk, m), s in scores.items() if m == FragilityMethod.MEDNUM), "")
    return Report(
        territory=territory,
        method=method,
        method_label=str(FragilityMethod(method).label),
        rows=rows,
        summary=summary,
        children=child_summaries,
        sources=list(latest.values()),
        fragile_ifn_min=fragile_min,
        far_km=far_km,
        near_km=near_km,
        computed_at=computed_at,
        mednum_vintage=mednum,
        version=f"{method}:{len(rows)}:{len(shapes)}:{scores_at and scores_at.timestamp()}:"
        f"{computed_at and computed_at.timestamp()}",
    )


REPORT_CACHE_SECONDS = 600


def data_version() -> str:
    """What the reports are computed from, in one cheap statement (primary-key maxima and one
    timestamp): every fragility computation writes new score rows (new ids), every access computation
    stamps its rows, every indicator import (MedNum included) adds an import row. Outlines and the
    territories are reloaded by deploy-time commands: the cache's lifetime bounds how long a report
    can lag behind them."""
    from django.db import connection

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {quote(FragilityScore._meta.db_table)}), "  # noqa: S608 — model tables
            f"(SELECT MAX(computed_at) FROM {quote(CommuneAccess._meta.db_table)}), "
            f"(SELECT MAX(id) FROM {quote(IndicatorImport._meta.db_table)})"
        )
        stamp = "|".join(str(value) for value in cursor.fetchone())
    return hashlib.sha256(stamp.encode()).hexdigest()[:16]  # a cache-key-safe token


def cached_report(
    territory: Territory, *, method: str | None = None, with_outlines: bool = False, children: bool = True
) -> Report:
    """``build_report`` kept per (territory, asked method, data version): a page view then costs one
    version query and a cache read instead of reading every commune's scores, distances and indicators."""
    from django.core.cache import cache

    method = method if method in (FragilityMethod.IFN, FragilityMethod.MEDNUM) else None
    key = (
        f"observatory:report:{territory.pk}:{territory.population}:{method or '-'}:{int(with_outlines)}:"
        f"{int(children)}:{data_version()}"
    )
    report = cache.get(key)
    if report is None:
        report = build_report(territory, method=method, with_outlines=with_outlines, children=children)
        cache.set(key, report, REPORT_CACHE_SECONDS)
    return report  # type: ignore[no-any-return]


def cached_methods(territory: Territory) -> list[str]:
    """``available_methods`` kept per (territory, data version)."""
    from django.core.cache import cache

    key = f"observatory:methods:{territory.pk}:{data_version()}"
    methods = cache.get(key)
    if methods is None:
        methods = available_methods(territory)
        cache.set(key, methods, REPORT_CACHE_SECONDS)
    return methods  # type: ignore[no-any-return]


SORT_KEYS: dict[str, Any] = {
    "nom": lambda r: r.name.lower(),
    "population": lambda r: r.population,
    "densite": lambda r: r.density,
    "ifn": lambda r: r.ifn,
    "distance": lambda r: r.distances["mediation"],
    "france_services": lambda r: r.distances["france_services"],
    "lieux": lambda r: r.places["mediation"],
}


def sorted_rows(rows: list[CommuneRow], key: str, reverse: bool) -> list[CommuneRow]:
    """Rows sorted by ``key`` (ascending, or descending with ``reverse``); missing values always last."""
    function = SORT_KEYS.get(key, SORT_KEYS["nom"])
    present = [r for r in rows if function(r) is not None]
    missing = [r for r in rows if function(r) is None]
    present.sort(key=lambda r: (function(r), r.name.lower()), reverse=reverse)
    return present + sorted(missing, key=lambda r: r.name.lower())


# --- activity side (private pages and sheets): through the metrics registry -----------------------------


@dataclass
class Activity:
    mediators: float | None
    aidants_connect: float | None
    accompaniments: float | None
    accompaniments_previous: float | None
    people: float | None
    referrals: float | None
    unmet_needs: float | None
    diagnostics: float | None
    start: date
    end: date
    previous_start: date
    previous_end: date
    population: int

    def per_1000(self, value: float | None) -> float | None:
        return None if value is None or not self.population else round(1000 * value / self.population, 2)

    @property
    def trend(self) -> float | None:
        if not self.accompaniments_previous or self.accompaniments is None:
            return None
        return round(
            100 * (self.accompaniments - self.accompaniments_previous) / self.accompaniments_previous, 1
        )


def activity_figures(territory: Territory, population: int, today: date | None = None) -> Activity:
    """The last 12 whole months and the 12 before, read through ``maillage.core.metrics``."""
    from maillage.core.metrics import compute_metric

    today = today or timezone.localdate()
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(year=end.year - 1) + timedelta(days=1)
    previous_end = start - timedelta(days=1)
    previous_start = previous_end.replace(year=previous_end.year - 1) + timedelta(days=1)

    def metric(key: str, a: date = start, b: date = end) -> float | None:
        value = compute_metric(key, territory, a, b)
        return None if value is None else float(value)

    return Activity(  # stocks (people in post) are measured today, flows over the last 12 whole months
        mediators=metric("places.mediators", start, today),
        aidants_connect=metric("places.aidants_connect", start, today),
        accompaniments=metric("activities.accompaniments"),
        accompaniments_previous=metric("activities.accompaniments", previous_start, previous_end),
        people=metric("activities.people"),
        referrals=metric("pathways.referrals"),
        unmet_needs=metric("pathways.unmet_needs"),
        diagnostics=metric("pathways.diagnostics"),
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        population=population,
    )


def cached_activity_figures(territory: Territory, population: int) -> Activity:
    """``activity_figures`` kept 10 minutes per territory (whole past months: they change rarely)."""
    from django.core.cache import cache

    today = timezone.localdate()
    key = f"observatory:activity:{territory.pk}:{population}:{today.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = activity_figures(territory, population, today)
        cache.set(key, figures, 600)
    return figures  # type: ignore[no-any-return]


def roadmap_actions(user: Any, territory: Territory) -> list[Any]:
    """Actions of the roadmaps carried by ``territory`` itself, as the roadmaps app shows them to ``user``.

    The roadmaps app has no per-EPCI targeting of actions: a département roadmap's actions are not
    attributed to its EPCI, so an EPCI sheet lists the actions of the EPCI's own roadmaps only.
    """
    from maillage.roadmaps.selectors import actions_visible_to

    return list(
        actions_visible_to(user).filter(roadmap__territory=territory).order_by("roadmap__title", "number")
    )
