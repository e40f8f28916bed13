"""Retention of the people equipped, metrics for roadmap indicators, and two handovers at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from maillage.core.metrics import compute_metric
from maillage.core.retention import purge_all
from maillage.equipment import services
from maillage.equipment.models import Allocation, AllocationStatus, DeviceEvent
from tests.equipment.factories import make_ready
from tests.pathways.factories import make_diagnostic


def _given(mediator, prescriber, lot, commune, label="Jeanne"):
    device = make_ready(mediator, lot)
    allocation = services.reserve(
        actor=mediator,
        device_id=device.pk,
        person_label=label,
        diagnostic=make_diagnostic(prescriber, commune),
    )
    today = timezone.localdate()
    return services.hand_over(
        actor=mediator,
        allocation_id=allocation.pk,
        given_on=today,
        training_completed_on=today,
        agreement_kind="gift",
        agreement_signed=True,
        follow_up_consent=True,
    )


@pytest.mark.django_db
def test_purge_blanks_the_person_after_retention_and_keeps_figures(lot_mediator, lot_prescriber, lot, figeac):
    allocation = _given(lot_mediator, lot_prescriber, lot, figeac, label="Jeanne Dupont-Zéphyr")
    later = timezone.now() + timedelta(days=3 * 365)
    assert purge_all(now=timezone.now())["equipment"] == {"attributions d'équipement": 0}
    assert purge_all(now=later)["equipment"] == {"attributions d'équipement": 1}
    allocation.refresh_from_db()
    assert allocation.person_label == "" and allocation.identity_anonymised_at is not None
    assert allocation.status == AllocationStatus.GIVEN and allocation.commune == figeac
    assert not Allocation.objects.filter(person_label__contains="Zéphyr").exists()
    assert purge_all(now=later)["equipment"] == {"attributions d'équipement": 0}


@pytest.mark.django_db
def test_metrics_feed_roadmap_indicators(lot_mediator, lot_prescriber, lot, figeac):
    _given(lot_mediator, lot_prescriber, lot, figeac)
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    assert compute_metric("equipment.collected", lot, start, today) == 1
    assert compute_metric("equipment.computers_given", lot, start, today) == 1
    assert (
        compute_metric("equipment.computers_given", figeac.epci, start, today) == 0
    )  # run by the département


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="select_for_update : PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_mediators_handing_over_the_same_device_give_it_once(lot_mediator, lot_prescriber, lot, figeac):
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    other = UserFactory()
    MembershipFactory(user=other, organisation=OrganisationFactory(), territory=lot, role="mediator")
    device = make_ready(lot_mediator, lot)
    allocation = services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="K.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    today = timezone.localdate()

    def hand_over(actor) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            services.hand_over(
                actor=actor,
                allocation_id=allocation.pk,
                given_on=today,
                training_completed_on=today,
                agreement_kind="gift",
                agreement_signed=True,
                follow_up_consent=False,
            )
            outcomes.append("remis")
        except services.EquipmentError:
            outcomes.append("refusé")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_over, args=(user,)) for user in (lot_mediator, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refusé", "remis"]
    assert DeviceEvent.objects.filter(device=device, to_state="given").count() == 1
