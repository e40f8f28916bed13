"""Places not verified for more than six months, and the « Relancer » reminder e-mail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from maillage.core.models import AuditLog
from tests.factories import UserFactory
from tests.places.factories import MediatorFactory, PlaceFactory, PlaceManagerFactory

pytestmark = pytest.mark.django_db
URL = reverse("places:stale")


@pytest.fixture
def stale_place(figeac):
    return PlaceFactory(
        name="Vieille fiche", commune=figeac, data_updated_on=date(2024, 1, 1), emails=["contact@lieu.fr"]
    )


@pytest.fixture
def fresh_place(figeac):
    return PlaceFactory(name="Fiche fraîche", commune=figeac, data_updated_on=timezone.localdate())


def test_coordinator_sees_stale_places_only(
    client, lot_coordinator, stale_place, fresh_place, figeac
) -> None:
    old_verified = PlaceFactory(
        name="Vérifiée il y a longtemps", commune=figeac, verified_at=timezone.now() - timedelta(days=200)
    )
    recent_verified = PlaceFactory(
        name="Vérifiée récemment",
        commune=figeac,
        data_updated_on=date(2020, 1, 1),
        verified_at=timezone.now() - timedelta(days=10),
    )
    client.force_login(lot_coordinator)
    html = client.get(URL).content.decode()
    assert "Vieille fiche" in html and old_verified.name in html
    assert "Fiche fraîche" not in html and recent_verified.name not in html


def test_other_territory_and_roles(client, lozere_coordinator, lot_mediator, stale_place) -> None:
    client.force_login(lozere_coordinator)
    assert "Vieille fiche" not in client.get(URL).content.decode()
    assert client.post(reverse("places:remind", args=[stale_place.pk])).status_code == 404
    assert not mail.outbox
    client.force_login(lot_mediator)
    assert client.get(URL).status_code == 403
    assert client.post(reverse("places:remind", args=[stale_place.pk])).status_code == 403


def test_remind_sends_an_email_and_records_it(client, lot_coordinator, stale_place) -> None:
    manager = UserFactory(email="gestion@lieu.fr")
    PlaceManagerFactory(place=stale_place, user=manager)
    MediatorFactory(places=[stale_place], email="mediatrice@lieu.fr")
    client.force_login(lot_coordinator)
    response = client.post(reverse("places:remind", args=[stale_place.pk]))
    assert response.status_code == 302
    # one message per recipient, each with a signed link of its own (audited with who used it)
    assert len(mail.outbox) == 3
    assert {m.to[0] for m in mail.outbox} == {"gestion@lieu.fr", "mediatrice@lieu.fr", "contact@lieu.fr"}
    assert all(not m.bcc for m in mail.outbox)
    message = mail.outbox[0]
    assert "Vieille fiche" in message.subject
    assert "/lieux/mise-a-jour/" in message.body and "/modifier/" not in message.body
    assert "J'ai vérifié" not in message.body and "sans compte" in message.body
    assert len({m.body for m in mail.outbox}) == 3
    assert AuditLog.objects.filter(object_id=str(stale_place.pk), changes__has_key="reminder").count() == 1
    html = client.get(URL).content.decode()
    assert "Dernière relance" in html
    assert timezone.localdate().strftime("%Y") in html


def test_remind_without_recipient(client, lot_coordinator, figeac) -> None:
    place = PlaceFactory(commune=figeac, data_updated_on=date(2024, 1, 1), emails=[])
    client.force_login(lot_coordinator)
    response = client.post(reverse("places:remind", args=[place.pk]), follow=True)
    assert "aucune relance envoyée" in response.content.decode()
    assert not mail.outbox


def test_stale_query_count(client, lot_coordinator, figeac, django_assert_max_num_queries) -> None:
    PlaceFactory.create_batch(20, commune=figeac, data_updated_on=date(2024, 1, 1))
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(10):  # + the EPCI filter choices and the recent campaigns
        assert client.get(URL).status_code == 200


def test_remind_requires_post(client, lot_coordinator, stale_place) -> None:
    client.force_login(lot_coordinator)
    assert client.get(reverse("places:remind", args=[stale_place.pk])).status_code == 405
