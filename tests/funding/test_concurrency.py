"""Two people saving the same application at once: exactly one write wins, the other is told (no lost
update), on SQLite and on PostgreSQL, with real threads and their own connections.

PostgreSQL: a transactional test, the threads see the committed rows. SQLite: the test's in-memory
database is copied to a file (as a real install runs: WAL, immediate transactions, busy timeout) and
each thread opens that file; a transactional test would flush the append-only audit log, which SQLite
refuses, and threads on the shared in-memory database fail at once with « table is locked »."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

from maillage.funding import services
from maillage.funding.models import Application, Instalment
from maillage.roadmaps.models import BudgetLine
from tests.core.live import database_url_for_server
from tests.funding.factories import make_action, make_application, make_granted, make_lead, make_roadmap

ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]


class Threads:
    def __init__(self, tmp_path: Path) -> None:
        self.file = "" if ON_POSTGRESQL else database_url_for_server(tmp_path).removeprefix("sqlite:///")

    def _connect(self) -> None:
        if self.file:  # this thread's own connection, on the file copy
            connection = connections["default"]
            connection.settings_dict = {**connection.settings_dict, "NAME": self.file}

    def run(self, *targets: Callable[[], Any]) -> list[Any]:
        barrier = threading.Barrier(len(targets))
        outcomes: list[Any] = []

        def wrap(target: Callable[[], Any]) -> None:
            try:
                self._connect()
                barrier.wait()
                outcomes.append(target())
            except services.StaleApplication:
                outcomes.append("stale")
            except Exception as exc:  # noqa: BLE001 — shown by the assertion
                outcomes.append(f"erreur {type(exc).__name__}: {exc}")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=wrap, args=(t,)) for t in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def read(self, query: Callable[[], Any]) -> Any:
        return self.run(query)[0]


@pytest.mark.django_db(transaction=ON_POSTGRESQL)
def test_two_people_saving_the_same_application_at_once(lot, lot_coordinator, tmp_path):
    action = make_action(make_roadmap(lot), 8)
    lead = make_lead(lot, action)
    application = make_application(lot_coordinator, action, status="deposee", submitted_on=date(2025, 1, 10))
    threads = Threads(tmp_path)

    def save(actor: Any, granted: str) -> Callable[[], str]:
        def write() -> str:
            form_copy = Application.objects.get(pk=application.pk)  # both read version 1
            form_copy.status = "accordee"
            form_copy.decided_on = date(2025, 3, 1)
            form_copy.granted_amount = Decimal(granted)
            services.update_application(actor=actor, application=form_copy, read_version=1)
            return granted

        return write

    outcomes = threads.run(save(lot_coordinator, "9000"), save(lead, "11000"))
    assert sorted(outcomes).count("stale") == 1, outcomes
    winner = next(o for o in outcomes if o != "stale")
    assert winner in ("9000", "11000"), outcomes
    version, granted, lines = threads.read(
        lambda: (
            *Application.objects.filter(pk=application.pk).values_list("version", "granted_amount").get(),
            list(BudgetLine.objects.values_list("planned", flat=True)),
        )
    )
    assert version == 2 and granted == Decimal(winner)
    assert lines == [Decimal(winner)]  # one revenue line, the winner's


@pytest.mark.django_db(transaction=ON_POSTGRESQL)
def test_two_payments_recorded_at_once_are_both_kept(lot, lot_coordinator, tmp_path):
    action = make_action(make_roadmap(lot), 8)
    application = make_granted(lot_coordinator, action)
    threads = Threads(tmp_path)

    def pay(amount: str) -> Callable[[], str]:
        def write() -> str:
            services.add_instalment(
                actor=lot_coordinator,
                application=application,
                received_on=date(2025, 5, 1),
                amount=Decimal(amount),
            )
            return amount

        return write

    outcomes = threads.run(pay("4000"), pay("2500"))
    assert sorted(outcomes) == ["2500", "4000"], outcomes
    count, spent = threads.read(lambda: (Instalment.objects.count(), BudgetLine.objects.get().spent))
    assert count == 2
    assert spent == Decimal("6500")  # neither sum lost the other payment
