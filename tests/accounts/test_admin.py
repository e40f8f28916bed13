"""The Django admin keeps working for superusers, with autocomplete instead of 36 000 options."""

from __future__ import annotations

import pytest

from maillage.territories.models import Territory, TerritoryKind
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model, lot):
    admin = django_user_model.objects.create_superuser(email="root@exemple.fr", password="x" * 20)
    Territory.objects.bulk_create(
        [
            Territory(kind=TerritoryKind.COMMUNE, code=f"9{n:04d}", name=f"Commune {n}", department=lot)
            for n in range(600)
        ]
    )
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/organisation/add/",
        "/admin/accounts/user/add/",
        "/admin/accounts/membership/add/",
        "/admin/accounts/invitation/add/",
        "/admin/accounts/accessrequest/add/",
    ],
)
def test_admin_forms_ship_no_territory_list(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Commune 599" not in page
    assert page.count("<option") < 100


def test_admin_change_pages_open(admin_client, lot):
    organisation = OrganisationFactory(territory=lot)
    membership = MembershipFactory(organisation=organisation, territory=lot)
    assert admin_client.get(f"/admin/accounts/organisation/{organisation.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/accounts/user/{membership.user_id}/change/").status_code == 200
    assert admin_client.get(f"/admin/accounts/membership/{membership.pk}/change/").status_code == 200


def test_territory_autocomplete_answers(admin_client):
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "term": "Commune 59",
            "app_label": "accounts",
            "model_name": "organisation",
            "field_name": "territory",
        },
    )
    assert response.status_code == 200
    names = [r["text"] for r in response.json()["results"]]
    assert "Commune 59" in " ".join(names)
    assert len(names) <= 20
