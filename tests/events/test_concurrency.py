"""Twelve people register at once for the last places: never over capacity, the rest wait, and one
person clicking twice at once is registered once. Real threads, on SQLite (IMMEDIATE transactions
serialise the writers) and on PostgreSQL (the session row is locked).

SQLite's test database lives in memory in shared-cache mode, where a writer blocked by another gets
« database table is locked » at once instead of waiting out the busy timeout as it does on a file
database (production). The threads there retry that error, which is what the busy timeout does: each
attempt is a whole transaction, so the invariant checked is the same."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connections

from maillage.events import services
from maillage.events.models import Registration, RegistrationStatus
from tests.events.factories import make_session

R = RegistrationStatus


def _run(targets: list) -> list[BaseException]:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def wrap(target) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            for _attempt in range(200):
                try:
                    target()
                    break
                except OperationalError as error:
                    if connections["default"].vendor != "sqlite" or "locked" not in str(error):
                        raise
                    time.sleep(0.01)
            else:
                raise AssertionError("toujours verrouillé après 200 essais")
        except BaseException as error:  # noqa: BLE001 — reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


# transaction=True: the threads' connections see the committed session. Nothing here writes the
# append-only audit log, so the flush after the test is allowed on SQLite too.
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_capacity(lot):
    session = make_session(lot, capacity=5)
    targets = [
        (
            lambda i=i: services.register(
                session_id=session.pk, full_name=f"P {i}", email=f"p{i}@ex.fr", notify_person=False
            )
        )
        for i in range(12)
    ]
    assert _run(targets) == []
    statuses = list(Registration.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count(R.REGISTERED) == 5
    assert statuses.count(R.WAITING) == 7


@pytest.mark.django_db(transaction=True)
def test_the_same_person_twice_at_once_is_one(lot):
    session = make_session(lot, capacity=5)
    targets = [
        (
            lambda: services.register(
                session_id=session.pk, full_name="Claire", email="claire@ex.fr", notify_person=False
            )
        )
        for _ in range(4)
    ]
    assert _run(targets) == []
    assert Registration.objects.filter(session=session).count() == 1
