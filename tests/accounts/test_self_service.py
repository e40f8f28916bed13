"""« Mot de passe oublié », the account page (e-mail change, sessions, leaving) and audited changes."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from maillage.core.models import AuditLog

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-de-test-assez-long"
NEW_PASSWORD = "une toute nouvelle phrase de passe"


def _reset(client, email, capture):
    with capture(execute=True):
        return client.post("/compte/mot-de-passe-oublie/", {"email": email})


def test_a_forgotten_password_is_reset_from_the_email(
    client, lot_mediator, django_capture_on_commit_callbacks
):
    response = _reset(client, f"  {lot_mediator.email.upper()}", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Maillage : choisir un nouveau mot de passe"
    assert "Bonjour" in message.body
    link = re.search(r"/compte/reinitialiser/[^\s]+/", message.body).group(0)
    page = client.get(link, follow=True)
    assert "Choisissez un nouveau mot de passe" in page.content.decode()
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    lot_mediator.refresh_from_db()
    assert lot_mediator.check_password(NEW_PASSWORD)
    # The link served once.
    assert "plus valable" in client.get(link, follow=True).content.decode()


def test_reset_does_not_tell_whether_an_account_exists(
    client, lot_mediator, django_capture_on_commit_callbacks
):
    known = _reset(client, lot_mediator.email, django_capture_on_commit_callbacks)
    unknown = _reset(client, "personne@inconnu.fr", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


def test_reset_requests_are_throttled_per_address(client, lot_mediator, django_capture_on_commit_callbacks):
    for variant in [lot_mediator.email, lot_mediator.email.upper(), f" {lot_mediator.email}"] * 3:
        _reset(client, variant, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5


def test_forged_reset_links_are_throttled(client):
    for _ in range(20):
        assert "plus valable" in client.get("/compte/reinitialiser/MQ/faux-jeton/").content.decode()
    assert client.get("/compte/reinitialiser/MQ/faux-jeton/").status_code == 429


def test_email_change_needs_the_new_address_confirmation(
    client, lot_mediator, django_capture_on_commit_callbacks
):
    old = lot_mediator.email
    client.force_login(lot_mediator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/compte/mon-compte/", {"email": "1", "new_email": "Nouvelle@Exemple.fr", "password": PASSWORD}
        )
    assert response.status_code == 302
    lot_mediator.refresh_from_db()
    assert lot_mediator.email == old  # not yet
    link = re.search(r"/compte/mon-compte/adresse/[^\s]+/", mail.outbox[0].body).group(0)
    assert mail.outbox[0].to == ["nouvelle@exemple.fr"]
    assert client.get(link).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    lot_mediator.refresh_from_db()
    assert lot_mediator.email == "nouvelle@exemple.fr"
    assert mail.outbox[-1].to == [old]  # the old address is told
    assert AuditLog.objects.filter(
        object_type="accounts.User", object_id=str(lot_mediator.pk), message="Adresse e-mail modifiée."
    ).exists()
    assert client.post(link).status_code == 400  # used: the old address no longer matches


def test_email_change_refuses_a_wrong_password_and_a_taken_address(client, lot_mediator, lot_coordinator):
    client.force_login(lot_mediator)
    page = client.post(
        "/compte/mon-compte/", {"email": "1", "new_email": "x@exemple.fr", "password": "faux"}
    ).content.decode()
    assert "Mot de passe incorrect" in page
    page = client.post(
        "/compte/mon-compte/",
        {"email": "1", "new_email": lot_coordinator.email.upper(), "password": PASSWORD},
    ).content.decode()
    assert "déjà utilisée" in page


def test_other_sessions_are_closed(lot_mediator):
    laptop, phone = Client(), Client()
    laptop.force_login(lot_mediator)
    phone.force_login(lot_mediator)
    assert phone.get("/compte/").status_code == 200
    laptop.post("/compte/mon-compte/", {"sessions": "1"})
    assert laptop.get("/compte/").status_code == 200
    assert phone.get("/compte/").status_code == 302


def test_leaving_an_organisation(client, lot_mediator):
    membership = lot_mediator.memberships.get()
    client.force_login(lot_mediator)
    client.post(f"/compte/mon-compte/quitter/{membership.pk}/")
    membership.refresh_from_db()
    assert not membership.is_active


def test_nobody_leaves_for_someone_else(client, lot_mediator, lot_coordinator):
    membership = lot_coordinator.memberships.get()
    client.force_login(lot_mediator)
    assert client.post(f"/compte/mon-compte/quitter/{membership.pk}/").status_code == 404
    membership.refresh_from_db()
    assert membership.is_active


def test_profile_change_is_audited(client, lot_mediator):
    client.force_login(lot_mediator)
    client.post(
        "/compte/mon-compte/",
        {"profil": "1", "first_name": "Inès", "last_name": "Vidal", "phone": "0565000000"},
    )
    lot_mediator.refresh_from_db()
    assert lot_mediator.first_name == "Inès"
    entry = AuditLog.objects.get(object_type="accounts.User", message="Profil modifié.")
    assert entry.changes["phone"] == "•••"


def test_emails_are_unique_whatever_the_case(django_user_model):
    from django.db import IntegrityError, transaction

    user = django_user_model.objects.create_user(email="Casse@Exemple.fr", password=PASSWORD)
    assert user.email == "casse@exemple.fr"
    django_user_model.objects.filter(pk=user.pk).update(email="CASSE@exemple.fr")  # bypassing save()
    with pytest.raises(IntegrityError), transaction.atomic():
        django_user_model.objects.bulk_create([django_user_model(email="casse@EXEMPLE.fr", username="autre")])
