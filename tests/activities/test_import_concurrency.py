import threading

import pytest
from django.db import connection

from maillage.activities import importer
from maillage.activities.models import Activity, ActivityRollup


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_create_no_duplicates(lot_mediator, figeac, cahors):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrence mesurée sur PostgreSQL (la base SQLite de test est en mémoire).")
    content = importer.template_csv().encode()
    results, errors = [], []

    def run() -> None:
        try:
            results.append(
                importer.import_activities(
                    actor=None, mediator=lot_mediator, content=content, filename="m.csv"
                )
            )
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Activity.objects.count() == 2
    assert sorted((r.created, r.unchanged) for r in results) == [(0, 2), (2, 0)]
    kinds = dict(
        ActivityRollup.objects.filter(grain="n", dimension="kind").values_list("value", "accompaniments")
    )
    assert kinds == {"individuel": 1, "collectif": 2}  # counted once
