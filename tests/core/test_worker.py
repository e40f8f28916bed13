"""A worker killed (SIGKILL) in the middle of a web import: no place is half-written, and the next
worker picks the job up again and finishes it. Real processes on a shared database (file or PostgreSQL).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.core.live import ROOT, database_url_for_server, server_env
from tests.places.standard_files import row, to_csv

ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]
ROWS = 1500

ENQUEUE = """
import sys, django
django.setup()
from maillage.accounts.models import User
from maillage.places.jobs import start_import
from maillage.territories.models import Territory
job = start_import(data=open(sys.argv[1], "rb").read(), filename="lieux.csv",
                   user=User.objects.get(pk=int(sys.argv[2])), territory=Territory.objects.get(pk=int(sys.argv[3])))
print(job.pk)
"""

# The first worker, held inside the import's transaction once its places are written (where a real
# worker can be killed by the system at any moment): it says so in a file, then waits to be killed.
# Waiting on the clock instead made the test depend on the machine's speed (a fast import finished first).
HELD_WORKER = """
import os, pathlib, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from maillage.cli import main
from maillage.places.services import imports

inside = pathlib.Path(sys.argv.pop(1))

def held(*args, **kwargs):
    inside.write_text("dans la transaction")
    time.sleep(600)

imports._flag_duplicates = held
main()
"""


class Database:
    """Reads the shared database from the test process, outside the test's own connection."""

    def __init__(self, url: str) -> None:
        self.url = url

    def one(self, sql: str, params: tuple[object, ...] = ()) -> tuple[object, ...] | None:
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as conn:
                return conn.execute(sql, params).fetchone()
        import psycopg

        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchone()

    def writer_busy(self) -> bool:
        """True while another process holds a write transaction open (the import's)."""
        if self.url.startswith("sqlite"):
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                conn.close()
        found = self.one("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        return bool(found and found[0])


@pytest.mark.slow
@pytest.mark.django_db(transaction=ON_POSTGRESQL)
def test_a_killed_worker_leaves_no_partial_import_and_the_job_is_run_again(
    tmp_path: Path, figeac, lot_coordinator
) -> None:
    rows = [
        row(
            id=f"lieu-{i}",
            nom=f"Lieu {i}",
            adresse=f"{i} RUE DES ÉCOLES",
            latitude=f"{44.5 + i / 100000:.6f}",
        )
        for i in range(ROWS)
    ]
    csv_file = tmp_path / "lieux.csv"
    csv_file.write_bytes(to_csv(rows))
    url = database_url_for_server(tmp_path)
    env = server_env(url, MEDIA_ROOT=str(tmp_path / "media"), JOB_HEARTBEAT_TIMEOUT_S="3600")
    database = Database(url)
    places_before = database.one("SELECT COUNT(*) FROM places_place")[0]  # type: ignore[index]

    enqueued = subprocess.run(  # noqa: S603
        [sys.executable, "-c", ENQUEUE, str(csv_file), str(lot_coordinator.pk), str(figeac.department.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    job_id = int(enqueued.stdout.strip().splitlines()[-1])
    worker_args = ["worker", "--no-startup-delay", "--interval", "0.2"]
    inside, log = tmp_path / "inside", tmp_path / "worker.log"
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", HELD_WORKER, str(inside), *worker_args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        deadline = time.monotonic() + 240
        while not inside.exists():
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "l'import n'a pas commencé à écrire"
            time.sleep(0.05)
        assert database.writer_busy()  # the places are written, the transaction still open
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert database.one("SELECT COUNT(*) FROM places_place")[0] == places_before  # type: ignore[index]
    assert database.one("SELECT status FROM core_job WHERE id = ?", (job_id,))[0] == "running"  # type: ignore[index]

    try:
        restarted = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "maillage.cli", *worker_args, "--batch", "-v", "2"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"le second processus n'a pas fini : {str(error.stderr)[-3000:]}")
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    assert f"Traitement {job_id}" in restarted.stderr  # the new worker said it took the job over
    status, attempts, error, result = database.one(  # type: ignore[misc]
        "SELECT status, attempts, error, result FROM core_job WHERE id = ?", (job_id,)
    )
    assert (status, attempts) == ("succeeded", 2)
    assert str(error) == ""  # the interruption note is cleared once the retry succeeds
    assert database.one("SELECT COUNT(*) FROM places_place")[0] == places_before + ROWS  # type: ignore[index]
    assert connection.vendor in ("sqlite", "postgresql") and result
