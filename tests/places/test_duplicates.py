from __future__ import annotations

import pytest
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.places.choices import DuplicateReason, DuplicateStatus
from maillage.places.models import DuplicateCandidate, PlaceManager
from maillage.places.services import flag_duplicates
from tests.places.factories import MediatorFactory, PlaceFactory

pytestmark = pytest.mark.django_db
URL = "/lieux/doublons/"


def _pair(commune, **kwargs):
    a = PlaceFactory(commune=commune, name="France Services", **kwargs)
    b = PlaceFactory(commune=commune, name="France services", latitude=commune.latitude + 0.0005)
    assert flag_duplicates(places=[b]) == 1
    return a, b, DuplicateCandidate.objects.get(place_a=min(a, b, key=lambda p: p.pk))


def test_url_name():
    assert reverse("places:duplicates") == URL


def test_flagging_is_idempotent_and_respects_decisions(figeac):
    a, b, candidate = _pair(figeac)
    assert candidate.reason == DuplicateReason.NAME_NEARBY and 50 < candidate.distance_m < 60
    assert flag_duplicates(places=[a, b]) == 0
    candidate.status = DuplicateStatus.DISTINCT
    candidate.save()
    assert flag_duplicates(places=[a]) == 0


def test_only_coordinators_of_the_territory(client, figeac, mende, lot_mediator, lozere_coordinator):
    _a, _b, candidate = _pair(figeac)
    client.force_login(lot_mediator)
    assert client.get(URL).status_code == 403
    client.force_login(lozere_coordinator)
    assert "France Services" not in client.get(URL).content.decode()
    decide = reverse("places:duplicate_decide", args=[candidate.pk])
    assert client.post(decide, {"decision": "distinct"}).status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.PENDING


def test_merge_keeps_one_moves_people_and_audits(client, figeac, lot_coordinator, lot_mediator):
    a, b, candidate = _pair(figeac)
    mediator = MediatorFactory(places=[b])
    PlaceManager.objects.create(place=b, user=lot_mediator)
    client.force_login(lot_coordinator)
    html = client.get(URL).content.decode()
    assert "Fusionner en gardant la fiche A" in html and "<caption" in html
    response = client.post(reverse("places:duplicate_decide", args=[candidate.pk]), {"decision": "keep_a"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    b.refresh_from_db()
    assert candidate.status == DuplicateStatus.MERGED and candidate.decided_by == lot_coordinator
    assert b.is_published is False and b.merged_into == a
    assert list(mediator.places.all()) == [a]
    assert PlaceManager.objects.filter(place=a, user=lot_mediator).exists()
    assert AuditLog.objects.filter(object_type="places.DuplicateCandidate", action="transition").exists()
    # decided pairs leave the pending list and cannot be decided twice
    assert (
        client.post(
            reverse("places:duplicate_decide", args=[candidate.pk]), {"decision": "keep_b"}
        ).status_code
        == 404
    )
    assert "France services" in client.get(URL + "?statut=fusionnes").content.decode()


def test_mark_distinct(client, figeac, lot_coordinator):
    _a, _b, candidate = _pair(figeac)
    client.force_login(lot_coordinator)
    client.post(reverse("places:duplicate_decide", args=[candidate.pk]), {"decision": "distinct"})
    candidate.refresh_from_db()
    assert candidate.status == DuplicateStatus.DISTINCT


def test_duplicates_page_query_count(client, figeac, lot_coordinator, django_assert_max_num_queries):
    for i in range(6):
        a = PlaceFactory(commune=figeac, name=f"Lieu {i}")
        PlaceFactory(commune=figeac, name=f"Lieu {i}")
        flag_duplicates(places=[a])
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert response.content.decode().count("Fusionner en gardant la fiche A") == 6
