"""Pages: a mediator replays the loop through the forms; other territories and roles get 404."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from maillage.equipment.models import Allocation, Device, DeviceState, Donation, FollowUp
from tests.equipment.factories import make_devices, make_ready
from tests.pathways.factories import make_diagnostic

pytestmark = pytest.mark.django_db


def test_mediator_records_a_donation_and_its_devices(client, lot_mediator, lot):
    client.force_login(lot_mediator)
    response = client.post(
        reverse("equipment:donation_new"),
        {
            "territory": lot.pk,
            "donor_name": "Conseil départemental du Lot",
            "donor_kind": "collectivity",
            "received_on": "2025-03-01",
            "legal_frame": "convention",
            "reference": "CONV-2025-014",
            "declared_count": "154",
        },
    )
    donation = Donation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "equipment:donation", args=[donation.pk]
    )
    response = client.post(
        reverse("equipment:donation", args=[donation.pk]),
        {"kind": "laptop", "brand": "Dell", "model": "Latitude", "serials": "SN1\nSN2\n\nSN3"},
    )
    assert response.status_code == 302
    assert sorted(Device.objects.values_list("serial_number", flat=True)) == ["SN1", "SN2", "SN3"]
    page = client.get(reverse("equipment:donation", args=[donation.pk])).content.decode()
    assert "CONV-2025-014" in page and "154" in page


def test_batch_form_refuses_repeated_serials(client, lot_mediator, lot):
    client.force_login(lot_mediator)
    (device,) = make_devices(lot_mediator, lot)
    response = client.post(
        reverse("equipment:donation", args=[device.donation_id]), {"kind": "laptop", "serials": "AA1\naa1"}
    )
    assert response.status_code == 200
    assert "deux fois" in response.content.decode()
    assert Device.objects.count() == 1


def test_device_page_moves_and_refuses_in_french(client, lot_mediator, lot):
    client.force_login(lot_mediator)
    (device,) = make_devices(lot_mediator, lot)
    url = reverse("equipment:device", args=[device.pk])
    assert client.post(url, {"action": "transition", "state-to_state": "diagnosed"}).status_code == 302
    response = client.post(url, {"action": "transition", "state-to_state": "scrapped"})
    assert response.status_code == 400
    assert "Indiquez le motif de mise au rebut." in response.content.decode()
    response = client.post(
        url, {"action": "part", "part-kind": "storage", "part-quantity": "1", "part-unit_cost": "30,00"}
    )
    assert response.status_code == 302
    assert device.parts.get().unit_cost == 30
    page = client.get(url).content.decode()
    assert "ne peut pas être remis" in page


def test_full_loop_through_the_pages(client, lot_mediator, lot_prescriber, lot, figeac):
    client.force_login(lot_mediator)
    device = make_ready(lot_mediator, lot)
    diagnostic = make_diagnostic(lot_prescriber, figeac)
    response = client.post(
        reverse("equipment:reserve", args=[device.pk]),
        {"diagnostic": diagnostic.pk, "person_label": "Jeanne"},
    )
    allocation = Allocation.objects.get()
    assert response.status_code == 302
    url = reverse("equipment:allocation", args=[allocation.pk])
    today = timezone.localdate().isoformat()
    response = client.post(
        url, {"action": "hand_over", "handover-given_on": today, "handover-agreement_kind": "gift"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "formation obligatoire" in text and "convention" in text
    response = client.post(
        url,
        {
            "action": "hand_over",
            "handover-given_on": today,
            "handover-training_completed_on": today,
            "handover-agreement_kind": "gift",
            "handover-agreement_signed": "on",
            "handover-follow_up_consent": "on",
        },
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.state == DeviceState.GIVEN
    pdf = client.post(reverse("equipment:agreement", args=[allocation.pk]), {"person_name": "Jeanne Martin"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    follow_up = FollowUp.objects.get()
    FollowUp.objects.filter(pk=follow_up.pk).update(due_on=timezone.localdate())
    assert "EQ-" in client.get(reverse("equipment:follow_ups")).content.decode()
    response = client.post(
        reverse("equipment:follow_up", args=[follow_up.pk]),
        {"still_used": "yes", "uses": ["job"], "problem": "none"},
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.still_used == "yes" and follow_up.uses == ["job"]


def test_scan_opens_the_record_only_on_the_territory(client, lot_mediator, lozere_mediator, lot):
    (device,) = make_devices(lot_mediator, lot)
    client.force_login(lot_mediator)
    response = client.get(reverse("equipment:scan", args=[device.asset_tag.lower()]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "equipment:device", args=[device.pk]
    )
    client.force_login(lozere_mediator)
    assert client.get(reverse("equipment:scan", args=[device.asset_tag])).status_code == 404


def test_labels_pdf_carries_a_qr_code_and_no_person(client, lot_mediator, lot):
    devices = make_devices(lot_mediator, lot, count=3)
    client.force_login(lot_mediator)
    response = client.get(reverse("equipment:labels"), {"don": devices[0].donation_id})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "name",
    [
        "equipment:home",
        "equipment:donations",
        "equipment:workshop",
        "equipment:follow_ups",
        "equipment:statistics",
        "equipment:import",
    ],
)
def test_pages_answer_404_to_other_territories_and_unaffiliated(
    client, name, lozere_mediator, unaffiliated_user, lot_mediator, lot
):
    make_devices(lot_mediator, lot)
    client.force_login(unaffiliated_user)
    assert client.get(reverse(name)).status_code == 404
    client.force_login(lot_mediator)
    assert client.get(reverse(name)).status_code == 200


def test_objects_of_another_territory_are_404(
    client, lot_mediator, lozere_mediator, lot_prescriber, lot, figeac
):
    device = make_ready(lot_mediator, lot)
    from maillage.equipment import services

    allocation = services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="Z.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    client.force_login(lozere_mediator)
    for url in (
        reverse("equipment:device", args=[device.pk]),
        reverse("equipment:donation", args=[device.donation_id]),
        reverse("equipment:allocation", args=[allocation.pk]),
        reverse("equipment:reserve", args=[device.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("equipment:agreement", args=[allocation.pk])).status_code == 404


def test_viewer_reads_figures_but_not_the_workshop(client, lot_viewer, lot_mediator, lot):
    make_devices(lot_mediator, lot)
    client.force_login(lot_viewer)
    assert client.get(reverse("equipment:statistics")).status_code == 200
    assert client.get(reverse("equipment:workshop")).status_code == 404
    device = Device.objects.get()
    assert client.get(reverse("equipment:device", args=[device.pk])).status_code == 404


def test_bilan_pdf_is_tagged_and_docx_has_the_figures(client, lot_coordinator, lot, tmp_path):
    make_devices(lot_coordinator, lot, count=2)
    client.force_login(lot_coordinator)
    pdf = client.get(reverse("equipment:bilan_pdf")).content
    path = tmp_path / "bilan.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    assert "Bilan de la boucle de reconditionnement" in info  # the document title
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert "Appareils reçus" in text and "Taux de perte" in text
    docx = client.get(reverse("equipment:bilan_docx"))
    from docx import Document

    document = Document(io.BytesIO(docx.content))
    texts = [p.text for p in document.paragraphs]
    assert any("Bilan de la boucle de reconditionnement" in t for t in texts)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Appareils reçus" in cells and "2" in cells


def test_workshop_list_query_count_does_not_grow(client, lot_mediator, lot, django_assert_max_num_queries):
    make_devices(lot_mediator, lot, count=30)
    client.force_login(lot_mediator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("equipment:workshop"), {"state": "received"})
    assert len(re.findall(r"EQ-\d{6}", response.content.decode())) >= 30


def test_coordinator_sets_priority_criteria_mediator_reads_them(client, lot_coordinator, lot_mediator, lot):
    client.force_login(lot_coordinator)
    response = client.post(
        reverse("equipment:criteria"), {"action": "add", "label": "Bénéficiaire de minima sociaux"}
    )
    assert response.status_code == 302
    from maillage.equipment.models import PriorityCriterion

    criterion = PriorityCriterion.objects.get()
    assert criterion.code == "beneficiaire-de-minima-sociaux" and criterion.is_active
    client.post(reverse("equipment:criteria"), {"action": "toggle", "criterion": criterion.pk})
    criterion.refresh_from_db()
    assert not criterion.is_active
    client.force_login(lot_mediator)
    assert "minima sociaux" in client.get(reverse("equipment:criteria")).content.decode()
    assert client.post(reverse("equipment:criteria"), {"action": "add", "label": "Autre"}).status_code == 404
    assert PriorityCriterion.objects.count() == 1


def test_the_handover_form_offers_the_agenda_training_sessions(
    client, lot_mediator, lot_prescriber, lot, lozere, figeac
):
    from maillage.events.models import SessionKind
    from tests.events.factories import make_session

    held = make_session(lot, days=-2, kind=SessionKind.TRAINING, title="Atelier prise en main")
    make_session(lot, days=-2, kind=SessionKind.NETWORK_MEETING, title="Rencontre du réseau")
    make_session(lozere, days=-2, kind=SessionKind.TRAINING, title="Atelier lozérien")
    device = make_ready(lot_mediator, lot)
    from maillage.equipment import services

    allocation = services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="F.",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    client.force_login(lot_mediator)
    url = reverse("equipment:allocation", args=[allocation.pk])
    text = client.get(url).content.decode()
    assert "Atelier prise en main" in text
    assert "Rencontre du réseau" not in text and "Atelier lozérien" not in text
    response = client.post(
        url,
        {
            "action": "hand_over",
            "handover-given_on": timezone.localdate().isoformat(),
            "handover-training_session": held.pk,
            "handover-agreement_kind": "gift",
            "handover-agreement_signed": "on",
        },
    )
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.training_session == held and allocation.training_completed_on is not None
    assert reverse("events:detail", args=[held.pk]) in client.get(url).content.decode()
