from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from maillage.places.choices import Service
from maillage.places.models import Place
from tests.places.factories import MediatorFactory, PlaceFactory, PlaceManagerFactory

pytestmark = pytest.mark.django_db


def test_search_columns_follow_the_lists():
    place = PlaceFactory(name="Médiathèque d'Été", services=[Service.LEISURE.value])
    assert place.services_search == "|Loisirs et créations numériques|"
    assert place.normalized_name == "mediatheque d ete"
    place.services = [Service.LEISURE.value, Service.SAFE_USE.value]
    place.save(update_fields=["services"])
    place.refresh_from_db()
    assert place.services_search == "|Loisirs et créations numériques|Utilisation sécurisée du numérique|"


def test_filter_by_one_value_of_a_multi_valued_field():
    wanted = PlaceFactory(services=[Service.LEISURE.value, Service.SAFE_USE.value])
    PlaceFactory(services=[Service.ADMINISTRATIVE_PROCEDURES.value])
    assert list(Place.objects.with_value("services", Service.SAFE_USE.value)) == [wanted]


def test_source_and_source_id_are_unique_together():
    PlaceFactory(source="Hubik", source_id="1")
    PlaceFactory(source="Autre", source_id="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlaceFactory(source="Hubik", source_id="1")


def test_territory_scope_and_editors(figeac, mende, lot_coordinator, lot_mediator, lozere_coordinator):
    in_lot = PlaceFactory(commune=figeac)
    in_lozere = PlaceFactory(commune=mende)
    assert list(Place.objects.in_territory(figeac.department)) == [in_lot]
    assert list(Place.objects.editable_by(lot_coordinator)) == [in_lot]
    assert list(Place.objects.editable_by(lozere_coordinator)) == [in_lozere]
    assert list(Place.objects.editable_by(lot_mediator)) == []
    PlaceManagerFactory(place=in_lot, user=lot_mediator)
    assert list(Place.objects.editable_by(lot_mediator)) == [in_lot]
    mediator = MediatorFactory(places=[in_lozere])
    assert list(in_lozere.mediators.all()) == [mediator]
