"""Benchmark of the public directory at the national target (25 000 places) on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_directory \\
        .venv/bin/python -m maillage.bench directory [--rows 25000] [--requests 300] [--keep]

Prints:
* p50/p95 server time of the public search ``/lieux/`` — every request combines a text (``q``), a
  filter (a service, a fee or « ouvert maintenant ») and the distance sort from a commune —, measured
  through Django's test client (URL routing, middleware, queries, template rendering; no network);
* the size of the search page: HTML + CSS + JS without map tiles (raw and gzip), and what Leaflet
  adds when someone opens the map;
* the time to render the annuaire PDF of an EPCI (the EPCI holding the most places, and a median one).

Places come from the places benchmark's generator (``maillage.bench.places.fill_places``: a standard
CSV imported through the real importer) when available, else from a bulk generator here.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import time
from typing import Any

BENCH_SOURCE = "Banc d'essai"
TEXTS = ["mediatheque", "france services", "espace", "centre social", "mairie", "association", "tiers"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=25_000, help="Nombre de lieux (25 000 par défaut)")
    parser.add_argument("--requests", type=int, default=300, help="Nombre de recherches mesurées")
    parser.add_argument("--keep", action="store_true", help="Garder les lieux en base après la mesure")
    parser.add_argument("--seed", type=int, default=46)


def _fill(rows: int, seed: int) -> int:
    from django.conf import settings

    try:
        from maillage.bench.places import fill_places
    except ImportError:
        return _bulk_fill(rows, seed)
    settings.IMPORT_MAX_ROWS = max(getattr(settings, "IMPORT_MAX_ROWS", 0), rows)
    settings.IMPORT_MAX_BYTES = max(getattr(settings, "IMPORT_MAX_BYTES", 0), rows * 2000)
    return fill_places(rows)


def _bulk_fill(rows: int, seed: int) -> int:
    """Fallback generator: ``rows`` places over the loaded communes, weighted by population."""
    from datetime import date

    from maillage.places.choices import Fee, NationalProgramme, Service, SupportMode
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    if Place.objects.filter(source=BENCH_SOURCE).count() == rows:
        return rows
    Place.objects.filter(source=BENCH_SOURCE).delete()
    rng = random.Random(seed)
    communes = list(Territory.objects.communes().exclude(latitude=None).exclude(postcodes=[]))
    weights = [max(c.population or 1, 1) ** 0.5 for c in communes]
    kinds = [
        "Médiathèque",
        "France Services",
        "Espace public numérique",
        "Centre social",
        "Mairie",
        "Tiers-lieu",
    ]
    hours = [
        "Mo-Fr 09:00-12:00,14:00-17:00",
        "Tu-Sa 10:00-12:30,14:00-18:00",
        "We 14:00-18:00; Sa 09:00-12:00",
        "",
    ]
    batch: list[Place] = []
    for i, commune in enumerate(rng.choices(communes, weights=weights, k=rows)):
        place = Place(
            source=BENCH_SOURCE,
            source_id=f"bench-{i:06d}",
            name=f"{kinds[i % len(kinds)]} de {commune.name}",
            address=f"{rng.randint(1, 120)} RUE DE LA RÉPUBLIQUE",
            postcode=commune.postcodes[0],
            insee_code=commune.code,
            commune_name=commune.name,
            commune=commune,
            latitude=(commune.latitude or 0) + rng.uniform(-0.01, 0.01),
            longitude=(commune.longitude or 0) + rng.uniform(-0.01, 0.01),
            opening_hours=rng.choice(hours),
            data_updated_on=date(2026, rng.randint(1, 10), rng.randint(1, 28)),
            services=rng.sample(list(Service.values), rng.randint(1, 4)),
            fees=[rng.choice(list(Fee.values))],
            support_modes=rng.sample(list(SupportMode.values), rng.randint(1, 2)),
            national_programmes=rng.sample(list(NationalProgramme.values), rng.randint(0, 2)),
        )
        place.sync_search_columns()
        batch.append(place)
    Place.objects.bulk_create(batch, batch_size=2000)
    return Place.objects.filter(source=BENCH_SOURCE).count()


def _scenarios(count: int, seed: int) -> list[dict[str, Any]]:
    """Realistic searches: a commune with places nearby, a text, one filter."""
    from django.db.models import Count

    from maillage.places.choices import Fee, Service
    from maillage.territories.models import Territory

    rng = random.Random(seed)
    communes = list(
        Territory.objects.communes()
        .annotate(n=Count("places"))
        .filter(n__gt=0)
        .exclude(latitude=None)
        .order_by("-n", "code")
        .values_list("name", "code", "postcodes")[:2000]
    )
    scenarios = []
    for i in range(count):
        name, code, postcodes = rng.choice(communes)
        params: dict[str, Any] = {
            "q": rng.choice(TEXTS),
            "commune": f"{name} ({code})" if i % 3 else (postcodes[0] if postcodes else name),
            "rayon": rng.choice(["10", "20", "30", "50"]),
        }
        kind = i % 3
        if kind == 0:
            params["service"] = rng.choice(list(Service.values))
        elif kind == 1:
            params["frais"] = rng.choice(list(Fee.values))
        else:
            params["ouvert"] = "on"
        scenarios.append(params)
    return scenarios


def _static_size(path: str) -> tuple[int, int]:
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    if not found:
        return 0, 0
    with open(found, "rb") as handle:
        data = handle.read()
    return len(data), len(gzip.compress(data))


def _page_weight(client: Any, params: dict[str, Any]) -> None:
    response = client.get("/lieux/", params)
    html = response.content
    parts = {
        "HTML": (len(html), len(gzip.compress(html))),
        "css/maillage.css": _static_size("css/maillage.css"),
        "css/places.css": _static_size("css/places.css"),
        "vendor/htmx/htmx.min.js": _static_size("vendor/htmx/htmx.min.js"),
        "js/places-map.js": _static_size("js/places-map.js"),
    }
    raw = sum(size for size, _ in parts.values())
    packed = sum(size for _, size in parts.values())
    detail = ", ".join(f"{name} {size / 1024:.1f}" for name, (size, _) in parts.items())
    print(
        f"Page de recherche (20 résultats), HTML+CSS+JS sans tuiles : {raw / 1024:.1f} Ko ({packed / 1024:.1f} Ko gzip)"
    )
    print(f"  détail (Ko) : {detail}")
    leaflet = [_static_size("vendor/leaflet/leaflet.js"), _static_size("vendor/leaflet/leaflet.css")]
    extra = sum(size for size, _ in leaflet)
    extra_gz = sum(size for _, size in leaflet)
    print(
        f"  + Leaflet chargé seulement à l'ouverture de la carte : {extra / 1024:.1f} Ko ({extra_gz / 1024:.1f} Ko gzip)"
        f" → {(raw + extra) / 1024:.1f} Ko avec la carte",
        flush=True,
    )


def _annuaire_times() -> None:
    from django.db.models import Count

    from maillage.places.pdf import render_annuaire
    from maillage.places.selectors import public_places
    from maillage.territories.models import Territory, TerritoryKind

    epci_counts: list[Any] = list(
        public_places()
        .filter(commune__epci__isnull=False)
        .values("commune__epci")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    if not epci_counts:
        print("Annuaire EPCI : aucun EPCI avec des lieux (territoires non chargés ?)")
        return
    biggest = epci_counts[0]
    median = epci_counts[len(epci_counts) // 2]
    render_annuaire(Territory.objects.get(pk=median["commune__epci"]))  # warm-up (fonts, templates)
    for label, row, repeat in (("médian", median, 3), ("le plus fourni", biggest, 1)):
        epci = Territory.objects.get(pk=row["commune__epci"], kind=TerritoryKind.EPCI)
        samples = []
        size = 0
        for _ in range(repeat):
            start = time.perf_counter()
            size = len(render_annuaire(epci))
            samples.append(time.perf_counter() - start)
        print(
            f"Annuaire PDF de l'EPCI {label} ({epci.name}, {row['n']} lieux) : "
            f"{statistics.median(samples):.2f} s (médiane de {repeat}), {size / 1024:.0f} Ko",
            flush=True,
        )


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from maillage.bench.common import ensure_database, percentile, report, timer
    from maillage.places.forms import SearchForm
    from maillage.places.models import Place
    from maillage.places.selectors import place_search

    ensure_database()
    with timer(f"Préparation de {args.rows} lieux"):
        total = _fill(args.rows, args.seed)
    print(
        f"Lieux publiés en base : {Place.objects.published().count()} (dont banc d'essai : {total})",
        flush=True,
    )

    client = Client()
    scenarios = _scenarios(args.requests, args.seed)
    for params in scenarios[:10]:  # warm-up: connections, caches, templates
        client.get("/lieux/", params)
    samples: list[float] = []
    queries: list[int] = []
    results: list[int] = []
    for params in scenarios:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get("/lieux/", params)
            samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"Recherche en erreur {response.status_code} : {params}")
        queries.append(len(captured.captured_queries))
    for params in scenarios:
        form = SearchForm(params)
        form.is_valid()
        results.append(place_search(form.filters()).count())
    report("Recherche publique /lieux/ (texte + filtre + tri par distance)", samples)
    print(
        f"  requêtes SQL par recherche : {max(queries)} au plus ; résultats : médiane {statistics.median(results):.0f}, "
        f"p95 {percentile([float(r) for r in results], 95):.0f}",
        flush=True,
    )
    open_now = [s for s, p in zip(samples, scenarios, strict=True) if "ouvert" in p]
    report("  dont « ouvert maintenant »", open_now)

    broad: list[float] = []
    for params in (
        {},
        {"ouvert": "on"},
        {"q": "mediatheque"},
        {"service": "Aide aux démarches administratives"},
    ):
        start = time.perf_counter()
        client.get("/lieux/", params)
        broad.append((time.perf_counter() - start) * 1000)
    print(
        "Recherches sans commune sur toute la base (vide, ouvert maintenant, texte, service) : "
        + ", ".join(f"{ms:.0f} ms" for ms in broad),
        flush=True,
    )
    _page_weight(client, scenarios[0])
    _annuaire_times()
    if not args.keep:
        Place.objects.filter(source=BENCH_SOURCE).delete()
