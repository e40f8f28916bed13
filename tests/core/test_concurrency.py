"""A team at work at once: several sessions reload the detail pages that write audit rows while an
import runs, against a real server (gunicorn, 2 processes × 4 threads) on a file database.

The issue this guards against: on SQLite, deferred transactions failed at once with « database is
locked » (10 errors out of 30 requests with two people). The figure is 0 on both databases.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from maillage.core.models import AuditLog
from maillage.places.models import Place
from tests.activities.factories import followed
from tests.core import live
from tests.core.live import ROOT, database_url_for_server, live_server, server_env, session_cookie
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.pathways.factories import france_services, make_diagnostic, make_referral
from tests.places.standard_files import row, to_csv

pytestmark = pytest.mark.slow  # make test-fast leaves it to make test and CI

SESSIONS = 6
ROUNDS = 6


# PostgreSQL: the server must see committed rows. SQLite: the test's own in-memory database is copied
# to a file, and a transactional test would flush the append-only audit log (which SQLite refuses).
ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]


@pytest.mark.django_db(transaction=ON_POSTGRESQL)
def test_sessions_on_audited_detail_pages_and_an_import_give_no_error(request, tmp_path: Path) -> None:
    lot = request.getfixturevalue("lot")
    figeac = request.getfixturevalue("figeac")
    mediator = request.getfixturevalue("lot_mediator")
    place = france_services(figeac)
    organisation = OrganisationFactory(name="Maison des solidarités", territory=lot)
    pages: list[tuple[str, list[str]]] = []
    for index in range(SESSIONS):
        if index % 3 == 2:  # a mediator opening a followed person's page
            person = followed(mediator, first_name=f"Personne {index}")
            pages.append((session_cookie(mediator), [f"/activites/beneficiaires/{person.pk}/"]))
            continue
        prescriber = UserFactory()
        MembershipFactory(user=prescriber, organisation=organisation, territory=lot, role="prescriber")
        diagnostic = make_diagnostic(prescriber, figeac)
        referral = make_referral(prescriber, diagnostic, place)
        urls = [f"/parcours/diagnostic/{diagnostic.pk}/", f"/parcours/orientations/{referral.pk}/"]
        pages.append((session_cookie(prescriber), urls))
    audit_before = AuditLog.objects.filter(action="view").count()
    places_before = Place.objects.count()

    csv_file = tmp_path / "lieux.csv"
    csv_file.write_bytes(to_csv([row(id=f"import-{i}", nom=f"Lieu importé {i}") for i in range(300)]))
    database_url = database_url_for_server(tmp_path)

    results: list[tuple[str, int | str]] = []
    lock = threading.Lock()

    with live_server(database_url) as base:
        barrier = threading.Barrier(SESSIONS + 1)

        def browse(cookie: str, urls: list[str]) -> None:
            barrier.wait()
            for _ in range(ROUNDS):
                for url in urls:
                    req = urllib.request.Request(base + url, headers={"Cookie": cookie})  # noqa: S310
                    try:
                        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
                            outcome: int | str = response.status
                            if not response.geturl().endswith(url):  # redirected elsewhere: not the page
                                outcome = f"redirigé vers {response.geturl()}"
                            response.read()
                    except urllib.error.HTTPError as error:
                        outcome = error.code
                    except OSError as error:
                        outcome = repr(error)
                    with lock:
                        results.append((url, outcome))

        def run_import() -> None:
            barrier.wait()
            completed = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "maillage.cli", "import-places", str(csv_file), "--no-progress"],
                cwd=ROOT,
                env=server_env(database_url),
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            with lock:
                results.append(("import", completed.returncode or completed.stderr[-2000:] or 0))

        threads = [threading.Thread(target=browse, args=page) for page in pages]
        threads.append(threading.Thread(target=run_import))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    errors = [r for r in results if r[1] not in (200, 0)]
    assert errors == [], live.server_log()
    expected_views = sum(len(urls) for _, urls in pages) * ROUNDS
    assert len(results) == expected_views + 1

    # What the server wrote is really there (read back from the server's database).
    if connection.vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as copy:
            views = copy.execute("SELECT COUNT(*) FROM core_auditlog WHERE action = 'view'").fetchone()[0]
            places = copy.execute("SELECT COUNT(*) FROM places_place").fetchone()[0]
            journal = copy.execute("PRAGMA journal_mode").fetchone()[0]
        assert journal == "wal"
    else:
        views = AuditLog.objects.filter(action="view").count()
        places = Place.objects.count()
    assert views == audit_before + expected_views
    assert places == places_before + 300
