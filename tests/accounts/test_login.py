import pytest

pytestmark = pytest.mark.django_db


def test_a_professional_logs_in_with_email_and_sees_their_memberships(client, lot_coordinator):
    response = client.post(
        "/compte/connexion/",
        {"username": lot_coordinator.email, "password": "mot-de-passe-de-test-assez-long"},
    )
    assert response.status_code == 302
    page = client.get("/compte/").content.decode()
    assert "Lot Numérique" in page
    assert "Coordinateur" in page


def test_a_wrong_password_gets_a_french_message(client, lot_coordinator):
    response = client.post("/compte/connexion/", {"username": lot_coordinator.email, "password": "faux"})
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_workspace_requires_login(client):
    response = client.get("/compte/")
    assert response.status_code == 302
    assert "/compte/connexion/" in response["Location"]


def test_admin_is_for_superusers_only(client, lot_coordinator):
    client.force_login(lot_coordinator)
    assert client.get("/admin/").status_code == 302


def test_admin_opens_for_a_superuser_even_without_staff_flag(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@exemple.fr", password="x" * 20)
    admin.is_staff = False
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
