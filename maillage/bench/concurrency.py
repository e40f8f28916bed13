"""A team at once, and the production server under load (issue 8).

1. **SQLite** (the embedded default): the demo database (``migrate``, ``load-territories``,
   ``seed-demo``) in a file, served by gunicorn (2 processes × 4 threads, production settings). ``--sessions``
   signed-in sessions (20) work for ``--seconds`` (60): prescribers reload diagnostics and referrals
   (each view writes an audit row), mediators open followed people (audited) and record activities
   (a POST with its CSRF token), and everyone searches the public directory. Figures: requests, errors
   (aim 0), p50/p95 by kind.
2. **PostgreSQL** (``BENCH_DATABASE_URL``) with gunicorn, ``--workers`` (4) processes, production settings
   (``config.settings_bench``): the realistic places of ``maillage.bench.places`` (``--places``, 25 000),
   ``VACUUM ANALYZE`` after the fill, then the public search, a place page and ``/api/v1/lieux?limit=100``
   at ``--clients`` (1, 10, 50) concurrent clients for ``--level-seconds`` each: requests/s, p50/p95/p99,
   errors (aims: 0 errors; search and API ≥ 150 req/s at 10 clients).
3. **Annuaire** of a département holding ``--annuaire-places`` (2 400) places: the job's build time, then the
   time to serve the stored file over HTTP (aim ≤ 50 ms).

The load average is printed beside every figure: on a shared machine every number is inflated.
Short check: ``--seconds 10 --level-seconds 3 --places 2000 --annuaire-places 200``.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from maillage.bench.common import context_line, load_average, percentile, production_server

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-key-not-for-production-0123456789-abcdefghijklmnopqrst"  # noqa: S105 — bench only


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=20, help="Sessions simultanées sur SQLite (20)")
    parser.add_argument("--seconds", type=float, default=60, help="Durée de la partie SQLite (60 s)")
    parser.add_argument("--clients", default="1,10,50", help="Niveaux de clients sur PostgreSQL (1,10,50)")
    parser.add_argument("--level-seconds", type=float, default=15, help="Durée de chaque niveau (15 s)")
    parser.add_argument("--workers", type=int, default=4, help="Processus gunicorn sur PostgreSQL (4)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="Fils par processus gunicorn (défaut : config/gunicorn_conf.py)",
    )
    parser.add_argument(
        "--client",
        choices=["keepalive", "urllib"],
        default="keepalive",
        help="Client de charge sur PostgreSQL : connexions HTTP gardées ouvertes (http.client, défaut) "
        "ou une connexion par requête (urllib, plus coûteux pour le client et le serveur)",
    )
    parser.add_argument("--places", type=int, default=25_000, help="Lieux en base PostgreSQL (25 000)")
    parser.add_argument(
        "--annuaire-places", type=int, default=2400, help="Lieux de l'annuaire mesuré (2 400)"
    )
    parser.add_argument("--annuaire-department", default="46", help="Département de l'annuaire mesuré (46)")
    parser.add_argument("--sqlite-dir", default="", help="Dossier de la base SQLite de démo (réutilisée)")
    parser.add_argument("--timeout", type=float, default=30, help="Délai d'une requête avant erreur (30 s)")
    parser.add_argument("--only", choices=["sqlite", "postgresql", "annuaire"], help="Une seule partie")


# --- a production server in a child process ---------------------------------------------------------


def _sqlite_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "DEMO_MODE": "1",
        "SECRET_KEY": SECRET,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",
        "WHITENOISE_USE_FINDERS": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "TWO_FACTOR_REQUIRED": "0",  # the demo logins; the bench measures the database, not the 2nd factor
        "EMAIL_QUEUE": "false",
    }


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, threads: int | None = None) -> Iterator[str]:
    """The production server (one launcher: :func:`maillage.bench.common.production_server`)."""
    with production_server(workers, threads, env=env) as (base, _pid):
        yield base


# --- load -----------------------------------------------------------------------------------------


class Outcome:
    """Latencies and errors by kind of request, shared by the client threads."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def add(self, kind: str, milliseconds: float, error: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(milliseconds)
            if error:
                self.errors.setdefault(kind, []).append(error)

    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())


