"""Two answers at the same time: the row lock lets exactly one through (PostgreSQL only)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections

from maillage.pathways import workflow
from maillage.pathways.models import Referral, ReferralEvent, ReferralStatus
from tests.pathways.factories import france_services, make_diagnostic, make_referral

S = ReferralStatus

# Row locks only exist on PostgreSQL; a transactional test on SQLite would also flush the append-only
# audit log, which SQLite refuses.
pytestmark = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="select_for_update : PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_apply_once(lot_prescriber, figeac):
    referral = make_referral(lot_prescriber, make_diagnostic(lot_prescriber, figeac), france_services(figeac))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(to: str) -> None:
        try:
            barrier.wait()
            workflow.transition(
                referral_id=referral.pk,
                to_status=to,
                side="place",
                actor_label="Lieu",
                refusal_reason="session-complete",
                reason="Complet",
                notify_parties=False,
            )
            outcomes.append(to)
        except workflow.TransitionError:
            outcomes.append("refusé")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(to,)) for to in (S.ACCEPTED, S.REFUSED)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("refusé") == 1
    final = Referral.objects.get(pk=referral.pk).status
    assert final in (S.ACCEPTED, S.REFUSED)
    assert ReferralEvent.objects.filter(referral=referral, to_status__in=[S.ACCEPTED, S.REFUSED]).count() == 1
