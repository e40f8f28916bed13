"""The figures and the workshop's counts are kept per data version: every write path bumps the version
in its own transaction, so a page never shows a figure older than the last write."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from maillage.equipment import importer, retention, selectors, services, versions
from maillage.equipment.models import DataVersion, Device, DeviceState, FollowUp, ScrapReason
from tests.equipment.factories import make_devices, make_ready
from tests.pathways.factories import make_diagnostic

S = DeviceState
pytestmark = pytest.mark.django_db


def _facts(client) -> dict[str, str]:
    """The « La boucle en chiffres » list of the statistics page, label → value."""
    page = client.get(reverse("equipment:statistics"))
    assert page.status_code == 200
    text = page.content.decode()
    return {
        html.unescape(label): html.unescape(re.sub(r"\s+", " ", value)).strip()
        for label, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", text, re.S)
    }


def _version(territory) -> int:
    row = DataVersion.objects.filter(territory=territory).first()
    return row.version if row else 0


def _bumped(territory, write) -> object:
    """Run ``write`` and check that it gave the territory's loop a new version."""
    before = _version(territory)
    result = write()
    assert _version(territory) == before + 1
    return result


def test_every_service_write_changes_what_the_statistics_page_shows(
    client, lot_coordinator, lot_prescriber, lot, figeac
):
    client.force_login(lot_coordinator)
    actor = lot_coordinator
    assert _facts(client)["Appareils reçus"] == "0"

    donor = _bumped(
        lot,
        lambda: services.get_or_create_donor(
            actor=actor, territory=lot, name="Mairie de Figeac", kind="collectivity"
        ),
    )
    donation = _bumped(
        lot,
        lambda: services.create_donation(
            actor=actor, territory=lot, donor=donor, received_on=timezone.localdate(), declared_count=5
        ),
    )
    assert _facts(client)["Appareils annoncés (dons initiaux)"] == "5"

    devices, _warnings = _bumped(
        lot,
        lambda: services.add_devices(
            actor=actor, donation=donation, devices=[services.NewDevice(kind="laptop") for _ in range(4)]
        ),
    )
    assert _facts(client)["Appareils reçus"] == "4"

    first, second = devices[0].pk, devices[1].pk
    _bumped(
        lot,
        lambda: services.transition(
            actor=actor, device_id=first, to_state=S.SCRAPPED, scrap_reason=ScrapReason.OBSOLETE
        ),
    )
    assert _facts(client)["Appareils mis au rebut"] == "1"

    _bumped(
        lot,
        lambda: services.correct_state(actor=actor, device_id=first, to_state=S.RECEIVED, reason="Erreur"),
    )
    assert _facts(client)["Appareils mis au rebut"] == "0"

    _bumped(
        lot,
        lambda: services.add_part(
            actor=actor, device_id=second, kind="storage", unit_cost=Decimal("30"), minutes_spent=45
        ),
    )
    facts = _facts(client)
    assert (
        facts["Coût des pièces (connu)"].startswith("30,00") and facts["Temps moyen par appareil"] == "45 min"
    )

    _bumped(
        lot,
        lambda: services.record_erasure(
            actor=actor, device_id=second, method="overwrite", erased_on=timezone.localdate()
        ),
    )
    services.transition(actor=actor, device_id=second, to_state=S.DIAGNOSED)
    _bumped(lot, lambda: services.transition(actor=actor, device_id=second, to_state=S.READY))
    assert _facts(client)["Appareils reconditionnés"] == "1"

    criterion = _bumped(
        lot, lambda: services.add_criterion(actor=actor, territory=lot, label="Minima sociaux")
    )
    allocation = _bumped(
        lot,
        lambda: services.reserve(
            actor=actor,
            device_id=second,
            person_label="A.",
            diagnostic=make_diagnostic(lot_prescriber, figeac),
            criteria=[criterion],
        ),
    )
    assert "Réservé" in client.get(reverse("equipment:statistics")).content.decode()
    _bumped(
        lot, lambda: services.cancel_reservation(actor=actor, allocation_id=allocation.pk, reason="Parti")
    )
    allocation = services.reserve(
        actor=actor, device_id=second, person_label="B.", diagnostic=make_diagnostic(lot_prescriber, figeac)
    )
    given_on = timezone.localdate() - timedelta(days=200)
    _bumped(
        lot,
        lambda: services.hand_over(
            actor=actor,
            allocation_id=allocation.pk,
            given_on=given_on,
            training_completed_on=given_on,
            agreement_kind="gift",
            agreement_signed=True,
            follow_up_consent=True,
        ),
    )
    facts = _facts(client)
    assert facts["Appareils remis"].startswith("1 ") and facts["Suivis à six mois"] == "0 faits, 1 en attente"
    assert "Figeac" in client.get(reverse("equipment:statistics")).content.decode()

    follow_up = FollowUp.objects.get(allocation=allocation)
    _bumped(
        lot,
        lambda: services.record_follow_up(
            actor=actor, follow_up_id=follow_up.pk, still_used="yes", uses=["job"], problem="none"
        ),
    )
    assert _facts(client)["Suivis à six mois"] == "1 faits, 0 en attente"

    _bumped(lot, lambda: services.toggle_criterion(actor=actor, criterion_id=criterion.pk))

    data = (
        "identifiant;type;donateur;type_donateur;date_don;reference_don;etat\r\n"
        "INV-1;portable;Lycée Champollion;Établissement public;01/02/2025;L-1;Reçu\r\n"
    ).encode("cp1252")
    _bumped(lot, lambda: importer.import_inventory(actor=actor, territory=lot, data=data, filename="i.csv"))
    assert _facts(client)["Appareils reçus"] == "5"
    before = _version(lot)
    importer.import_inventory(actor=actor, territory=lot, data=data, filename="i.csv")
    assert _version(lot) == before  # the same file again changes nothing, the kept figures stay


