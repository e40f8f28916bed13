"""A place's contact acts without an account from the reminder's signed link."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from maillage.core.models import AuditLog
from maillage.places import contact_links, selectors
from maillage.places.models import (
    ChangeStatus,
    ContactChangesMode,
    DirectorySettings,
    Place,
    PlaceChangeRequest,
    PlaceReminder,
)
from maillage.places.reminders import send_reminder
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_place(figeac):
    return PlaceFactory(
        name="Médiathèque de Figeac",
        commune=figeac,
        data_updated_on=date(2024, 1, 1),
        emails=["accueil@mediatheque.fr"],
        opening_hours="Mo-Fr 09:00-12:00",
    )


def _link_from_mail() -> str:
    match = re.search(r"https?://\S+/lieux/mise-a-jour/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return "/lieux/" + match.group(0).split("/lieux/", 1)[1]


def _correction(place: Place, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "action": "correct",
        "opening_hours": place.opening_hours,
        "phone": place.phone,
        "emails": "\n".join(place.emails),
        "websites": "",
        "booking_url": "",
        "services": place.services,
        "support_modes": place.support_modes,
        "access_modes": place.access_modes,
        "fees": place.fees,
        "specific_support": place.specific_support,
        "accessibility_url": "",
    }
    data.update(overrides)
    return data


def test_contact_without_account_updates_hours_from_the_link(client, lot_coordinator, stale_place) -> None:
    send_reminder(actor=lot_coordinator, place=stale_place)
    url = _link_from_mail()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rien n'a changé" in html and "Médiathèque de Figeac" in html
    assert PlaceReminder.objects.get().opened_at is not None
    response = client.post(url, _correction(stale_place, opening_hours="Mo-Sa 10:00-18:00"))
    assert response.status_code == 302
    stale_place.refresh_from_db()
    assert stale_place.opening_hours == "Mo-Sa 10:00-18:00"
    assert stale_place.verified_at is not None and stale_place.data_updated_on == timezone.localdate()
    entry = AuditLog.objects.filter(object_type="places.Place", changes__has_key="opening_hours").get()
    assert entry.actor is None and entry.actor_label.startswith("accueil@mediatheque.fr")
    assert PlaceChangeRequest.objects.get().status == ChangeStatus.ACCEPTED
    reminder = PlaceReminder.objects.get()
    assert reminder.corrected_at is not None and reminder.confirmed_at is None
    assert "publiées" in client.get(url).content.decode()


def test_confirm_unchanged_in_one_click(client, lot_coordinator, stale_place) -> None:
    send_reminder(actor=lot_coordinator, place=stale_place)
    url = _link_from_mail()
    before = Place.objects.values_list("opening_hours", "phone").get(pk=stale_place.pk)
    assert client.post(url, {"action": "confirm"}).status_code == 302
    stale_place.refresh_from_db()
    assert stale_place.verified_at is not None
    assert Place.objects.values_list("opening_hours", "phone").get(pk=stale_place.pk) == before
    assert PlaceReminder.objects.get().confirmed_at is not None
    entry = AuditLog.objects.filter(object_type="places.Place", changes__has_key="verified_at").get()
    assert "accueil@mediatheque.fr" in entry.actor_label
    assert stale_place.pk not in {p.pk for p in selectors.stale_places(lot_coordinator)}


def test_review_mode_queues_the_correction(client, lot, lot_coordinator, stale_place) -> None:
    DirectorySettings.objects.create(territory=lot, contact_changes=ContactChangesMode.REVIEW)
    send_reminder(actor=lot_coordinator, place=stale_place)
    url = _link_from_mail()
    client.post(url, _correction(stale_place, phone="05 65 11 22 33"))
    stale_place.refresh_from_db()
    assert stale_place.phone == "+33565000000"  # unchanged until the coordination accepts
    request = PlaceChangeRequest.objects.get()
    assert request.status == ChangeStatus.PENDING
    assert request.changes == {"phone": ["+33565000000", "+33565112233"]}
    assert "relecture" in client.get(url).content.decode()
    contact_links.decide_change_request(actor=lot_coordinator, request_pk=request.pk, accept=True)
    stale_place.refresh_from_db()
    assert stale_place.phone == "+33565112233" and stale_place.verified_by == lot_coordinator


def test_invalid_correction_is_refused_in_french(client, lot_coordinator, stale_place) -> None:
    send_reminder(actor=lot_coordinator, place=stale_place)
    url = _link_from_mail()
    response = client.post(url, _correction(stale_place, opening_hours="tous les jours sauf quand il pleut"))
    assert response.status_code == 400
    assert "Le formulaire contient des erreurs" in response.content.decode()
    assert Place.objects.get(pk=stale_place.pk).opening_hours == "Mo-Fr 09:00-12:00"
    assert not PlaceChangeRequest.objects.exists()


@pytest.mark.parametrize("mangle", ["forged", "altered", "garbage"])
def test_forged_links_change_nothing(client, lot_coordinator, stale_place, mangle) -> None:
    send_reminder(actor=lot_coordinator, place=stale_place)
    reminder = PlaceReminder.objects.get()
    if mangle == "forged":
        token = signing.dumps({"r": reminder.pk, "i": 0}, salt="autre-sel", compress=True)
    elif mangle == "altered":
        token = contact_links.make_token(reminder, 0)[:-2] + "xx"
    else:
        token = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    url = reverse("places:contact_link", kwargs={"token": token})
    for response in (client.get(url), client.post(url, {"action": "confirm"})):
        assert response.status_code == 404
        assert "Ce lien n'est pas valide" in response.content.decode()
    stale_place.refresh_from_db()
    assert stale_place.verified_at is None
    assert PlaceReminder.objects.get().opened_at is None


def test_expired_link_changes_nothing(client, lot_coordinator, stale_place, settings) -> None:
    send_reminder(actor=lot_coordinator, place=stale_place)
    url = _link_from_mail()
    settings.PLACE_CONTACT_LINK_MAX_AGE_DAYS = 0
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 410
    assert "Ce lien a expiré" in response.content.decode()
    stale_place.refresh_from_db()
    assert stale_place.verified_at is None


def test_recipient_index_out_of_range_is_invalid(lot_coordinator, stale_place) -> None:
    send_reminder(actor=lot_coordinator, place=stale_place)
    reminder = PlaceReminder.objects.get()
    with pytest.raises(contact_links.LinkError):
        contact_links.read_token(contact_links.make_token(reminder, 5))


def test_local_settings_win(lot, figeac, figeac_epci, stale_place) -> None:
    assert contact_links.contact_changes_mode(stale_place) == ContactChangesMode.APPLY
    DirectorySettings.objects.create(territory=lot, contact_changes=ContactChangesMode.REVIEW)
    assert contact_links.contact_changes_mode(stale_place) == ContactChangesMode.REVIEW
    DirectorySettings.objects.create(territory=figeac_epci, contact_changes=ContactChangesMode.APPLY)
    assert contact_links.contact_changes_mode(stale_place) == ContactChangesMode.APPLY


def test_old_link_still_reaches_place_after_new_reminder(client, lot_coordinator, stale_place) -> None:
    send_reminder(actor=lot_coordinator, place=stale_place)
    first = _link_from_mail()
    send_reminder(actor=lot_coordinator, place=stale_place, now=timezone.now() + timedelta(minutes=1))
    assert client.get(first).status_code == 200
