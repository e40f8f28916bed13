"""Factories for places and mediators (shared with the directory's tests)."""

from __future__ import annotations

import datetime as dt

import factory

from maillage.places.choices import AccessMode, Fee, NationalProgramme, Service, SupportMode
from maillage.places.models import Mediator, Place, PlaceManager
from tests.factories import UserFactory


class PlaceFactory(factory.django.DjangoModelFactory):
    """A published place. Pass ``commune=<Territory>`` to place it in a territory: the commune's name,
    INSEE code, first postcode and point are copied unless given."""

    class Meta:
        model = Place

    source = "Tests"
    source_id = factory.Sequence(lambda n: f"fabrique-{n}")
    pivot = factory.Sequence(lambda n: f"{21460000000000 + n:014d}")
    name = factory.Sequence(lambda n: f"Espace numérique {n}")
    address = factory.Sequence(lambda n: f"{n % 90 + 1} RUE DE LA RÉPUBLIQUE")
    commune = None
    commune_name = factory.LazyAttribute(lambda o: o.commune.name if o.commune else "Figeac")
    insee_code = factory.LazyAttribute(lambda o: o.commune.code if o.commune else "46102")
    postcode = factory.LazyAttribute(
        lambda o: o.commune.postcodes[0] if o.commune and o.commune.postcodes else "46100"
    )
    latitude = factory.LazyAttribute(lambda o: o.commune.latitude if o.commune else 44.6086)
    longitude = factory.LazyAttribute(lambda o: o.commune.longitude if o.commune else 2.0317)
    phone = "+33565000000"
    emails = factory.LazyAttribute(lambda o: [f"contact{o.source_id}@exemple.fr"])
    opening_hours = "Mo-Fr 09:00-12:00,14:00-17:00"
    data_updated_on = factory.LazyFunction(lambda: dt.date(2026, 1, 15))
    services = factory.LazyFunction(
        lambda: [Service.ADMINISTRATIVE_PROCEDURES.value, Service.EVERYDAY_TOOLS.value]
    )
    fees = factory.LazyFunction(lambda: [Fee.FREE.value])
    access_modes = factory.LazyFunction(lambda: [AccessMode.WALK_IN.value, AccessMode.PHONE.value])
    support_modes = factory.LazyFunction(lambda: [SupportMode.INDIVIDUAL.value])
    national_programmes = factory.LazyFunction(lambda: [NationalProgramme.DIGITAL_ADVISERS.value])
    is_published = True


class MediatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mediator
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"mediateur{n}@exemple.fr")
    phone = "+33565000001"
    kind = "conseiller_numerique"

    @factory.post_generation
    def places(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            self.places.add(*extracted)


class PlaceManagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlaceManager

    place = factory.SubFactory(PlaceFactory)
    user = factory.SubFactory(UserFactory)
