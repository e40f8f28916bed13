"""Team pages: members, roles, deactivation, organisations and place managers, all scoped and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.accounts.models import Membership, Organisation
from maillage.core.models import AuditLog
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM_URLS = [
    "/compte/equipe/",
    "/compte/equipe/inviter/",
    "/compte/equipe/invitations/",
    "/compte/equipe/demandes/",
    "/compte/equipe/structures/",
    "/compte/equipe/structures/nouvelle/",
]


@pytest.mark.parametrize("url", TEAM_URLS)
def test_team_pages_are_for_coordinators(client, lot_mediator, lot_coordinator, url):
    client.force_login(lot_mediator)
    assert client.get(url).status_code == 404
    client.force_login(lot_coordinator)
    assert client.get(url).status_code == 200


def test_members_list_shows_never_and_dormant_and_is_scoped(
    client, lot, lozere, lot_coordinator, lozere_mediator
):
    org = OrganisationFactory(territory=lot)
    never = UserFactory(last_name="Zerolog")
    dormant = UserFactory(last_name="Dormant", last_login=timezone.now() - timedelta(days=200))
    recent = UserFactory(last_name="Recent", last_login=timezone.now() - timedelta(days=3))
    for user in (never, dormant, recent):
        MembershipFactory(user=user, organisation=org, territory=lot)
    client.force_login(lot_coordinator)
    page = client.get("/compte/equipe/").content.decode()
    assert "Zerolog" in page and "Dormant" in page and "Recent" in page
    assert lozere_mediator.email not in page
    never_page = client.get("/compte/equipe/?statut=never").content.decode()
    assert "Zerolog" in never_page and "Dormant" not in never_page and "Recent" not in never_page
    dormant_page = client.get("/compte/equipe/?statut=dormant").content.decode()
    assert "Dormant" in dormant_page and "Zerolog" not in dormant_page and "Recent" not in dormant_page


def test_members_list_query_count_does_not_grow(client, lot, lot_coordinator, django_assert_max_num_queries):
    org = OrganisationFactory(territory=lot)
    for _ in range(60):
        MembershipFactory(organisation=org, territory=lot)
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(12):
        response = client.get("/compte/equipe/?page=2")
    assert response.status_code == 200


def test_change_role_and_deactivate_are_audited_and_cut_access(client, lot, lot_coordinator, lot_mediator):
    membership = lot_mediator.memberships.get()
    client.force_login(lot_coordinator)
    client.post(f"/compte/equipe/habilitations/{membership.pk}/", {"role": "prescriber"})
    membership.refresh_from_db()
    assert membership.role == "prescriber"
    client.post(f"/compte/equipe/habilitations/{membership.pk}/", {"desactiver": "1"})
    membership.refresh_from_db()
    assert not membership.is_active
    actions = list(
        AuditLog.objects.filter(object_type="accounts.Membership", object_id=str(membership.pk)).values_list(
            "message", flat=True
        )
    )
    assert "Rôle modifié." in actions and "Habilitation désactivée." in actions
    client.force_login(lot_mediator)
    assert client.get("/compte/").content.decode().count("Aucune habilitation active") == 1


def test_a_coordinator_cannot_lock_themself_out(client, lot_coordinator):
    membership = lot_coordinator.memberships.get()
    client.force_login(lot_coordinator)
    response = client.post(f"/compte/equipe/habilitations/{membership.pk}/", {"desactiver": "1"})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.is_active


def test_other_territories_answer_404(client, lot_coordinator, lozere_mediator, lozere):
    membership = lozere_mediator.memberships.get()
    org = Organisation.objects.get(pk=membership.organisation_id)
    client.force_login(lot_coordinator)
    assert client.get(f"/compte/equipe/habilitations/{membership.pk}/").status_code == 404
    assert (
        client.post(f"/compte/equipe/habilitations/{membership.pk}/", {"desactiver": "1"}).status_code == 404
    )
    assert client.get(f"/compte/equipe/structures/{org.pk}/").status_code == 404
    membership.refresh_from_db()
    assert membership.is_active


def test_an_epci_coordinator_cannot_make_a_departement_coordinator(client, lot, figeac_epci, lot_mediator):
    coordinator = UserFactory()
    org = OrganisationFactory(territory=figeac_epci)
    Membership.objects.create(user=coordinator, organisation=org, territory=figeac_epci, role="coordinator")
    client.force_login(coordinator)
    membership = lot_mediator.memberships.get()  # on the département: above the EPCI
    assert (
        client.post(f"/compte/equipe/habilitations/{membership.pk}/", {"role": "coordinator"}).status_code
        == 404
    )
    membership.refresh_from_db()
    assert membership.role == "mediator"


def test_organisations_create_edit_siret_and_place_managers(client, lot, figeac, lot_coordinator):
    from maillage.places.models import PlaceManager
    from tests.places.factories import PlaceFactory

    client.force_login(lot_coordinator)
    response = client.post(
        "/compte/equipe/structures/nouvelle/",
        {"enregistrer": "1", "name": "CCAS de Figeac", "kind": "social", "siret": "123", "territory": lot.pk},
    )
    assert "SIRET n&#x27;est pas valide" in response.content.decode()
    response = client.post(
        "/compte/equipe/structures/nouvelle/",
        {
            "enregistrer": "1",
            "name": "CCAS de Figeac",
            "kind": "social",
            "siret": "732 829 320 00074",
            "territory": lot.pk,
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="CCAS de Figeac")
    assert org.siret == "73282932000074"
    assert AuditLog.objects.filter(
        object_type="accounts.Organisation", object_id=str(org.pk), action="create"
    ).exists()

    member = UserFactory(first_name="Gérante")
    MembershipFactory(user=member, organisation=org, territory=lot, role="action_lead")
    outsider = UserFactory()
    place = PlaceFactory(name="Espace numérique du CCAS", commune=figeac, organisation=org)
    page = client.get(f"/compte/equipe/structures/{org.pk}/").content.decode()
    assert "Espace numérique du CCAS" in page and "Gérante" in page
    client.post(
        f"/compte/equipe/structures/{org.pk}/",
        {"gestionnaires": "1", "place": place.pk, "managers": [member.pk]},
    )
    assert list(PlaceManager.objects.filter(place=place).values_list("user_id", flat=True)) == [member.pk]
    client.post(
        f"/compte/equipe/structures/{org.pk}/",
        {"gestionnaires": "1", "place": place.pk, "managers": [outsider.pk]},
    )
    assert list(PlaceManager.objects.filter(place=place).values_list("user_id", flat=True)) == [member.pk]
    client.post(f"/compte/equipe/structures/{org.pk}/", {"gestionnaires": "1", "place": place.pk})
    assert not PlaceManager.objects.filter(place=place).exists()


def test_organisation_territory_choices_are_only_the_coordinators(
    client, lot, lozere, figeac_epci, lot_coordinator
):
    client.force_login(lot_coordinator)
    page = client.get("/compte/equipe/structures/nouvelle/").content.decode()
    assert "CC du Grand Figeac" in page
    assert "Lozère" not in page
    response = client.post(
        "/compte/equipe/structures/nouvelle/",
        {"enregistrer": "1", "name": "Intrus", "kind": "autre", "territory": lozere.pk},
    )
    assert response.status_code == 200
    assert not Organisation.objects.filter(name="Intrus").exists()
