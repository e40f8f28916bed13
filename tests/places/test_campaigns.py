"""Freshness campaigns: one operation for an EPCI or the territory, follow-up, second reminder, metric."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from maillage.core.metrics import compute_metric
from maillage.core.models import AuditLog
from maillage.places import campaigns, contact_links
from maillage.places.models import FreshnessCampaign, PlaceReminder
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db
OLD = date(2024, 1, 1)


@pytest.fixture
def stale_places(figeac, cahors):
    return {
        "figeac": [PlaceFactory(name=f"Figeac {i}", commune=figeac, data_updated_on=OLD) for i in range(3)],
        "cahors": [PlaceFactory(name=f"Cahors {i}", commune=cahors, data_updated_on=OLD) for i in range(2)],
        "fresh": PlaceFactory(name="Fraîche", commune=figeac, verified_at=timezone.now()),
        "no_mail": PlaceFactory(name="Sans courriel", commune=figeac, data_updated_on=OLD, emails=[]),
    }


def test_campaign_of_an_epci_then_follow_up(client, lot_coordinator, figeac_epci, stale_places):
    client.force_login(lot_coordinator)
    page = client.get(reverse("places:stale") + f"?epci={figeac_epci.pk}").content.decode()
    assert "Relancer tous les lieux non vérifiés de CC du Grand Figeac" in page
    assert "Cahors 0" not in page and "Figeac 0" in page
    response = client.post(reverse("places:campaign_start"), {"territory": figeac_epci.pk})
    campaign = FreshnessCampaign.objects.get()
    assert response.status_code == 302 and response.url.startswith(
        reverse("places:campaign", args=[campaign.pk])
    )
    # sent by a background job (run at once by the test settings' immediate backend)
    from maillage.core.models import Job

    job = Job.objects.get(kind="places.freshness_campaign")
    assert job.status == "succeeded" and job.result["relances"] == 3
    campaign.refresh_from_db()
    assert campaign.places_count == 4 and campaign.skipped_count == 1 and campaign.finished_at
    assert len(mail.outbox) == 3  # one message per recipient, the place without address skipped
    # the contacts act through their links
    first, second = PlaceReminder.objects.filter(campaign=campaign).order_by("pk")[:2]
    contact_links.mark_opened(contact_links.read_token(contact_links.make_token(first, 0)))
    contact_links.confirm_unchanged(contact_links.read_token(contact_links.make_token(second, 0)))
    follow = campaigns.follow_up(campaign)
    assert (follow.sent, follow.opened, follow.confirmed, follow.corrected, follow.no_answer) == (
        3,
        2,
        1,
        0,
        2,
    )
    html = client.get(reverse("places:campaign", args=[campaign.pk])).content.decode()
    assert "Confirmée sans changement" in html and "Suivi des réponses" in html
    # idempotent: running again reminds nobody twice
    campaigns.run_campaign(campaign.pk)
    assert PlaceReminder.objects.filter(campaign=campaign).count() == 3


def test_campaign_scope_is_checked(
    client, lot_coordinator, lozere_coordinator, lot, figeac_epci, stale_places
):
    client.force_login(lozere_coordinator)
    assert client.post(reverse("places:campaign_start"), {"territory": lot.pk}).status_code == 404
    assert client.post(reverse("places:campaign_start"), {"territory": figeac_epci.pk}).status_code == 404
    assert not FreshnessCampaign.objects.exists() and not mail.outbox
    client.force_login(lot_coordinator)
    client.post(reverse("places:campaign_start"), {"territory": lot.pk})
    campaign = FreshnessCampaign.objects.get()
    client.force_login(lozere_coordinator)
    assert client.get(reverse("places:campaign", args=[campaign.pk])).status_code == 404


def test_second_reminder_after_fourteen_days(lot_coordinator, lot, stale_places):
    campaign = campaigns.start_campaign(actor=lot_coordinator, territory=lot)
    sent_at = timezone.now() - timedelta(days=15)
    campaigns.run_campaign(campaign.pk, now=sent_at)
    answered = PlaceReminder.objects.filter(campaign=campaign).order_by("pk").first()
    contact_links.confirm_unchanged(contact_links.read_token(contact_links.make_token(answered, 0)))
    mail.outbox.clear()
    out = io.StringIO()
    call_command("send_place_reminders", stdout=out)
    assert "4 lieu(x) relancé(s)" in out.getvalue()
    assert len(mail.outbox) == 4 and all("rappel" in m.body for m in mail.outbox)
    mail.outbox.clear()
    call_command("send_place_reminders", stdout=io.StringIO())
    assert not mail.outbox  # once only


def test_bulk_reminder_and_export(client, lot_coordinator, stale_places):
    client.force_login(lot_coordinator)
    ids = [p.pk for p in stale_places["cahors"]] + [stale_places["fresh"].pk]
    client.post(reverse("places:remind_bulk"), {"place": ids})
    assert PlaceReminder.objects.count() == 2  # the fresh place is not stale: ignored
    response = client.get(reverse("places:stale") + "?q=cahors&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["id", "nom"] and {r[1] for r in rows[1:]} == {"Cahors 0", "Cahors 1"}
    assert AuditLog.objects.filter(action="export", object_type="places.Place").exists()
    html = client.get(reverse("places:stale") + "?tri=-nom").content.decode()
    assert html.index("Sans courriel") < html.index("Cahors 0")


def test_freshness_rate_metric(lot, lozere, stale_places):
    today = timezone.localdate()
    rate = compute_metric("places.freshness_rate", lot, date(today.year, 1, 1), today)
    assert rate == round(100 * 1 / 7, 1)
    assert compute_metric("places.freshness_rate", lozere, date(today.year, 1, 1), today) is None
