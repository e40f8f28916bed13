"""factory_boy factories shared by every app's tests (each app may add its own in tests/<app>/)."""

from __future__ import annotations

import factory

from maillage.accounts.models import Membership, Organisation, User
from maillage.territories.models import Territory, TerritoryKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("mot-de-passe-de-test-assez-long")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Structure {n}")
    kind = "association"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "mediator"


def make_region(code: str = "76", name: str = "Occitanie") -> Territory:
    region, _ = Territory.objects.get_or_create(kind=TerritoryKind.REGION, code=code, defaults={"name": name})
    return region


def make_department(code: str, name: str, region: Territory | None = None) -> Territory:
    region = region or make_region()
    department, _ = Territory.objects.get_or_create(
        kind=TerritoryKind.DEPARTMENT,
        code=code,
        defaults={"name": name, "region": region, "search_name": name.lower()},
    )
    return department


def make_epci(code: str, name: str, department: Territory) -> Territory:
    epci, _ = Territory.objects.get_or_create(
        kind=TerritoryKind.EPCI,
        code=code,
        defaults={
            "name": name,
            "department": department,
            "region_id": department.region_id,
            "search_name": name.lower(),
        },
    )
    return epci


def make_commune(
    code: str,
    name: str,
    department: Territory,
    epci: Territory | None = None,
    *,
    postcodes: list[str] | None = None,
    lat: float | None = None,
    lon: float | None = None,
    population: int | None = 1000,
) -> Territory:
    commune, _ = Territory.objects.get_or_create(
        kind=TerritoryKind.COMMUNE,
        code=code,
        defaults={
            "name": name,
            "department": department,
            "epci": epci,
            "region_id": department.region_id,
            "postcodes": postcodes or [],
            "latitude": lat,
            "longitude": lon,
            "population": population,
            "search_name": name.lower(),
        },
    )
    return commune
