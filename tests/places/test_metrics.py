"""Directory figures feed roadmap indicators through the metrics registry."""

import datetime as dt

import pytest

from maillage.core.metrics import compute_metric
from maillage.places.choices import NationalProgramme
from tests.places.factories import MediatorFactory, PlaceFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def test_places_are_counted_inside_the_territory_only(lot, figeac, figeac_epci, mende, lozere):
    PlaceFactory(commune=figeac, national_programmes=[NationalProgramme.FRANCE_SERVICES.value])
    PlaceFactory(commune=figeac)
    PlaceFactory(commune=figeac, is_published=False)
    PlaceFactory(commune=mende)
    assert compute_metric("places.count", lot, START, END) == 2
    assert compute_metric("places.count", figeac_epci, START, END) == 2
    assert compute_metric("places.count", lozere, START, END) == 1
    assert compute_metric("places.france_services", lot, START, END) == 1


def test_places_created_after_the_period_are_not_counted(lot, figeac):
    PlaceFactory(commune=figeac)
    assert compute_metric("places.count", lot, START, dt.date(2020, 1, 1)) == 0


def test_mediators_are_counted_once_with_their_habilitations(lot, figeac, mende):
    place_a, place_b = PlaceFactory(commune=figeac), PlaceFactory(commune=figeac)
    in_two_places = MediatorFactory(aidants_connect_habilitated=True)
    in_two_places.places.set([place_a, place_b])
    MediatorFactory().places.set([place_a])
    MediatorFactory(is_active=False).places.set([place_a])
    MediatorFactory().places.set([PlaceFactory(commune=mende)])
    assert compute_metric("places.mediators", lot, START, END) == 2
    assert compute_metric("places.aidants_connect", lot, START, END) == 1