def test_the_retention_purge_bumps_the_territories_it_touched(
    lot_mediator, lot_prescriber, lot, figeac, settings
):
    device = make_ready(lot_mediator, lot)
    services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="C.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    settings.EQUIPMENT_IDENTITY_RETENTION_DAYS = 1
    _bumped(lot, lambda: retention.purge(now=timezone.now() + timedelta(days=3)))


def test_an_admin_edit_bumps_the_version(admin_client, lot_mediator, lot):
    (device,) = make_devices(lot_mediator, lot)
    url = reverse("admin:equipment_device_delete", args=[device.pk])
    _bumped(lot, lambda: admin_client.post(url, {"post": "yes"}))
    assert not Device.objects.exists()


def test_the_statistics_page_is_served_from_the_kept_figures_until_a_write(
    client, lot_coordinator, lot, django_assert_max_num_queries
):
    make_devices(lot_coordinator, lot, count=3)
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(40) as cold:
        client.get(reverse("equipment:statistics"))
    with django_assert_max_num_queries(8) as warm:
        assert _facts(client)["Appareils reçus"] == "3"
    assert len(warm.captured_queries) < len(cold.captured_queries)
    make_devices(lot_coordinator, lot, count=2)
    assert _facts(client)["Appareils reçus"] == "5"


def test_the_workshop_list_counts_follow_every_write(
    client, lot_mediator, lot, django_assert_max_num_queries
):
    devices = make_devices(lot_mediator, lot, count=3) + make_devices(
        lot_mediator, lot, count=1, kind="tablet"
    )
    client.force_login(lot_mediator)
    url = reverse("equipment:workshop")

    def count(**filters) -> int:
        text = client.get(url, filters).content.decode()
        return int(re.search(r'<p class="meta" role="status">(\d+) appareil', text).group(1))

    assert (count(), count(state="received"), count(kind="tablet"), count(state="ready")) == (4, 4, 1, 0)
    services.transition(actor=lot_mediator, device_id=devices[0].pk, to_state=S.DIAGNOSED)
    assert (count(state="received"), count(state="diagnosed"), count(kind="laptop", state="diagnosed")) == (
        3,
        1,
        1,
    )
    with django_assert_max_num_queries(9):  # session, user, second factor, memberships, version, places, page
        client.get(url, {"state": "received"})


def test_donation_figures_are_kept_per_donation(client, lot_mediator, lot):
    make_devices(lot_mediator, lot, count=2)
    make_devices(lot_mediator, lot, count=3)
    first, second = sorted({d.donation_id for d in Device.objects.all()})
    client.force_login(lot_mediator)
    for pk, received in ((first, 2), (second, 3), (first, 2)):
        text = client.get(reverse("equipment:donation", args=[pk])).content.decode()
        assert re.search(rf"<dt>Appareils enregistrés</dt><dd>{received}</dd>", text), pk


def test_bumps_count_up_per_territory(lot, lozere):
    with transaction.atomic():
        versions.bump(lot.pk)
        versions.bump(lot.pk, None, lozere.pk)
    assert (_version(lot), _version(lozere)) == (2, 1)


def test_kept_values_follow_the_language_the_territory_and_the_parts(lot_mediator, lot, lozere):
    from django.utils import translation

    calls: list[str] = []

    def compute() -> int:
        calls.append("x")
        return len(calls)

    assert versions.kept("t", [lot], compute) == 1
    assert versions.kept("t", [lot], compute) == 1  # kept
    with translation.override("en"):
        assert versions.kept("t", [lot], compute) == 2
    assert versions.kept("t", [lozere], compute) == 3
    assert versions.kept("t", [lot], compute, parts=["ready"]) == 4
    make_devices(lot_mediator, lot)
    assert versions.kept("t", [lot], compute) == 5  # a write: computed again
    assert versions.kept("t", [lozere], compute) == 3  # another territory's figures stay


def test_a_cache_that_is_down_costs_the_computation_not_the_page(lot_mediator, lot, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    make_devices(lot_mediator, lot, count=1)
    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    assert selectors.kept_bilan([lot]).fig.received == 1