def _timed(outcome: Outcome, kind: str, call: Callable[[], int], expected: tuple[int, ...] = (200,)) -> None:
    start = time.perf_counter()
    error = ""
    try:
        status = call()
        if status not in expected:
            error = f"HTTP {status}"
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}"
    except OSError as exc:
        error = type(exc).__name__ + (f" {exc.reason}" if isinstance(exc, urllib.error.URLError) else "")
    outcome.add(kind, (time.perf_counter() - start) * 1000, error)


def _get(opener: Any, url: str, timeout: float, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — local server
    with opener.open(request, timeout=timeout) as response:
        response.read()
        return int(response.status)


def _line(label: str, samples: list[float], *, seconds: float, errors: int, sqlite: bool = False) -> str:
    context = f"[{load_average()}]" if sqlite else context_line()  # the PostgreSQL size is not the SQLite's
    if not samples:
        return f"{label} : aucune requête"
    return (
        f"{label} : {len(samples) / seconds:.1f} req/s, p50 {percentile(samples, 50):.0f} ms, "
        f"p95 {percentile(samples, 95):.0f} ms, p99 {percentile(samples, 99):.0f} ms, "
        f"{len(samples)} requêtes, {errors} erreur(s) {context}"
    )


# --- 1. SQLite: the demo team at once ---------------------------------------------------------------


def _prepare_sqlite(directory: Path, sessions: int) -> tuple[str, dict[str, Any]]:
    database = directory / "demo.sqlite3"
    url = f"sqlite:///{database}"
    env = _sqlite_env(url)
    maillage = [sys.executable, "-m", "maillage.cli"]
    if not database.exists() or not (directory / "ready").exists():
        start = time.perf_counter()
        for command in (["migrate", "--no-input", "-v0"], ["load-territories"], ["seed-demo"]):
            subprocess.run([*maillage, *command], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
        (directory / "ready").write_text("ok")
        print(f"Base SQLite de démo préparée en {time.perf_counter() - start:.0f} s : {database}", flush=True)
    else:  # a database kept from an earlier run: brought up to this code's migrations, as after an upgrade
        subprocess.run(  # noqa: S603 — our own command
            [*maillage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True
        )
    completed = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "maillage.bench._concurrency_sessions", str(sessions)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return url, json.loads(completed.stdout.strip().splitlines()[-1])


def _session_jar(cookie: str) -> http.cookiejar.CookieJar:
    """A cookie jar holding the signed-in session (the CSRF cookie joins it on the first form)."""
    name, value = cookie.split("=", 1)
    jar = http.cookiejar.CookieJar()
    jar.set_cookie(
        http.cookiejar.Cookie(
            version=0,
            name=name,
            value=value,
            port=None,
            port_specified=False,
            domain="127.0.0.1",
            domain_specified=False,
            domain_initial_dot=False,
            path="/",
            path_specified=True,
            secure=False,
            expires=None,
            discard=False,
            comment=None,
            comment_url=None,
            rest={},
        )
    )
    return jar


def _csrf(opener: Any, jar: http.cookiejar.CookieJar, url: str, timeout: float) -> str:
    with opener.open(url, timeout=timeout) as response:
        html = response.read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else ""


def run_sqlite(args: argparse.Namespace) -> None:
    directory = Path(args.sqlite_dir or Path(tempfile.gettempdir()) / "maillage-bench-concurrency")
    directory.mkdir(parents=True, exist_ok=True)
    url, plan = _prepare_sqlite(directory, args.sessions)
    places = plan["places"] or [1]
    outcome = Outcome()
    written_before = _written(url)
    with gunicorn(_sqlite_env(url), workers=2, threads=4) as base:
        barrier = threading.Barrier(len(plan["sessions"]) + 1)
        deadline = [0.0]

        def session(index: int, spec: dict[str, Any]) -> None:
            rng = random.Random(index)
            jar = _session_jar(spec["cookie"])
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            create_url = f"{base}/activites/nouvelle/?type=individuel"
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                roll = rng.random()
                if roll < 0.25:  # a public search, like anyone
                    _timed(
                        outcome,
                        "recherche publique",
                        lambda: _get(opener, f"{base}/lieux/?q=numerique", args.timeout),
                    )
                elif roll < 0.35:
                    pk = rng.choice(places)
                    _timed(outcome, "fiche lieu", lambda: _get(opener, f"{base}/lieux/{pk}/", args.timeout))  # noqa: B023
                elif spec["role"] == "mediator" and roll < 0.55:
                    _record_activity(outcome, opener, jar, create_url, spec, args.timeout)
                elif spec["pages"]:
                    page = rng.choice(spec["pages"])
                    kind = "liste activités" if page == "/activites/" else "fiche auditée"
                    _timed(outcome, kind, lambda: _get(opener, base + page, args.timeout))  # noqa: B023

        threads = [threading.Thread(target=session, args=(i, s)) for i, s in enumerate(plan["sessions"])]
        for thread in threads:
            thread.start()
        deadline[0] = time.perf_counter() + args.seconds
        started = time.perf_counter()
        barrier.wait()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    print(
        f"SQLite, {len(plan['sessions'])} sessions pendant {elapsed:.0f} s (gunicorn 2 × 4 fils) :",
        flush=True,
    )
    for kind, samples in sorted(outcome.latencies.items()):
        wrong = len(outcome.errors.get(kind, []))
        print("  " + _line(kind, samples, seconds=elapsed, errors=wrong, sqlite=True), flush=True)
    every, wrong = outcome.all_latencies(), outcome.error_count()
    print("  " + _line("ensemble", every, seconds=elapsed, errors=wrong, sqlite=True), flush=True)
    for kind, errors in outcome.errors.items():
        print(f"  erreurs « {kind} » : {sorted(set(errors))[:5]}", flush=True)
    views, activities = (after - before for after, before in zip(_written(url), written_before, strict=True))
    audited = len(outcome.latencies.get("fiche auditée", [])) - len(outcome.errors.get("fiche auditée", []))
    recorded = len(outcome.latencies.get(RECORD, [])) - len(outcome.errors.get(RECORD, []))
    print(
        f"  écrit dans la base : {views} lignes d'audit « consultation » (≥ {audited} fiches auditées servies), "
        f"{activities} activités (attendu {recorded})",
        flush=True,
    )


def _written(url: str) -> tuple[int, int]:
    """(audit rows of views, activities) in the SQLite file: what the server really wrote."""
    import sqlite3

    with sqlite3.connect(url.removeprefix("sqlite:///")) as database:
        views = database.execute("SELECT COUNT(*) FROM core_auditlog WHERE action = 'view'").fetchone()[0]
        activities = database.execute("SELECT COUNT(*) FROM activities_activity").fetchone()[0]
    return int(views), int(activities)


def _record_activity(
    outcome: Outcome, opener: Any, jar: Any, url: str, spec: dict[str, Any], timeout: float
) -> None:
    def post() -> int:
        token = _csrf(opener, jar, url, timeout)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "kind": "individuel",
                "date": time.strftime("%Y-%m-%d"),
                "duration": "30",
                "place_type": "domicile",
                "commune": spec["commune"],
                "themes": "email",
                "gender": "feminin",
                "age_band": "non_communique",
                "social_status": "retraite",
            }
        ).encode()
        request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310 — local
        no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        try:
            with no_redirect.open(request, timeout=timeout) as response:
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as exc:
            if exc.code == 302:
                return 302
            raise

    _timed(outcome, RECORD, post, expected=(302,))


RECORD = "saisie d'activité (GET + POST)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# --- 2. PostgreSQL: the production server under load ------------------------------------------------


def _fill_postgresql(args: argparse.Namespace) -> None:
    from maillage.bench.common import ensure_database, vacuum_analyze
    from maillage.bench.directory import _fill
    from maillage.bench.places import ANALYZED_TABLES

    ensure_database()
    start = time.perf_counter()
    count = _fill(args.places)
    _fill_annuaire(args)
    # As `make migrate` does after an upgrade: places kept from an earlier run may hold API items
    # stamped by other code, which the API would serialise again on every request.
    from maillage.places.interop.documents import refresh_documents
    from maillage.places.models import Place

    refreshed = refresh_documents(Place)
    if refreshed:
        print(f"PostgreSQL : {refreshed} éléments de l'API stockés à nouveau (code changé)", flush=True)
    seconds = vacuum_analyze(*ANALYZED_TABLES)
    print(
        f"PostgreSQL : {count} lieux (+ annuaire), remplissage {time.perf_counter() - start:.0f} s "
        f"(dont VACUUM ANALYZE {seconds:.1f} s) {context_line()}",
        flush=True,
    )


ANNUAIRE_SOURCE = "Banc d'essai (annuaire)"


def _fill_annuaire(args: argparse.Namespace) -> None:
    """Bring the département to ``--annuaire-places`` published places (a second set of bench places)."""
    from maillage.places.models import Place
    from maillage.places.services import places_import
    from maillage.territories.models import Territory

    department = Territory.objects.get(kind="department", code=args.annuaire_department)
    base = Place.objects.published().in_territory(department).exclude(source=ANNUAIRE_SOURCE).count()
    wanted = max(args.annuaire_places - base, 0)
    current = Place.objects.filter(source=ANNUAIRE_SOURCE).count()
    if current == wanted:
        return
    from maillage.bench.places import generate_csv

    Place.objects.filter(source=ANNUAIRE_SOURCE).delete()
    if wanted:
        data = generate_csv(
            wanted, seed=7, department=args.annuaire_department, source=ANNUAIRE_SOURCE, prefix="annuaire"
        )
        job = places_import(data=data, filename="banc-annuaire.csv", source=ANNUAIRE_SOURCE)
        if job.status not in {"done", "unchanged"}:
            raise SystemExit(f"Import refusé : {job.report.get('message')}")


def _hammer(call: Callable[[random.Random], int], *, clients: int, seconds: float, timeout: float) -> tuple[float, list[float], list[str]]:  # fmt: skip
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work(index: int) -> None:
        rng = random.Random(index)
        mine: list[float] = []
        wrong: list[str] = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                status = call(rng)
                if status != 200:
                    wrong.append(f"HTTP {status}")
            except urllib.error.HTTPError as exc:
                wrong.append(f"HTTP {exc.code}")
            except OSError as exc:
                wrong.append(type(exc).__name__)
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)
            errors.extend(wrong)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, errors


