"""The workshop's rules: states, erasure before handover, once only, scrapped stays scrapped, figures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from maillage.core.models import AuditLog
from maillage.equipment import selectors, services, totals
from maillage.equipment.models import (
    AllocationStatus,
    Device,
    DeviceEvent,
    DeviceKind,
    DeviceState,
    FollowUp,
    PartUsage,
    ScrapReason,
)
from tests.equipment.factories import CriterionFactory, DonationFactory, make_devices, make_ready
from tests.pathways.factories import make_diagnostic

S = DeviceState
pytestmark = pytest.mark.django_db


def _hand_over(actor, allocation, **overrides):
    today = timezone.localdate()
    kwargs = {
        "given_on": today,
        "training_completed_on": today,
        "agreement_kind": "gift",
        "agreement_signed": True,
        "follow_up_consent": True,
    }
    kwargs.update(overrides)
    return services.hand_over(actor=actor, allocation_id=allocation.pk, **kwargs)


def test_devices_get_an_inventory_tag_and_a_log(lot_mediator, lot):
    devices = make_devices(lot_mediator, lot, count=3)
    assert [d.asset_tag for d in devices] == [f"EQ-{d.pk:06d}" for d in devices]
    assert DeviceEvent.objects.filter(device__in=devices, to_state=S.RECEIVED).count() == 3


def test_known_serial_is_flagged_not_refused(lot_mediator, lot):
    make_devices(lot_mediator, lot, serial="ab 123")
    donation = DonationFactory(territory=lot)
    devices, warnings = services.add_devices(
        actor=lot_mediator,
        donation=donation,
        devices=[services.NewDevice(kind=DeviceKind.LAPTOP, serial_number="AB123")],
    )
    assert len(devices) == 1
    assert len(warnings) == 1 and "AB123" in warnings[0] and "déjà enregistré" in warnings[0]


def test_workshop_follows_the_allowed_moves(lot_mediator, lot):
    (device,) = make_devices(lot_mediator, lot)
    with pytest.raises(services.EquipmentError, match="Passage impossible"):
        services.transition(actor=lot_mediator, device_id=device.pk, to_state=S.READY)
    with pytest.raises(services.EquipmentError, match="Attribuer"):
        services.transition(actor=lot_mediator, device_id=device.pk, to_state=S.GIVEN)
    services.transition(actor=lot_mediator, device_id=device.pk, to_state=S.DIAGNOSED, minutes_spent=15)
    device = services.transition(
        actor=lot_mediator, device_id=device.pk, to_state=S.READY, operating_system="Linux Mint"
    )
    assert device.state == S.READY and device.operating_system == "Linux Mint"


def test_scrapping_needs_a_reason_and_is_final_without_a_correction(lot_mediator, lot_coordinator, lot):
    (device,) = make_devices(lot_mediator, lot)
    with pytest.raises(services.EquipmentError, match="motif"):
        services.transition(actor=lot_mediator, device_id=device.pk, to_state=S.SCRAPPED)
    services.transition(
        actor=lot_mediator, device_id=device.pk, to_state=S.SCRAPPED, scrap_reason=ScrapReason.BEYOND_REPAIR
    )
    with pytest.raises(services.EquipmentError, match="au rebut"):
        services.transition(actor=lot_mediator, device_id=device.pk, to_state=S.DIAGNOSED)
    with pytest.raises(PermissionDenied):  # a mediator cannot correct
        services.correct_state(
            actor=lot_mediator, device_id=device.pk, to_state=S.DIAGNOSED, reason="Erreur de saisie"
        )
    with pytest.raises(services.EquipmentError, match="motivée"):
        services.correct_state(actor=lot_coordinator, device_id=device.pk, to_state=S.DIAGNOSED, reason="  ")
    device = services.correct_state(
        actor=lot_coordinator, device_id=device.pk, to_state=S.DIAGNOSED, reason="Erreur de saisie"
    )
    assert device.state == S.DIAGNOSED and device.scrap_reason == ""
    assert DeviceEvent.objects.filter(device=device, kind="correction", note="Erreur de saisie").exists()
    assert AuditLog.objects.filter(object_id=str(device.pk), message__contains="Erreur de saisie").exists()


def test_a_device_is_given_only_after_erasure_training_and_signature(
    lot_mediator, lot_prescriber, lot, figeac
):
    device = make_ready(lot_mediator, lot, erased=False)
    diagnostic = make_diagnostic(lot_prescriber, figeac)
    allocation = services.reserve(
        actor=lot_mediator, device_id=device.pk, person_label="M. D.", diagnostic=diagnostic
    )
    assert allocation.commune == figeac  # taken from the diagnostic
    with pytest.raises(services.EquipmentError) as error:
        _hand_over(lot_mediator, allocation, training_completed_on=None, agreement_signed=False)
    message = " ".join(error.value.messages)
    assert "effacement certifié" in message and "formation obligatoire" in message and "convention" in message
    services.record_erasure(
        actor=lot_mediator, device_id=device.pk, method="overwrite", erased_on=timezone.localdate()
    )
    allocation = _hand_over(lot_mediator, allocation)
    assert allocation.status == AllocationStatus.GIVEN
    device.refresh_from_db()
    assert device.state == S.GIVEN
    assert FollowUp.objects.get(allocation=allocation).due_on == timezone.localdate() + timedelta(days=182)
    with pytest.raises(services.EquipmentError, match="deux fois"):
        _hand_over(lot_mediator, allocation)


def test_reservation_needs_an_oriented_person_of_the_territory(
    lot_mediator, lozere_mediator, lot, lozere, mende
):
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    device = make_ready(lot_mediator, lot)
    with pytest.raises(services.EquipmentError, match="personne orientée"):
        services.reserve(actor=lot_mediator, device_id=device.pk, person_label="A.")
    prescriber = UserFactory()
    MembershipFactory(
        user=prescriber, organisation=OrganisationFactory(), territory=lozere, role="prescriber"
    )
    foreign = make_diagnostic(prescriber, mende)
    with pytest.raises(services.EquipmentError, match="pas de votre territoire"):
        services.reserve(actor=lot_mediator, device_id=device.pk, person_label="A.", diagnostic=foreign)
    with pytest.raises(PermissionDenied):
        services.reserve(actor=lozere_mediator, device_id=device.pk, person_label="A.", diagnostic=foreign)


def test_cancelled_reservation_frees_the_device(lot_mediator, lot_prescriber, lot, figeac):
    device = make_ready(lot_mediator, lot)
    allocation = services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="B.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    with pytest.raises(services.EquipmentError, match="annulez d.abord"):
        services.transition(actor=lot_mediator, device_id=device.pk, to_state=S.REFURBISHING)
    services.cancel_reservation(actor=lot_mediator, allocation_id=allocation.pk, reason="Personne déménagée")
    device.refresh_from_db()
    assert device.state == S.READY
    again = services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="C.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    assert again.status == AllocationStatus.RESERVED


def test_figures_count_loss_costs_and_people(lot_mediator, lot_prescriber, lot, figeac):
    criterion = CriterionFactory(territory=lot, label="Minima sociaux")
    donation = DonationFactory(territory=lot, declared_count=10)
    devices, _ = services.add_devices(
        actor=lot_mediator,
        donation=donation,
        devices=[services.NewDevice(kind=DeviceKind.LAPTOP) for _ in range(8)],
    )
    for device in devices[:2]:
        services.transition(
            actor=lot_mediator, device_id=device.pk, to_state=S.SCRAPPED, scrap_reason=ScrapReason.OBSOLETE
        )
    ready = devices[2]
    services.transition(actor=lot_mediator, device_id=ready.pk, to_state=S.REFURBISHING, minutes_spent=40)
    services.add_part(
        actor=lot_mediator, device_id=ready.pk, kind="storage", unit_cost=Decimal("30"), quantity=1
    )
    services.add_part(actor=lot_mediator, device_id=ready.pk, kind="ram", unit_cost=None)
    services.record_erasure(
        actor=lot_mediator, device_id=ready.pk, method="storage_replaced", erased_on=timezone.localdate()
    )
    services.transition(actor=lot_mediator, device_id=ready.pk, to_state=S.READY, minutes_spent=20)
    allocation = services.reserve(
        actor=lot_mediator,
        device_id=ready.pk,
        person_label="D.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
        criteria=[criterion],
    )
    _hand_over(lot_mediator, allocation)
    fig = selectors.figures([lot])
    assert (fig.received, fig.given, fig.scrapped, fig.refurbished) == (8, 1, 2, 1)
    assert fig.loss_ratio == pytest.approx(2 / 8)
    assert fig.loss_ratio_declared == pytest.approx((10 - 6) / 10)  # 2 never arrived, 2 scrapped
    assert fig.parts_cost_known == Decimal("30") and fig.parts_without_cost == 1
    assert fig.average_minutes == pytest.approx(60)
    assert fig.people_by_commune == [("Figeac", 1)]
    assert fig.people_by_epci == [("CC du Grand Figeac", 1)]
    assert fig.people_by_criterion == [("Minima sociaux", 1)]
    # The running totals the figures read are exactly what the log says.
    kept = _totals()
    totals.rebuild(Device, DeviceEvent, PartUsage)
    assert _totals() == kept
    assert Device.objects.get(pk=ready.pk).minutes_spent == 60
    assert Device.objects.get(pk=ready.pk).parts_cost_known == Decimal("30")
    assert Device.objects.filter(refurbished_at__isnull=False).count() == 1


def _totals() -> list[tuple]:
    return list(
        Device.objects.order_by("pk").values_list(
            "pk", "refurbished_at", "minutes_spent", "parts_count", "parts_without_cost", "parts_cost_known"
        )
    )


def test_figures_of_one_donation_and_a_whole_department_agree(lot_mediator, lot):
    first = DonationFactory(territory=lot, declared_count=3)
    second = DonationFactory(territory=lot, declared_count=None)
    services.add_devices(
        actor=lot_mediator, donation=first, devices=[services.NewDevice(kind=DeviceKind.LAPTOP)] * 3
    )
    (tablet,) = services.add_devices(
        actor=lot_mediator, donation=second, devices=[services.NewDevice(kind=DeviceKind.TABLET)]
    )[0]
    services.transition(actor=lot_mediator, device_id=tablet.pk, to_state=S.DIAGNOSED, minutes_spent=15)
    one = selectors.figures([lot], donation=first)
    assert (one.received, one.declared, one.minutes_logged) == (3, 3, None)
    whole = selectors.figures([lot])
    assert (whole.received, whole.declared, whole.minutes_logged, whole.devices_with_time) == (4, None, 15, 1)
    assert dict(whole.by_donor) == {first.donor.name: 3, second.donor.name: 1}


def test_unknown_is_not_zero_in_figures(lot_mediator, lot):
    DonationFactory(territory=lot, declared_count=None)
    fig = selectors.figures([lot])
    assert fig.declared is None and fig.loss_ratio is None and fig.loss_ratio_declared is None
    assert fig.average_parts_cost is None and fig.average_minutes is None


def test_other_territory_cannot_act(lot_mediator, lozere_mediator, lot):
    (device,) = make_devices(lot_mediator, lot)
    with pytest.raises(PermissionDenied):
        services.transition(actor=lozere_mediator, device_id=device.pk, to_state=S.DIAGNOSED)
    with pytest.raises(PermissionDenied):
        services.record_erasure(
            actor=lozere_mediator, device_id=device.pk, method="overwrite", erased_on=timezone.localdate()
        )


def test_deactivated_mediator_loses_access(lot_mediator, lot):
    (device,) = make_devices(lot_mediator, lot)
    lot_mediator.memberships.update(is_active=False)
    del lot_mediator._maillage_memberships
    with pytest.raises(PermissionDenied):
        services.transition(actor=lot_mediator, device_id=device.pk, to_state=S.DIAGNOSED)
    assert not selectors.devices_visible_to(lot_mediator).exists()


def test_the_handover_training_can_be_a_session_of_the_agenda(
    lot_mediator, lot_prescriber, lot, lozere, figeac
):
    from maillage.events.models import SessionKind, SessionStatus
    from tests.events.factories import make_session

    device = make_ready(lot_mediator, lot)
    allocation = services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="E.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    training = {"kind": SessionKind.TRAINING, "title": "Prendre en main son ordinateur"}
    refused = [
        (make_session(lozere, days=-3, **training), "pas de votre territoire"),
        (make_session(lot, days=-3, status=SessionStatus.CANCELLED, **training), "annulée"),
        (make_session(lot, days=3, **training), "après la remise"),
    ]
    for session, message in refused:
        with pytest.raises(services.EquipmentError, match=message):
            _hand_over(lot_mediator, allocation, training_completed_on=None, training_session=session)
    held = make_session(lot, days=-3, **training)
    allocation = _hand_over(lot_mediator, allocation, training_completed_on=None, training_session=held)
    assert allocation.training_session == held
    assert allocation.training_completed_on == timezone.localdate(held.starts_at)
