"""Helpers shared by benchmarks: timing, percentiles, a fresh database."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


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