class _KeepAlive:
    """A load client as light as the standard library allows: one HTTP/1.1 connection per client
    thread, kept open between requests (``http.client``), the body read and dropped."""

    def __init__(self, base: str, timeout: float) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = parsed.hostname or "127.0.0.1", parsed.port or 80, timeout
        self.local = threading.local()

    def get(self, path: str) -> int:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout
            )
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            self.local.connection = None
            raise
        if response.will_close:
            connection.close()
            self.local.connection = None
        return int(response.status)


def run_postgresql(args: argparse.Namespace, *, load: bool, annuaire: bool) -> None:
    from maillage.bench.common import cpu_meter
    from maillage.bench.directory import TEXTS
    from maillage.places.models import Place

    _fill_postgresql(args)
    ids = list(Place.objects.published().values_list("pk", flat=True))
    total = len(ids)
    pages = max(total // 100, 1)
    communes = _search_communes()
    opener = urllib.request.build_opener()
    if annuaire:
        _annuaire_build(args)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_bench", "LOG_LEVEL": "WARNING"}
    with production_server(args.workers, args.threads, env=env) as (base, pid):
        keepalive = _KeepAlive(base, args.timeout)

        def fetch(path: str) -> int:
            if args.client == "urllib":
                return _get(opener, base + path, args.timeout)
            return keepalive.get(path)

        def search(rng: random.Random) -> int:
            query = {"commune": rng.choice(communes), "rayon": rng.choice(["10", "20", "30"])}
            if rng.random() < 0.5:
                query["q"] = rng.choice(TEXTS)
            return fetch(f"/lieux/?{urllib.parse.urlencode(query)}")

        def detail(rng: random.Random) -> int:
            return fetch(f"/lieux/{rng.choice(ids)}/")

        def api(rng: random.Random) -> int:
            return fetch(f"/api/v1/lieux?limit=100&offset={rng.randrange(pages) * 100}")

        levels = [int(c) for c in args.clients.split(",") if c.strip()] if load else []
        threads = args.threads or "défaut de config/gunicorn_conf.py"
        print(
            f"PostgreSQL, gunicorn {args.workers} processus × fils : {threads} (config.settings_bench), "
            f"{total} lieux publiés, client de charge « {args.client} » :",
            flush=True,
        )
        for label, call in (("recherche publique", search), ("fiche lieu", detail), ("API limit=100", api)):
            if not levels:
                break
            _hammer(call, clients=2, seconds=1, timeout=args.timeout)  # warm-up: workers connected
            for clients in levels:
                with cpu_meter(pid) as cpu:
                    client_cpu = time.process_time()
                    seconds, samples, errors = _hammer(call, clients=clients, seconds=args.level_seconds, timeout=args.timeout)  # fmt: skip
                    client_cpu = time.process_time() - client_cpu
                line = _line(f"{label}, {clients} client(s)", samples, seconds=seconds, errors=len(errors))
                print("  " + line + (f" — {sorted(set(errors))[:3]}" if errors else ""), flush=True)
                print("    " + _cpu_line(cpu, client_cpu, len(samples)), flush=True)
        if annuaire:
            _annuaire_serve(args, base)


def _cpu_line(cpu: dict[str, float], client_seconds: float, requests: int) -> str:
    """The CPU each request cost the server, PostgreSQL and the load client (same cores), and the rate
    two free CPUs would sustain at that cost: the figure a shared machine does not inflate."""
    if not requests:
        return "CPU par requête : aucune requête"
    app, db, client = (value * 1000 / requests for value in (cpu["app"], cpu["db"], client_seconds))
    cores = os.cpu_count() or 1
    return (
        f"CPU par requête : serveur {app:.1f} ms + PostgreSQL {db:.1f} ms + client de charge {client:.1f} ms "
        f"= {app + db + client:.1f} ms → ≈ {cores * 1000 / (app + db + client):.0f} req/s sur {cores} CPU libres "
        f"(≈ {cores * 1000 / (app + db):.0f} req/s sans le client)"
    )


def _search_communes() -> list[str]:
    from maillage.territories.models import Territory

    rows = (
        Territory.objects.communes()
        .exclude(latitude=None)
        .exclude(population=None)
        .order_by("-population")
        .values_list("name", "code")[:300]
    )
    return [f"{name} ({code})" for name, code in rows] or ["Paris"]


# --- 3. the annuaire of a large département ---------------------------------------------------------


def _annuaire_build(args: argparse.Namespace) -> None:
    from django.db.models import F

    from maillage.places import annuaire_files, pdf
    from maillage.places.models import AnnuaireFile
    from maillage.territories.models import Territory

    department = Territory.objects.get(kind="department", code=args.annuaire_department)
    count = pdf.public_places().in_territory(department).count()
    record = annuaire_files.record_for(department)
    AnnuaireFile.objects.filter(pk=record.pk).update(version=F("version") + 1)  # stale: built afresh
    start = time.perf_counter()
    report = annuaire_files.build(department.pk)
    seconds = time.perf_counter() - start
    print(
        f"Annuaire de {department.name} ({count} lieux) : production par le traitement {seconds:.1f} s, "
        f"{report.get('size', 0) / 1_048_576:.1f} Mo {context_line()}",
        flush=True,
    )


def _annuaire_serve(args: argparse.Namespace, base: str) -> None:
    from maillage.places import pdf
    from maillage.territories.models import Territory

    department = Territory.objects.get(kind="department", code=args.annuaire_department)
    url = base + f"/lieux/annuaire/{pdf.SLUG_BY_KIND[department.kind]}/{department.code}.pdf"
    opener = urllib.request.build_opener()
    samples: list[float] = []
    errors = 0
    for index in range(33):
        start = time.perf_counter()
        with opener.open(url, timeout=args.timeout) as response:
            body = response.read()
            ok = response.status == 200 and body.startswith(b"%PDF")
        if index >= 3:  # three warm-ups
            samples.append((time.perf_counter() - start) * 1000)
            errors += 0 if ok else 1
    print(
        f"  annuaire stocké servi par HTTP ({len(body) / 1_048_576:.1f} Mo) : p50 {percentile(samples, 50):.0f} ms, "
        f"p95 {percentile(samples, 95):.0f} ms (objectif ≤ 50 ms), {errors} erreur(s) {context_line()}",
        flush=True,
    )


def run(args: argparse.Namespace) -> None:
    if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None:
        raise SystemExit("gunicorn absent de l'environnement : `make install`.")
    if args.only in (None, "sqlite"):
        run_sqlite(args)
    if args.only in (None, "postgresql", "annuaire"):
        run_postgresql(args, load=args.only != "annuaire", annuaire=args.only in (None, "annuaire"))
