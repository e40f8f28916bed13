"""Duplicate candidates are bounded: places sharing a key form a star around the oldest, not a clique."""

from __future__ import annotations

import pytest

from maillage.places.models import DuplicateCandidate
from maillage.places.services.duplicates import flag_duplicates
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db


def test_sixty_places_with_one_siret_and_address_give_59_pairs_not_1770(figeac):
    places = [
        PlaceFactory(commune=figeac, pivot="21460102900017", address="2 RUE DU CHAMP", name=f"Lieu {i}")
        for i in range(60)
    ]
    assert flag_duplicates(places=places) == 59
    first = min(p.pk for p in places)
    pairs = set(DuplicateCandidate.objects.values_list("place_a_id", "place_b_id"))
    assert pairs == {(first, p.pk) for p in places if p.pk != first}  # every place is linked to the first
    assert flag_duplicates(places=places) == 0  # idempotent


def test_namesakes_nearby_are_bounded_too(figeac):
    places = [PlaceFactory(commune=figeac, name="Espace France Services") for _ in range(30)]
    assert flag_duplicates(places=places) == 29
