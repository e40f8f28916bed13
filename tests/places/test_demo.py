"""Demo places: realistic shape, deterministic, idempotent, linked to the demo mediator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.places import demo
from maillage.places.models import Mediator, Place, PlaceManager
from maillage.places.opening_hours import safe_parse
from maillage.places.selectors import stale_places
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, make_commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(lot, figeac, cahors):
    for index in range(10):
        make_commune(
            f"461{index:02d}",
            f"Village {index}",
            lot,
            postcodes=[f"461{index:02d}"],
            lat=44.5 + index / 100,
            lon=1.7,
            population=100 + index * 50,
        )
    mediator = UserFactory(email="mediation@demo.maillage.fr", first_name="Inès", last_name="Vidal")
    coordinator = UserFactory(email="coordination@demo.maillage.fr")
    organisation = OrganisationFactory(name="Lot Numérique (démo)", territory=lot)
    MembershipFactory(user=coordinator, organisation=organisation, territory=lot, role="coordinator")
    return DemoContext(
        department=lot,
        users={"mediator": mediator, "coordinator": coordinator},
        organisations={"coordination": organisation},
    )


def test_seed_shape(ctx) -> None:
    demo.seed(ctx)
    places = Place.objects.filter(source="demo")
    assert places.count() == demo.PLACE_COUNT
    assert len(ctx.places) == demo.PLACE_COUNT
    assert Mediator.objects.count() == demo.MEDIATOR_COUNT + 1
    assert places.with_value("national_programmes", "France Services").exists()
    assert places.with_value("national_programmes", "Conseillers numériques").exists()
    assert places.with_value("national_programmes", "Aidants Connect").exists()
    assert places.with_value("mobility", "Itinérant").count() == 1
    for place in places:
        assert place.commune is not None and place.commune.department_id == ctx.department.pk
        assert abs(place.latitude - place.commune.latitude) < 0.01
        assert safe_parse(place.opening_hours) is not None
        assert place.phone.startswith("+3353649")  # ARCEP fiction range
        assert all(email.endswith("@demo.maillage.fr") for email in place.emails)
    # bigger communes get more places
    assert places.filter(commune__name="Cahors").count() + places.filter(commune__name="Figeac").count() > 0
    # some places wait for a check
    assert stale_places(ctx.users["coordinator"]).count() >= 10
    recent = timezone.now() - timedelta(days=183)
    assert places.filter(verified_at__gte=recent).exists()
    # the demo mediator manages and works in places
    assert PlaceManager.objects.filter(user=ctx.users["mediator"]).count() == 3
    assert Place.objects.editable_by(ctx.users["mediator"]).count() >= 3


def test_seed_is_idempotent_and_deterministic(ctx) -> None:
    demo.seed(ctx)
    first = list(
        Place.objects.filter(source="demo")
        .order_by("source_id")
        .values_list("source_id", "name", "opening_hours")
    )
    links = Mediator.places.through.objects.count()
    demo.seed(ctx)
    second = list(
        Place.objects.filter(source="demo")
        .order_by("source_id")
        .values_list("source_id", "name", "opening_hours")
    )
    assert first == second
    assert Mediator.places.through.objects.count() == links
    assert Mediator.objects.count() == demo.MEDIATOR_COUNT + 1


def test_seed_without_communes_does_nothing(lozere) -> None:
    ctx = DemoContext(department=lozere)
    demo.seed(ctx)
    assert not Place.objects.exists()
