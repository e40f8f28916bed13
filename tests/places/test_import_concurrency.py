"""Two imports of the same territory at the same time are serialised (PostgreSQL advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from maillage.places.models import Place
from maillage.places.services import places_import
from tests.places.standard_files import row, to_csv


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_one_territory_are_serialised(figeac):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite sérialise déjà les écritures ; le verrou consultatif est propre à PostgreSQL.")
    data = to_csv([row(id=f"lieu-{i}", nom=f"Lieu {i}") for i in range(200)])
    jobs, errors = [], []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            jobs.append(places_import(data=data, filename="lieux.csv", territory=figeac.department))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted((j.created_count, j.unchanged_count) for j in jobs) == [(0, 200), (200, 0)]
    assert Place.objects.count() == 200
