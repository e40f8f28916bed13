"""A coordinator invites from the app; the link is signed, single-use, expiring; bad links change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from maillage.accounts.models import AccessRequest, Invitation, Membership, User
from maillage.core.models import AuditLog
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une phrase de passe assez longue"


@pytest.fixture
def mediation(lot):
    return OrganisationFactory(name="Association Clic & Lien", territory=lot)


def _invite(client, coordinator, organisation, territory, emails, role="mediator", capture=None):
    client.force_login(coordinator)
    return client.post(
        "/compte/equipe/inviter/",
        {"emails": emails, "organisation": organisation.pk, "territory": territory.pk, "role": role},
    )


def _link(message) -> str:
    match = re.search(r"http://[^\s]+/compte/invitation/[^\s]+/", message.body)
    assert match, message.body
    return match.group(0).split("testserver", 1)[-1].replace("http://127.0.0.1:8000", "")


def test_a_coordinator_invites_a_mediator_who_accepts_and_lands_home(
    client, lot, lot_coordinator, mediation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, lot_coordinator, mediation, lot, "Ines.Vidal@Exemple.fr")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ines.vidal@exemple.fr"]
    assert "Association Clic & Lien" in mail.outbox[0].subject
    link = _link(mail.outbox[0])
    client.logout()

    page = client.get(link)
    assert page.status_code == 200
    assert "Association Clic &amp; Lien" in page.content.decode()
    response = client.post(
        link,
        {
            "first_name": "Inès",
            "last_name": "Vidal",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/compte/"
    user = User.objects.get(email="ines.vidal@exemple.fr")
    assert user.terms_accepted_at is not None
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(
        user=user, organisation=mediation, territory=lot, role="mediator", is_active=True
    ).exists()
    assert "Association Clic" in client.get("/compte/").content.decode()
    # Single use: the same link now explains and changes nothing.
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "déjà été acceptée" in again.content.decode()
    assert AuditLog.objects.filter(object_type="accounts.Invitation", action="create").exists()


def test_the_terms_must_be_accepted_and_the_password_strong(
    client, lot, lot_coordinator, mediation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, lot_coordinator, mediation, lot, "nouvelle@exemple.fr")
    link = _link(mail.outbox[0])
    client.logout()
    response = client.post(
        link, {"first_name": "A", "last_name": "B", "password1": "court", "password2": "court"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Acceptez les conditions" in page
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()


def test_expired_tampered_and_revoked_links_change_nothing(
    client, lot, lot_coordinator, mediation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, lot_coordinator, mediation, lot, "tardif@exemple.fr")
    link = _link(mail.outbox[0])
    client.logout()
    data = {
        "first_name": "T",
        "last_name": "D",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "accept_terms": "on",
    }

    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    response = client.post(tampered, data)
    assert response.status_code == 404
    assert "n'est pas valide" in response.content.decode()

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(link, data)
    assert response.status_code == 410
    assert "a expiré" in response.content.decode()
    assert "renvoyer" in response.content.decode()
    assert not User.objects.filter(email="tardif@exemple.fr").exists()

    invitation = Invitation.objects.get(email="tardif@exemple.fr")
    client.force_login(lot_coordinator)
    client.post(f"/compte/equipe/invitations/{invitation.pk}/revoquer/")
    client.logout()
    response = client.post(link, data)
    assert response.status_code == 410
    assert "annulé" in response.content.decode()
    assert not User.objects.filter(email="tardif@exemple.fr").exists()


def test_resending_kills_the_old_link(
    client, lot, lot_coordinator, mediation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, lot_coordinator, mediation, lot, "relance@exemple.fr")
    old = _link(mail.outbox[0])
    invitation = Invitation.objects.get(email="relance@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/compte/equipe/invitations/{invitation.pk}/renvoyer/")
    new = _link(mail.outbox[1])
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_inviting_twice_or_a_member_makes_no_duplicate(
    client, lot, lot_coordinator, lot_mediator, mediation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, lot_coordinator, mediation, lot, "double@exemple.fr\nDOUBLE@exemple.fr")
        _invite(client, lot_coordinator, mediation, lot, " double@exemple.fr ")
    assert Invitation.objects.filter(email="double@exemple.fr").count() == 1
    assert Invitation.objects.get(email="double@exemple.fr").send_count == 2

    # An existing account gets the membership at once, once.
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, lot_coordinator, mediation, lot, lot_mediator.email.upper())
        _invite(client, lot_coordinator, mediation, lot, lot_mediator.email)
    assert Membership.objects.filter(user=lot_mediator, organisation=mediation).count() == 1
    assert not Invitation.objects.filter(email=lot_mediator.email).exists()


def test_a_lozere_coordinator_cannot_invite_onto_the_lot(
    client, lot, lozere, lozere_coordinator, mediation, figeac_epci
):
    response = _invite(client, lozere_coordinator, mediation, lot, "intrus@exemple.fr")
    assert response.status_code == 200  # the Lot is not among the choices: form error, nothing sent
    assert not Invitation.objects.exists()
    lozere_org = OrganisationFactory(territory=lozere)
    response = _invite(client, lozere_coordinator, lozere_org, figeac_epci, "intrus@exemple.fr")
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_epci_coordinator_cannot_grant_on_the_departement(client, lot, figeac_epci):
    epci_coordinator = UserFactory()
    org = OrganisationFactory(territory=figeac_epci)
    Membership.objects.create(
        user=epci_coordinator, organisation=org, territory=figeac_epci, role="coordinator"
    )
    response = _invite(client, epci_coordinator, org, lot, "x@exemple.fr", role="coordinator")
    assert response.status_code == 200
    assert not Invitation.objects.exists()
    response = _invite(client, epci_coordinator, org, figeac_epci, "x@exemple.fr", role="mediator")
    assert response.status_code == 302
    assert Invitation.objects.get().territory == figeac_epci


def test_a_csv_with_one_bad_line_invites_nobody(client, lot, lot_coordinator, mediation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(lot_coordinator)
    content = (
        "email;prenom;nom\nune@exemple.fr;Une;Personne\npas-une-adresse;Deux;Personne\n\ntrois@exemple.fr;;\n"
    )
    response = client.post(
        "/compte/equipe/inviter/",
        {
            "csv_file": SimpleUploadedFile("equipe.csv", content.encode("utf-8-sig"), "text/csv"),
            "organisation": mediation.pk,
            "territory": lot.pk,
            "role": "prescriber",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ligne 3, colonne email" in page
    assert not Invitation.objects.exists()

    good = "email,prenom,nom\nune@exemple.fr,Une,Personne\ntrois@exemple.fr,,\n"
    response = client.post(
        "/compte/equipe/inviter/",
        {
            "csv_file": SimpleUploadedFile("equipe.csv", good.encode(), "text/csv"),
            "organisation": mediation.pk,
            "territory": lot.pk,
            "role": "prescriber",
        },
    )
    assert response.status_code == 302
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "trois@exemple.fr",
        "une@exemple.fr",
    ]
    assert Invitation.objects.get(email="une@exemple.fr").first_name == "Une"


def test_a_csv_in_latin1_gets_a_french_message(client, lot, lot_coordinator, mediation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(lot_coordinator)
    response = client.post(
        "/compte/equipe/inviter/",
        {
            "csv_file": SimpleUploadedFile(
                "e.csv", "email;prénom\né@exemple.fr;Zoé\n".encode("latin-1"), "text/csv"
            ),
            "organisation": mediation.pk,
            "territory": lot.pk,
            "role": "mediator",
        },
    )
    assert "UTF-8" in response.content.decode()


def test_an_existing_account_accepts_by_logging_in(client, lot, lot_coordinator, lot_mediator, mediation):
    from maillage.accounts.invitations import invitation_token

    invitation = Invitation.objects.create(
        email=lot_mediator.email,
        organisation=mediation,
        territory=lot,
        role="prescriber",
        nonce="n" * 20,
        expires_at=timezone.now() + timedelta(days=7),
    )
    link = f"/compte/invitation/{invitation_token(invitation)}/"
    page = client.get(link)
    assert "déjà un compte" in page.content.decode()
    client.force_login(lot_mediator)
    response = client.post(link, {"accept_terms": "on"})
    assert response.status_code == 302
    assert Membership.objects.filter(user=lot_mediator, organisation=mediation, role="prescriber").exists()
    # Someone else logged in cannot take it.
    invitation2 = Invitation.objects.create(
        email=lot_mediator.email,
        organisation=mediation,
        territory=lot,
        role="viewer",
        nonce="m" * 20,
        expires_at=timezone.now() + timedelta(days=7),
    )
    client.force_login(lot_coordinator)
    client.post(f"/compte/invitation/{invitation_token(invitation2)}/", {"accept_terms": "on"})
    assert not Membership.objects.filter(role="viewer").exists()


def test_forged_invitation_links_are_throttled(client):
    for n in range(20):
        assert client.get(f"/compte/invitation/faux{n}/").status_code == 404
    assert client.get("/compte/invitation/faux/").status_code == 429


def test_a_stranger_asks_for_access_and_is_approved(
    client, lot, lot_coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/compte/demander-un-acces/",
            {
                "first_name": "Karim",
                "last_name": "Benali",
                "email": "Karim@CCAS-Figeac.fr",
                "organisation_name": "CCAS de Figeac",
                "organisation_siret": "",
                "territory": lot.pk,
                "role": "prescriber",
                "message": "Travailleur social au CCAS.",
            },
        )
    assert response.status_code == 200
    assert "Demande envoyée" in response.content.decode()
    assert [m.to for m in mail.outbox] == [[lot_coordinator.email]]
    request = AccessRequest.objects.get()
    client.force_login(lot_coordinator)
    assert "Karim" in client.get("/compte/equipe/demandes/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/compte/equipe/demandes/{request.pk}/",
            {"accepter": "1", "organisation": "", "territory": lot.pk, "role": "prescriber"},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    invitation = Invitation.objects.get(email="karim@ccas-figeac.fr")
    assert invitation.organisation.name == "CCAS de Figeac"
    assert mail.outbox[-1].to == ["karim@ccas-figeac.fr"]


def test_a_declined_request_is_told(
    client, lot, lot_coordinator, lozere_coordinator, django_capture_on_commit_callbacks
):
    request = AccessRequest.objects.create(
        email="x@exemple.fr",
        first_name="X",
        last_name="Y",
        organisation_name="Z",
        territory=lot,
        role="mediator",
    )
    client.force_login(lozere_coordinator)
    assert client.get(f"/compte/equipe/demandes/{request.pk}/").status_code == 404
    client.force_login(lot_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/compte/equipe/demandes/{request.pk}/", {"refuser": "1", "reason": "Hors territoire."})
    request.refresh_from_db()
    assert request.status == "declined"
    assert "Hors territoire." in mail.outbox[-1].body
