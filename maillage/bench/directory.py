"""Benchmark of the public directory on PostgreSQL, at several sizes in one run (growth is the point).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/maillage_bench_perf \\
        .venv/bin/python -m maillage.bench directory [--rows 25000,100000] [--requests 300] [--keep]

For each size, places come from the places benchmark's realistic generator imported through the real
importer (``maillage.bench.places.fill_places``: kinds, services, programmes and hours drawn from skewed
distributions, thousands of distinct opening hours, places clustered where people live), then
``VACUUM ANALYZE``. Every figure is printed with the load average and the database size, beside its
honest baseline measured in the same run:

* **search** — the public page ``/lieux/`` (commune + radius, a text, a filter or « ouvert maintenant »),
  server time through Django's test client (routing, middleware, queries, template; no network). Its
  baseline is the same queries (count + page) with index scans disabled: a sequential scan of the table;
* **full-text search** — people's words (« impots », « CAF », « France Services »…) over the whole
  directory, no commune, against the same sequential-scan baseline;
* **what a 50 km search reads**: ``EXPLAIN (ANALYZE, BUFFERS)`` of the search around the most populated
  commune: rows read by the index against rows kept, and buffers;
* **page weight as sent on the wire**: the HTML as the app sends it (compressed only if the app
  compresses it) and static files as WhiteNoise sends them in production (precompressed gzip/Brotli);
* the annuaire PDF of an EPCI (median and largest).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BENCH_SOURCE = "Banc d'essai"
# What people type (accents, plurals, abbreviations as they come), and names.
TEXTS = [
    "impots",
    "impôts",
    "CAF",
    "France Services",
    "Aidants Connect",
    "mediatheque",
    "centre social",
    "mairie",
    "démarches en ligne",
    "carte grise",
    "smartphone",
    "retraite",
]


#: « Ouvert maintenant » is measured at a fixed weekday morning (the Tuesday of the current week, 10:00
#: Europe/Paris), not at the wall-clock time: run at 21:00, almost every place is closed and the
#: filter measures an empty answer.
BENCH_WEEKDAY = 1  # Tuesday
BENCH_TIME = (10, 0)


def bench_moment(today: Any = None) -> Any:
    """10:00 Europe/Paris on the Tuesday of the current week (a weekday morning, when places are open)."""
    from datetime import datetime, timedelta

    from maillage.places.opening_hours import PARIS

    day = today or datetime.now(tz=PARIS).date()
    tuesday = day - timedelta(days=day.weekday()) + timedelta(days=BENCH_WEEKDAY)
    return datetime(tuesday.year, tuesday.month, tuesday.day, *BENCH_TIME, tzinfo=PARIS)


@contextmanager
def fixed_clock(moment: Any) -> Iterator[None]:
    """``django.utils.timezone.now()`` answers ``moment`` within the block (this process only: the
    searches through the test client and the SQL samples; the gunicorn part runs at the real time)."""
    from unittest import mock

    from django.utils import timezone

    with mock.patch.object(timezone, "now", return_value=moment):
        yield


#: What the bench measures (``--parts``); « served » is public search and place pages through gunicorn.
PARTS = ("search", "text", "explain", "api", "served", "weight", "annuaire")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rows",
        default="25000,100000",
        help="Nombre(s) de lieux, séparés par des virgules (25000,100000 par défaut : la croissance compte)",
    )
    parser.add_argument("--requests", type=int, default=300, help="Nombre de recherches mesurées par taille")
    parser.add_argument("--keep", action="store_true", help="Garder les lieux en base après la mesure")
    parser.add_argument("--seed", type=int, default=46)
    parser.add_argument("--api-clients", type=int, default=10, help="Clients simultanés de l'API (10)")
    parser.add_argument("--api-workers", type=int, default=4, help="Workers gunicorn pour l'API (4)")
    parser.add_argument("--api-seconds", type=float, default=10, help="Durée de la mesure de l'API (10 s)")
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"Parties mesurées, séparées par des virgules (toutes par défaut : {','.join(PARTS)})",
    )


def _fill(rows: int) -> int:
    from django.conf import settings

    from maillage.bench.places import fill_places

    settings.IMPORT_MAX_ROWS = max(getattr(settings, "IMPORT_MAX_ROWS", 0), rows)
    settings.IMPORT_MAX_BYTES = max(getattr(settings, "IMPORT_MAX_BYTES", 0), rows * 2000)
    return fill_places(rows)


def _scenarios(count: int, seed: int) -> list[dict[str, Any]]:
    """Searches as people make them: from where they live (communes weighted by population), a text
    one time in two, a filter or « ouvert maintenant »."""
    from maillage.places.choices import Fee, Service
    from maillage.territories.models import Territory

    rng = random.Random(seed)
    communes = list(
        Territory.objects.communes()
        .exclude(latitude=None)
        .exclude(population=None)
        .values_list("name", "code", "postcodes", "population")
    )
    weights = [max(c[3] or 1, 1) for c in communes]
    scenarios = []
    for i, (name, code, postcodes, _population) in enumerate(rng.choices(communes, weights=weights, k=count)):
        params: dict[str, Any] = {
            "commune": f"{name} ({code})" if i % 3 else (postcodes[0] if postcodes else name),
            "rayon": rng.choice(["10", "20", "30", "30", "50"]),
        }
        if i % 2:
            params["q"] = rng.choice(TEXTS)
        kind = i % 3
        if kind == 0:
            params["service"] = rng.choice(list(Service.values))
        elif kind == 1:
            params["frais"] = rng.choice(list(Fee.values))
        else:
            params["ouvert"] = "on"
        scenarios.append(params)
    return scenarios


def _text_scenarios(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed + 1)
    return [{"q": rng.choice(TEXTS), **({"ouvert": "on"} if i % 4 == 0 else {})} for i in range(count)]


def _filters(params: dict[str, Any]) -> Any:
    from django.http import QueryDict

    from maillage.places.forms import SearchForm
    from maillage.places.selectors import DEFAULT_RADIUS_KM

    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    data.setdefault("rayon", str(DEFAULT_RADIUS_KM))
    form = SearchForm(data)
    form.is_valid()
    return form.filters()


def _queryset(params: dict[str, Any]) -> Any:
    from maillage.places.selectors import place_search

    return place_search(_filters(params))


def _page_sql(params: dict[str, Any]) -> Any:
    """The page's own queries, as the view runs them: the capped count, then the first page (ids by
    name, or nearest first from the spatial index) and its places read by key."""
    from maillage.places import selectors

    filters = _filters(params)
    queryset = selectors.place_search(filters)

    def run() -> None:
        first = selectors.first_results(queryset, filters)
        paginator = selectors.CappedPaginator(queryset if first is None else first, selectors.PAGE_SIZE)  # type: ignore[arg-type]
        page = paginator.get_page(1)
        ids = list(page.object_list)
        if first is not None:
            selectors.page_places(first, ids, ("pk", "name"))

    return run


def _sql_samples(pages: list[Any], *, sequential: bool) -> list[float]:
    """The search's own queries (:func:`_page_sql`) per scenario, in ms; ``sequential`` disables index
    and bitmap scans for the transaction: the honest « read the whole table » baseline."""
    from django.db import connection, transaction

    samples = []
    for run in pages:
        with transaction.atomic():
            if sequential:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; "
                        "SET LOCAL enable_indexonlyscan = off"
                    )
            start = time.perf_counter()
            run()
            samples.append((time.perf_counter() - start) * 1000)
    return samples


#: CPU time of this process (Python: routing, forms, queries' client side, template) per request of the
#: last :func:`_requests`, in ms — the honest figure on a shared machine, where wall time waits for CPU.
LAST_CPU: list[float] = []


def _requests(client: Any, scenarios: list[dict[str, Any]]) -> tuple[list[float], list[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for params in scenarios[:10]:  # warm-up: connections, caches, templates
        client.get("/lieux/", params)
    samples: list[float] = []
    queries: list[int] = []
    LAST_CPU.clear()
    for params in scenarios:
        with CaptureQueriesContext(connection) as captured:
            start, cpu = time.perf_counter(), time.process_time()
            response = client.get("/lieux/", params)
            samples.append((time.perf_counter() - start) * 1000)
            LAST_CPU.append((time.process_time() - cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"Recherche en erreur {response.status_code} : {params}")
        queries.append(len(captured.captured_queries))
    return samples, queries


def _cpu_line(label: str, cpu: list[float]) -> None:
    from maillage.bench.common import percentile

    print(
        f"  {label} — CPU Python par requête : p50 {percentile(cpu, 50):.1f} ms, p95 {percentile(cpu, 95):.1f} ms",
        flush=True,
    )


def _line(label: str, samples: list[float], baseline: list[float] | None = None) -> float:
    from maillage.bench.common import context_line, percentile, ratio

    p95 = percentile(samples, 95)
    text = f"{label} : p50 {percentile(samples, 50):.1f} ms, p95 {p95:.1f} ms (n={len(samples)})"
    if baseline:
        base = percentile(baseline, 95)
        text += f" — référence balayage séquentiel p95 {base:.1f} ms, rapport {ratio(p95, base)}"
    print(f"{text} {context_line()}", flush=True)
    return p95


def _explain_50km() -> None:
    """What a 50 km search around the most populated commune reads, against what it keeps."""
    from django.db import connection

    from maillage.territories.models import Territory

    commune = Territory.objects.communes().exclude(latitude=None).order_by("-population").first()
    if commune is None:
        return
    from django.db import transaction

    from maillage.places.selectors import COUNT_CAP, NearestFirst, capped_count

    queryset = _queryset({"commune": f"{commune.name} ({commune.code})", "rayon": "50"})
    kept = capped_count(queryset)
    # The count and the first page as the view reads them: the first COUNT_CAP + 1 matches nearest
    # first from the GiST index, in one query.
    first = NearestFirst(queryset, (float(commune.latitude or 0.0), float(commune.longitude or 0.0)))
    sql, params = first.ordered()[: COUNT_CAP + 1].query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    root = plan[0]["Plan"]
    scanned = {"rows": 0, "removed": 0}
    nodes: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Scan" in node["Node Type"]:
            scanned["rows"] += node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
            scanned["removed"] += node.get("Rows Removed by Filter", 0) + node.get(
                "Rows Removed by Index Recheck", 0
            )
            nodes.append(f"{node['Node Type']} {node.get('Index Name', node.get('Relation Name', ''))}")
        for child in node.get("Plans", []):
            walk(child)

    walk(root)
    blocks = root.get("Shared Hit Blocks", 0) + root.get("Shared Read Blocks", 0)
    print(
        f"Recherche à 50 km de {commune.name} ({kept if kept <= 200 else 'plus de 200'} lieux), première "
        f"page lue au plus près : {root['Actual Rows']} lieux gardés, "
        f"{scanned['rows']} lignes lues par les parcours ({scanned['removed']} écartées), {blocks} blocs "
        f"({' + '.join(nodes)})",
        flush=True,
    )


def _page_weight(client: Any, params: dict[str, Any]) -> None:
    from maillage.bench.common import static_wire_size

    response = client.get("/lieux/", params, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    html = response.content
    encoding = response.get("Content-Encoding", "")
    parts: dict[str, tuple[int, int, str]] = {
        "HTML": (len(html), len(html), encoding or "non compressé par l'application"),
    }
    for path in ("css/maillage.css", "css/places.css", "vendor/htmx/htmx.min.js", "js/places-map.js"):
        parts[path] = static_wire_size(path)
    raw = sum(size for size, _, _ in parts.values())
    wire = sum(size for _, size, _ in parts.values())
    detail = ", ".join(
        f"{name} {size / 1024:.1f} ({enc or 'brut'})" for name, (_r, size, enc) in parts.items()
    )
    print(
        f"Page de recherche (20 résultats), HTML+CSS+JS sans tuiles, tel qu'envoyé : {wire / 1024:.1f} Ko "
        f"({raw / 1024:.1f} Ko décompressé)\n  détail sur le fil (Ko) : {detail}",
        flush=True,
    )
    leaflet = [static_wire_size("vendor/leaflet/leaflet.js"), static_wire_size("vendor/leaflet/leaflet.css")]
    extra = sum(size for _, size, _ in leaflet)
    print(
        f"  + Leaflet chargé seulement à l'ouverture de la carte : {extra / 1024:.1f} Ko sur le fil "
        f"→ {(wire + extra) / 1024:.1f} Ko avec la carte",
        flush=True,
    )


def _annuaire_times() -> None:
    from django.db.models import Count

    from maillage.bench.common import context_line
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
            f"{statistics.median(samples):.2f} s (médiane de {repeat}), {size / 1024:.0f} Ko {context_line()}",
            flush=True,
        )


def _served(
    label: str, urls: list[str], args: argparse.Namespace, *, baseline: tuple[str, float] | None = None
) -> float:
    """``urls`` (paths, drawn at random) under ``--api-clients`` concurrent clients against gunicorn with
    ``--api-workers`` workers and the production configuration: requests per second, latencies, and the
    CPU each request cost the server and PostgreSQL (the honest figure on a loaded machine: the
    capacity of an idle one is about « CPU count × 1 000 / CPU ms per request »)."""
    import os
    import urllib.request

    from maillage.bench.common import context_line, cpu_meter, hammer, percentile, production_server, ratio

    with production_server(args.api_workers) as (base, pid):

        def fetch(rng: random.Random) -> None:
            with urllib.request.urlopen(base + rng.choice(urls), timeout=60) as response:  # noqa: S310 — local
                response.read()

        hammer(fetch, clients=args.api_clients, seconds=2)  # warm-up: every worker and connection
        with cpu_meter(pid) as cpu:
            rate, latencies = hammer(fetch, clients=args.api_clients, seconds=args.api_seconds)
    done = len(latencies)
    app_ms, db_ms = cpu["app"] * 1000 / done, cpu["db"] * 1000 / done
    capacity = (os.cpu_count() or 1) * 1000 / (app_ms + db_ms) if app_ms + db_ms else float("nan")
    text = (
        f"{label} ({args.api_clients} clients, gunicorn {args.api_workers} workers) : {rate:.0f} requêtes/s, "
        f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms ; CPU par requête "
        f"{app_ms:.1f} ms serveur + {db_ms:.1f} ms PostgreSQL → ≈ {capacity:.0f} requêtes/s sur "
        f"{os.cpu_count()} CPU libres"
    )
    if baseline:
        text += f" — {baseline[0]} {baseline[1]:.0f}/s, rapport {ratio(rate, baseline[1])}"
    print(f"{text} {context_line()}", flush=True)
    return rate


def _api_throughput(args: argparse.Namespace) -> None:
    """/api/v1/lieux?limit=100 against the production server, beside the same SQL alone (count + the
    page's 100 rows, from as many connections): what the database alone could serve."""
    import threading

    import psycopg

    from maillage.bench.common import conninfo, hammer
    from maillage.places.models import Place
    from maillage.places.views_api import page_sql

    total = Place.objects.published().count()
    pages = max(total // 100, 1)
    rng = random.Random(args.seed)
    urls = [f"/api/v1/lieux?limit=100&offset={rng.randrange(pages) * 100}" for _ in range(200)]

    # The raw baseline runs the very SQL the view runs (count + the page query), without Django.
    count_sql, count_params = Place.objects.published().order_by().query.sql_with_params()
    count_sql = f"SELECT COUNT(*) FROM ({count_sql}) AS c"  # noqa: S608 — the ORM's own SQL
    page_queries = [page_sql(Place.objects.published(), int(url.rsplit("=", 1)[1]), 100) for url in urls]
    info, _name = conninfo()
    connections = [psycopg.connect(info, autocommit=True) for _ in range(args.api_clients)]
    free = list(connections)
    lock = threading.Lock()

    def raw(rng: random.Random) -> None:
        with lock:
            conn = free.pop()
        try:
            conn.execute(count_sql, count_params).fetchone()
            conn.execute(*rng.choice(page_queries)).fetchall()
        finally:
            with lock:
                free.append(conn)

    try:
        hammer(raw, clients=args.api_clients, seconds=1)
        raw_rate, _ = hammer(raw, clients=args.api_clients, seconds=args.api_seconds)
    finally:
        for conn in connections:
            conn.close()
    _served(
        "API /api/v1/lieux?limit=100",
        urls,
        args,
        baseline=(f"référence SQL seul (comptage + page, {args.api_clients} connexions)", raw_rate),
    )


def _one_size(rows: int, args: argparse.Namespace, *, last: bool) -> dict[str, float]:
    from django.test import Client

    from maillage.bench.common import context_line, timer, vacuum_analyze
    from maillage.places import open_now
    from maillage.places.models import Place

    with timer(f"Préparation de {rows} lieux (import réel)"):
        total = _fill(rows)
    with timer("Horaires de la semaine calculés d'avance (comme la tâche de nuit refresh-opening-hours)"):
        open_now.refresh(now=bench_moment())
    seconds = vacuum_analyze(
        "places_place", "places_openinginterval", "places_weeklyhours", "territories_territory"
    )
    print(
        f"Lieux publiés en base : {Place.objects.published().count()} (dont banc d'essai : {total}), "
        f"{Place.objects.exclude(opening_hours='').values('opening_hours').distinct().count()} horaires distincts ; "
        f"VACUUM ANALYZE {seconds:.1f} s {context_line()}",
        flush=True,
    )
    client = Client()
    figures: dict[str, float] = {}
    parts = set(str(args.parts).split(","))
    scenarios = _scenarios(args.requests, args.seed)
    moment = bench_moment()
    print(
        f"« Ouvert maintenant » mesuré un mardi matin : {moment:%d/%m/%Y %H:%M} (heure de Paris)", flush=True
    )
    with fixed_clock(moment):
        if "search" in parts:
            figures.update(_search_part(client, scenarios))
        if "text" in parts:
            figures.update(_text_part(client, args))
    if "explain" in parts:
        _explain_50km()
    if last and "api" in parts:
        _api_throughput(args)
    if last and "served" in parts:
        _served_pages(scenarios, args)
    if last and "weight" in parts:
        _page_weight(client, scenarios[1])
    if last and "annuaire" in parts:
        _annuaire_times()
    return figures


def _search_part(client: Any, scenarios: list[dict[str, Any]]) -> dict[str, float]:
    from maillage.bench.common import percentile

    figures: dict[str, float] = {}
    samples, queries = _requests(client, scenarios)
    querysets = [_queryset(p) for p in scenarios]
    pages = [_page_sql(p) for p in scenarios]
    indexed = _sql_samples(pages, sequential=False)
    sequential = _sql_samples(pages, sequential=True)
    figures["search"] = _line(
        "Recherche publique /lieux/ (commune + rayon, texte, filtre)", samples, sequential
    )
    _cpu_line("recherche publique", list(LAST_CPU))
    _line("  requêtes SQL seules (comptage + page)", indexed, sequential)
    open_now = [i for i, p in enumerate(scenarios) if "ouvert" in p]
    figures["open"] = _line(
        "  dont « ouvert maintenant »",
        [samples[i] for i in open_now],
        [sequential[i] for i in open_now],
    )
    results = [q.count() for q in querysets[:100]]
    print(
        f"  requêtes SQL par page : {max(queries)} au plus ; résultats : médiane {statistics.median(results):.0f}, "
        f"p95 {percentile([float(r) for r in results], 95):.0f}",
        flush=True,
    )
    return figures


def _text_part(client: Any, args: argparse.Namespace) -> dict[str, float]:
    texts = _text_scenarios(max(args.requests // 2, 50), args.seed)
    text_samples, _ = _requests(client, texts)
    text_cpu = list(LAST_CPU)
    text_querysets = [_queryset(p) for p in texts]
    text_sequential = _sql_samples([_page_sql(p) for p in texts], sequential=True)
    figure = _line(
        "Recherche plein texte sur tout l'annuaire (« impots », « CAF », « France Services »…)",
        text_samples,
        text_sequential,
    )
    _cpu_line("plein texte", text_cpu)
    found: dict[str, int] = {}
    for params, queryset in zip(texts, text_querysets, strict=True):
        label = f"« {params['q']} »" + (" ouvert" if "ouvert" in params else "")
        if label not in found:
            found[label] = queryset.count()
    print("  résultats : " + ", ".join(f"{k} {v}" for k, v in sorted(found.items())), flush=True)
    return {"text": figure}


def _served_pages(scenarios: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Public search and place pages through the production server (issue 8: ≥ 150 requests/s at 10
    clients on 4 workers)."""
    from urllib.parse import urlencode

    from maillage.places.models import Place

    searches = [f"/lieux/?{urlencode(p, doseq=True)}" for p in scenarios]
    ids = list(Place.objects.published().order_by("?").values_list("pk", flat=True)[:200])
    _served("Recherche publique /lieux/ servie", searches, args)
    _served("Fiche publique /lieux/<id>/ servie", [f"/lieux/{pk}/" for pk in ids], args)


def run(args: argparse.Namespace) -> None:
    from maillage.bench.common import ensure_database
    from maillage.bench.places import clear_places

    ensure_database()
    sizes = [int(v) for v in str(args.rows).replace(" ", "").split(",") if v]
    figures: dict[int, dict[str, float]] = {}
    for index, rows in enumerate(sizes):
        print(f"--- {rows} lieux ---", flush=True)
        figures[rows] = _one_size(rows, args, last=index == len(sizes) - 1)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for key, label in (("search", "recherche"), ("open", "ouvert maintenant"), ("text", "plein texte")):
            if key not in figures[small] or key not in figures[large]:
                continue
            growth = figures[large][key] / figures[small][key] if figures[small][key] else float("nan")
            print(
                f"Croissance p95 {label} de {small} à {large} lieux (×{large / small:.0f} lignes) : ×{growth:.2f}",
                flush=True,
            )
    if not args.keep:
        clear_places()
