"""``python -m maillage.bench observatory``: the observatory at the scale of France.

Measured, with the load average beside every figure:

1. every indicator, the IFN (and the Compas-like score) and the nearest-place distances of every
   commune of France (34 969) against 25 000 places; baseline: the naive all-pairs loop (every commune
   × every place of each kind), run on a sample of communes and extrapolated (said so in the output);
2. the observatory page of a département: p50/p95, first view (map cache empty) and repeated view;
3. one EPCI sheet in PDF (PDF/UA-1);
4. the weight of the SVG choropleth of the Lot and of the département with the most communes.

Data: the vendored territories and outlines, 25 000 synthetic places (weighted by population, kinds in
realistic proportions) and synthetic raw indicators for every commune (source ``bench``), removed and
recreated on each run unless ``--reuse``. Needs PostgreSQL (BENCH_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date

from maillage.bench.common import ensure_database, percentile, report, time_calls

BENCH_SOURCE = "bench-observatory"
PLACES = 25_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--places", type=int, default=PLACES)
    parser.add_argument("--sample", type=int, default=60, help="communes du calcul naïf (extrapolé)")
    parser.add_argument("--repeat", type=int, default=30, help="requêtes de page mesurées")
    parser.add_argument(
        "--reuse", action="store_true", help="garder les lieux et indicateurs d'un run précédent"
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"[charge {one:.2f} / {five:.2f} / {fifteen:.2f} sur {os.cpu_count()} CPU]"


def _territories() -> None:
    from maillage.observatory.models import CommuneShape
    from maillage.observatory.services import load_outlines
    from maillage.territories.models import Territory
    from maillage.territories.services import load_territories

    if Territory.objects.communes().count() < 34_000:
        start = time.perf_counter()
        load_territories()
        print(f"Territoires chargés en {time.perf_counter() - start:.1f} s {load()}", flush=True)
    if CommuneShape.objects.count() < 34_000:
        start = time.perf_counter()
        load_outlines()
        print(f"Contours chargés en {time.perf_counter() - start:.1f} s {load()}", flush=True)


def _fill(places: int) -> None:
    from django.db import connection

    from maillage.observatory.models import CommuneIndicator, IndicatorSource
    from maillage.places.choices import NationalProgramme
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    Place.objects.filter(source=BENCH_SOURCE).delete()
    CommuneIndicator.objects.filter(vintage=BENCH_SOURCE).delete()
    rng = random.Random(2026)
    communes = [
        row
        for row in Territory.objects.communes().values_list(
            "pk", "code", "name", "latitude", "longitude", "population"
        )
        if row[3] is not None and row[4] is not None
    ]
    weights = [max(c[5] or 50, 50) ** 0.75 for c in communes]
    chosen = rng.choices(communes, weights=weights, k=places)
    rows = []
    for index, (pk, code, name, lat, lon, _pop) in enumerate(chosen):
        programmes = []
        if rng.random() < 0.12:
            programmes.append(NationalProgramme.FRANCE_SERVICES.value)
        if rng.random() < 0.2:
            programmes.append(NationalProgramme.AIDANTS_CONNECT.value)
        if rng.random() < 0.35:
            programmes.append(NationalProgramme.DIGITAL_ADVISERS.value)
        rows.append(
            Place(
                source=BENCH_SOURCE,
                source_id=f"bench-{index}",
                name=f"Lieu de banc d'essai {index}",
                address="1 place de la Mairie",
                postcode="00000",
                insee_code=code,
                commune_name=name,
                commune_id=pk,
                latitude=float(lat or 0) + rng.uniform(-0.02, 0.02),
                longitude=float(lon or 0) + rng.uniform(-0.02, 0.02),
                data_updated_on=date(2026, 1, 1),
                national_programmes=programmes,
                national_programmes_search="|" + "|".join(programmes) + "|" if programmes else "",
                is_published=True,
            )
        )
    Place.objects.bulk_create(rows, batch_size=2000)
    indicators = []
    for pk, _code, _name, _lat, _lon, pop in communes:
        population = float(pop or 100)
        share65 = min(0.6, max(0.05, rng.gauss(0.27, 0.07)))
        low = min(0.7, max(0.05, rng.gauss(0.3, 0.08)))
        nscol = population * 0.8
        premises = max(population * 0.6, 10)
        values = {
            "population_rp": population,
            "pop65p": population * share65,
            "nscol15p": nscol,
            "nscol15p_diplmin": nscol * low * 0.7,
            "nscol15p_bepc": nscol * low * 0.3,
            "premises": premises,
            "premises_thd30": premises * min(1.0, max(0.0, rng.gauss(0.9, 0.12))),
            "mobile_4g_share": min(100.0, max(40.0, rng.gauss(96, 6))),
            "poverty_rate": None if population < 1000 else max(3.0, rng.gauss(14.5, 4.5)),  # FiLoSoFi secrecy
            "pop1564": population * 0.6,
            "actocc1564": population * 0.6 * rng.uniform(0.55, 0.8),
            "households": population / 2.1,
            "rsa_households": population / 2.1 * rng.uniform(0.01, 0.09),
            "aah_households": population / 2.1 * rng.uniform(0.01, 0.05),
            "pop_imm": population * rng.uniform(0.01, 0.15),
        }
        indicators += [
            CommuneIndicator(
                commune_id=pk,
                key=key,
                value=value,
                is_secret=value is None,
                source=IndicatorSource.INSEE,
                vintage=BENCH_SOURCE,
            )
            for key, value in values.items()
        ]
    CommuneIndicator.objects.filter(commune_id__in=[c[0] for c in communes]).delete()
    CommuneIndicator.objects.bulk_create(indicators, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"Données : {len(rows)} lieux, {len(indicators)} valeurs d'indicateurs, ANALYZE fait {load()}",
        flush=True,
    )


def run(args: argparse.Namespace) -> None:
    ensure_database()
    from django.core.cache import cache
    from django.test import Client

    from maillage.observatory import access, geo, services, sheets
    from maillage.observatory.models import ObservatorySettings
    from maillage.observatory.selectors import build_report
    from maillage.observatory.svg import report_map
    from maillage.places.models import Place
    from maillage.territories.models import Territory, TerritoryKind

    print(f"Début {load()}", flush=True)
    _territories()
    if not args.reuse or not Place.objects.filter(source=BENCH_SOURCE).exists():
        _fill(args.places)
    communes_count = Territory.objects.communes().count()
    places_count = Place.objects.filter(is_published=True, merged_into__isnull=True).count()

    # 1. Every indicator, IFN and Compas, then distances (grid index), all of France.
    start = time.perf_counter()
    cpu_start = time.process_time()
    counts = services.compute_fragility()
    fragility_s = time.perf_counter() - start
    print(f"  (temps CPU du processus : {time.process_time() - cpu_start:.1f} s)", flush=True)
    print(
        f"IFN + score inspiré de Compas, {counts['communes']} communes : {fragility_s:.1f} s {load()}",
        flush=True,
    )
    start = time.perf_counter()
    cpu_start = time.process_time()
    total = access.compute_access()
    access_s = time.perf_counter() - start
    print(f"  (temps CPU du processus : {time.process_time() - cpu_start:.1f} s)", flush=True)
    print(
        f"Distances au lieu le plus proche (4 types, arbre k-d), {total} communes × {places_count} lieux : "
        f"{access_s:.1f} s {load()}",
        flush=True,
    )
    print(f"TOTAL indicateurs + IFN + distances : {fragility_s + access_s:.1f} s (objectif ≤ 30 s) {load()}")

    # Baseline: the naive all-pairs loop on a sample of communes, extrapolated.
    points = access.supply_points()
    by_kind: dict[str, list[tuple[float, float]]] = {k: [] for k in access.KINDS}
    for place in points:
        for kind in place.kinds:
            by_kind[kind].extend(place.points)
    indexes = access.build_indexes(points)
    rng = random.Random(5)
    located: list[tuple[float, float]] = [
        (lat, lon)
        for lat, lon in Territory.objects.communes().values_list("latitude", "longitude")
        if lat is not None and lon is not None
    ]
    sample = rng.sample(located, min(args.sample, len(located)))
    start = time.perf_counter()
    naive = [[geo.nearest_naive_km(lat, lon, by_kind[k]) for k in access.KINDS] for lat, lon in sample]
    naive_s = time.perf_counter() - start
    start = time.perf_counter()
    by_kind_tree = {k: indexes[k].nearest_km_many(sample, 20_000) for k in access.KINDS}
    grid = [[by_kind_tree[k][i] for k in access.KINDS] for i in range(len(sample))]
    grid_s = time.perf_counter() - start
    mismatches = sum(
        1
        for a_row, b_row in zip(naive, grid, strict=True)
        for a, b in zip(a_row, b_row, strict=True)
        if (a is None) != (b is None) or (a is not None and b is not None and abs(a - b) > 1e-6)
    )
    factor = len(located) / len(sample)
    print(
        f"BASE naïve (toutes les paires) mesurée sur {len(sample)} communes : {naive_s:.2f} s, "
        f"EXTRAPOLÉE à {len(located)} communes : {naive_s * factor:.0f} s "
        f"(arbre k-d sur le même échantillon : {grid_s:.3f} s ; écarts > 1e-6 km : {mismatches}) {load()}",
        flush=True,
    )

    # 2. Observatory page of a département (public version: no login needed; private adds metrics).
    lot = Territory.objects.get(kind=TerritoryKind.DEPARTMENT, code="46")
    ObservatorySettings.objects.update_or_create(territory=lot, defaults={"is_public": True})
    client = Client()
    url = "/observatoire/public/46/"
    assert client.get(url).status_code == 200

    def cold() -> None:
        cache.clear()
        client.get(url)

    report(
        "Page observatoire du Lot, première vue (carte recalculée)" + " " + load(),
        time_calls(cold, repeat=args.repeat),
    )
    cpu_start = time.process_time()
    warm = time_calls(lambda: client.get(url), repeat=args.repeat, warmup=0)
    print(
        f"  temps CPU du processus par vue suivante : "
        f"{(time.process_time() - cpu_start) * 1000 / args.repeat:.0f} ms {load()}",
        flush=True,
    )
    report("Page observatoire du Lot, vues suivantes (objectif p95 ≤ 150 ms) " + load(), warm)
    baseline = time_calls(lambda: build_report(lot, children=False), repeat=args.repeat)
    report("  dont lecture des données (build_report, sans rendu) " + load(), baseline)

    # 3. One EPCI sheet (PDF/UA-1).
    epci = Territory.objects.get(kind=TerritoryKind.EPCI, code="200023737")
    durations = []
    size = 0
    cpu_start = time.process_time()
    for _ in range(5):
        start = time.perf_counter()
        size = len(sheets.sheet_pdf(epci, user=None))
        durations.append(time.perf_counter() - start)
    print(f"  temps CPU du processus par fiche : {(time.process_time() - cpu_start) / 5:.2f} s", flush=True)
    print(
        f"Fiche EPCI PDF (CA du Grand Cahors, {size // 1024} Kio) : p50 {percentile(durations, 50):.2f} s, "
        f"max {max(durations):.2f} s (objectif ≤ 2 s) {load()}",
        flush=True,
    )

    # 4. Choropleth weights.
    largest = max(
        Territory.objects.departments(),
        key=lambda d: Territory.objects.communes().filter(department=d).count(),
    )
    for department in (lot, largest):
        svg = report_map(build_report(department, with_outlines=True, children=False), "ifn")
        print(
            f"Carte SVG {department} : {len(svg.encode()) / 1024:.0f} Kio "
            f"({Territory.objects.communes().filter(department=department).count()} communes ; objectif ≤ 150 Kio)",
            flush=True,
        )
    print(f"Fin : {communes_count} communes, {places_count} lieux publiés {load()}")
