"""Helpers shared by benchmarks: timing, percentiles, a fresh database."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lower = int(k)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (k - lower)


def time_calls(func: Callable[[], object], *, repeat: int, warmup: int = 3) -> list[float]:
    """Run ``func`` and return durations in milliseconds."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples_ms: list[float]) -> None:
    print(
        f"{label}: p50 {percentile(samples_ms, 50):.1f} ms, p95 {percentile(samples_ms, 95):.1f} ms, "
        f"max {max(samples_ms):.1f} ms, mean {statistics.fmean(samples_ms):.1f} ms (n={len(samples_ms)})",
        flush=True,
    )


@contextmanager
def timer(label: str) -> Iterator[dict[str, float]]:
    result: dict[str, float] = {}
    start = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - start
    print(f"{label}: {result['seconds']:.2f} s", flush=True)


def ensure_database() -> None:
    """Create the benchmark database if missing and migrate it."""
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("Les bancs d'essai se mesurent sur PostgreSQL (BENCH_DATABASE_URL=postgres://…).")
    import psycopg

    conninfo = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        conninfo += f" password={db['PASSWORD']}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0, interactive=False)


# --- honest context: load, database size, statistics, wire weights ---------------------------------


def load_average() -> str:
    """« charge 1,2 / 1,0 / 0,9 (2 CPU) »: printed beside every figure (a busy machine slows all)."""
    import os

    one, five, fifteen = os.getloadavg()
    return f"charge {one:.1f}/{five:.1f}/{fifteen:.1f} ({os.cpu_count()} CPU)"


def database_size() -> str:
    """Size of the current PostgreSQL database (« 412 Mo »); empty on other databases."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return f"base {size / 1_048_576:.0f} Mo"


def server_cpu_seconds() -> float | None:
    """CPU seconds (user + system) used so far by this connection's PostgreSQL backend, read from
    ``/proc`` (the server runs on this machine); None when unknown (another host, no ``/proc``). Under
    load a wall time mixes in other people's work; the CPU of both processes does not."""
    import os

    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Wall time, this process's CPU and the database backend's CPU of a block::

    with CpuMeter() as meter: ...
    meter.wall, meter.python, meter.server (None when unknown), meter.total
    """

    def __enter__(self) -> CpuMeter:
        self._server = server_cpu_seconds()
        self._python = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.python = time.process_time() - self._python
        server = server_cpu_seconds()
        self.server = None if server is None or self._server is None else server - self._server

    @property
    def total(self) -> float | None:
        return None if self.server is None else self.python + self.server

    def describe(self) -> str:
        server = "?" if self.server is None else f"{self.server:.2f} s"
        return f"{self.wall:.2f} s (CPU Python {self.python:.2f} s, CPU PostgreSQL {server})"


def context_line() -> str:
    """« [charge 1.2/1.0/0.9 (2 CPU), base 412 Mo] »: appended to every printed figure."""
    parts = [load_average(), database_size()]
    return "[" + ", ".join(p for p in parts if p) + "]"


def vacuum_analyze(*tables: str) -> float:
    """``VACUUM ANALYZE`` the tables after a bulk fill (fresh statistics and visibility map): without it
    the planner guesses and a benchmark measures an artefact. Returns the seconds spent."""
    from django.db import connection

    start = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute("SELECT to_regclass(%s)", [table])
                if cursor.fetchone()[0] is not None:  # tables of later migrations may be absent
                    cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - start


def ratio(figure: float, baseline: float) -> str:
    """« ×0.42 » (figure / baseline): below 1, the product beats its baseline."""
    if not baseline:
        return "×?"
    return f"×{figure / baseline:.2f}"


def static_wire_size(path: str) -> tuple[int, int, str]:
    """(raw bytes, bytes on the wire, encoding) of a static file as production serves it.

    Production stores static files with WhiteNoise's ``CompressedManifestStaticFilesStorage``, which
    writes a gzip (and a Brotli one when the ``brotli`` module is installed) copy kept only when it saves
    at least 5 %; WhiteNoise then sends the smallest one the browser accepts (``gzip, br``). The same
    compression is applied here to the source file.
    """
    import gzip

    from django.contrib.staticfiles import finders

    found = finders.find(path)
    if not found:
        return 0, 0, ""
    with open(str(found), "rb") as handle:
        data = handle.read()
    best, encoding = len(data), ""
    packed = len(gzip.compress(data, compresslevel=9, mtime=0))
    if packed < len(data) * 0.95:
        best, encoding = packed, "gzip"
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        return len(data), best, encoding
    packed = len(brotli.compress(data))
    if packed < best and packed < len(data) * 0.95:
        best, encoding = packed, "br"
    return len(data), best, encoding


# --- load against the production server, with the CPU each request costs ------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux ``/proc``); 0 when it is gone."""
    import os

    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _backend_pids(conninfo: str, database: str) -> list[int]:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return [row[0] for row in rows]


def conninfo() -> tuple[str, str]:
    """(libpq connection string, database name) of the benchmark database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    info = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    if db.get("PASSWORD"):
        info += f" password={db['PASSWORD']}"
    return info, str(db["NAME"])


def hammer(call: Callable[[Any], object], *, clients: int, seconds: float) -> tuple[float, list[float]]:
    """``clients`` threads calling ``call(rng)`` for ``seconds``: (calls per second, latencies in ms)."""
    import random
    import threading

    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work(index: int) -> None:
        rng = random.Random(index)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            call(rng)
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - start), latencies


@contextmanager
def production_server(
    workers: int, threads: int | None = None, *, env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """The production server (:func:`maillage.core.server.production_server`), by default with the bench
    settings on the benchmark database; yields (base URL, master pid) once it answers, then prints how
    much the server logged and how many errors."""
    import os

    from maillage.core.server import production_server as serve
    from maillage.core.server import server_problems

    if env is None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_bench", "LOG_LEVEL": "WARNING"}
    # cpu_meter() reads each PostgreSQL backend's CPU in /proc: a connection recycled during a measure
    # (Django closes it after DB_CONN_MAX_AGE, 60 s) takes its CPU away with it. One connection per
    # server thread for the whole bench (the production setting only adds one reconnection a minute).
    env = {**env, "DB_CONN_MAX_AGE": "3600"}
    with serve(env, workers=workers, threads=threads) as server:
        try:
            yield server.base, server.pid
        finally:
            lines, problems = server_problems(server)
            print(f"  journal du serveur : {lines} lignes, {problems} erreur(s) — {server.log}", flush=True)


@contextmanager
def cpu_meter(server_pid: int) -> Iterator[dict[str, float]]:
    """CPU seconds spent during the block by the server's processes (master and workers) and by the
    PostgreSQL backends of the benchmark database: what each request costs, whatever the machine's load
    (wall times on a shared machine measure the other tenants too)."""
    info, name = conninfo()

    def snapshot() -> dict[str, float]:
        pids = [server_pid, *_children(server_pid)]
        return {
            "app": sum(_cpu_seconds(p) for p in pids),
            **{f"db{p}": _cpu_seconds(p) for p in _backend_pids(info, name)},
        }

    before = snapshot()
    result: dict[str, float] = {}
    yield result
    after = snapshot()
    result["app"] = after["app"] - before["app"]
    result["db"] = sum(v - before.get(k, 0.0) for k, v in after.items() if k.startswith("db"))


def verified_client(user: Any) -> Any:
    """A test client signed in with a verified second factor (production settings ask coordinators
    and superusers for one)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="banc", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
