"""« Signaler une erreur » on public place pages, and the corrections queue."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.places.models import ChangeStatus, ContactChangesMode, DirectorySettings, ErrorReport
from tests.places.factories import PlaceFactory, PlaceManagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(figeac):
    return PlaceFactory(name="Espace numérique de Figeac", commune=figeac, data_updated_on=date(2026, 1, 1))


def _report_url(place) -> str:
    return reverse("places:report_error", args=[place.pk])


def test_public_page_links_to_the_report_form(client, place):
    html = client.get(reverse("places:detail", args=[place.pk])).content.decode()
    assert _report_url(place) in html
    assert client.get(_report_url(place)).status_code == 200


def test_report_reaches_the_coordinator_who_accepts_it(
    client, lot_coordinator, place, django_capture_on_commit_callbacks
):
    response = client.post(
        _report_url(place),
        {"message": "Fermé le mercredi depuis septembre", "email": "habitant@exemple.fr", "site_web": ""},
    )
    assert response.status_code == 200 and "Merci pour votre signalement" in response.content.decode()
    report = ErrorReport.objects.get()
    assert report.client_key and "127.0.0.1" not in report.client_key
    client.force_login(lot_coordinator)
    queue = client.get(reverse("places:corrections")).content.decode()
    assert "Fermé le mercredi depuis septembre" in queue and "1 signalement en attente" in queue
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("places:decide_report", args=[report.pk]),
            {"decision": "accept", "reason": "Horaires corrigés, merci !"},
        )
    report.refresh_from_db()
    assert report.status == ChangeStatus.ACCEPTED and report.decided_by == lot_coordinator
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["habitant@exemple.fr"]
    assert "Horaires corrigés, merci !" in mail.outbox[0].body
    assert AuditLog.objects.filter(object_type="places.ErrorReport", action="transition").exists()


def test_decline_needs_a_reason(client, lot_coordinator, place):
    client.post(_report_url(place), {"message": "Le lieu n'existe plus"})
    report = ErrorReport.objects.get()
    client.force_login(lot_coordinator)
    client.post(reverse("places:decide_report", args=[report.pk]), {"decision": "decline", "reason": ""})
    assert ErrorReport.objects.get().status == ChangeStatus.PENDING
    client.post(
        reverse("places:decide_report", args=[report.pk]),
        {"decision": "decline", "reason": "Vérifié : ouvert"},
    )
    assert ErrorReport.objects.get().status == ChangeStatus.DECLINED
    assert not mail.outbox  # no address left


def test_place_manager_sees_the_queue_of_their_place_only(client, place, figeac):
    other = PlaceFactory(commune=figeac)
    manager = PlaceManagerFactory(place=place).user
    client.post(_report_url(place), {"message": "Mauvais numéro de téléphone"})
    client.post(_report_url(other), {"message": "Adresse inexacte ailleurs"})
    client.force_login(manager)
    html = client.get(reverse("places:corrections")).content.decode()
    assert "Mauvais numéro" in html and "Adresse inexacte ailleurs" not in html
    foreign = ErrorReport.objects.get(place=other)
    response = client.post(reverse("places:decide_report", args=[foreign.pk]), {"decision": "accept"})
    assert response.status_code == 404
    assert ErrorReport.objects.get(pk=foreign.pk).status == ChangeStatus.PENDING


def test_other_territory_cannot_decide(client, lozere_coordinator, place):
    client.post(_report_url(place), {"message": "Horaires faux"})
    client.force_login(lozere_coordinator)
    assert "Horaires faux" not in client.get(reverse("places:corrections")).content.decode()
    report = ErrorReport.objects.get()
    assert (
        client.post(reverse("places:decide_report", args=[report.pk]), {"decision": "accept"}).status_code
        == 404
    )


def test_scripts_and_links_are_shown_escaped(client, lot_coordinator, place):
    client.post(
        _report_url(place),
        {"message": '<script>alert("x")</script> <a href="https://spam.example">promo</a>'},
    )
    client.force_login(lot_coordinator)
    html = client.get(reverse("places:corrections")).content.decode()
    assert "<script>alert" not in html and '<a href="https://spam.example">' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_honeypot_stores_nothing(client, place):
    response = client.post(
        _report_url(place), {"message": "Achetez maintenant", "site_web": "https://spam.example"}
    )
    assert response.status_code == 200 and "Merci" in response.content.decode()
    assert not ErrorReport.objects.exists()


def test_twenty_reports_a_minute_are_refused_politely(client, place):
    statuses = [
        client.post(_report_url(place), {"message": f"Erreur numéro {i}"}).status_code for i in range(20)
    ]
    assert statuses.count(200) == 5 and statuses.count(429) == 15
    assert ErrorReport.objects.count() == 5
    last = client.post(_report_url(place), {"message": "Encore une"})
    assert "patientez une minute" in last.content.decode()


def test_invalid_report_in_french(client, place):
    response = client.post(_report_url(place), {"message": "", "email": "pas-une-adresse"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert not ErrorReport.objects.exists()


def test_coordinator_chooses_review_mode(client, lot, lot_coordinator, lot_mediator):
    client.force_login(lot_coordinator)
    client.post(reverse("places:directory_settings"), {"territory": lot.pk, "contact_changes": "review"})
    assert DirectorySettings.objects.get(territory=lot).contact_changes == ContactChangesMode.REVIEW
    client.force_login(lot_mediator)
    assert (
        client.post(
            reverse("places:directory_settings"), {"territory": lot.pk, "contact_changes": "apply"}
        ).status_code
        == 404
    )
    assert DirectorySettings.objects.get(territory=lot).contact_changes == ContactChangesMode.REVIEW


def test_queued_contact_correction_accepted_from_the_queue(client, lot, lot_coordinator, place):
    from maillage.places import contact_links
    from maillage.places.models import PlaceChangeRequest, PlaceReminder
    from maillage.places.reminders import send_reminder

    DirectorySettings.objects.create(territory=lot, contact_changes=ContactChangesMode.REVIEW)
    send_reminder(actor=lot_coordinator, place=place)
    link = contact_links.read_token(contact_links.make_token(PlaceReminder.objects.get(), 0))
    values = {name: getattr(place, name) for name in contact_links.CONTACT_FIELDS}
    values["opening_hours"] = "Tu-Sa 10:00-17:00"
    contact_links.submit_changes(link, values)
    client.force_login(lot_coordinator)
    html = client.get(reverse("places:corrections")).content.decode()
    assert "Tu-Sa 10:00-17:00" in html and "1 correction envoyée par un lieu en attente" in html
    change = PlaceChangeRequest.objects.get()
    client.post(reverse("places:decide_change", args=[change.pk]), {"decision": "accept", "reason": ""})
    place.refresh_from_db()
    assert place.opening_hours == "Tu-Sa 10:00-17:00"
