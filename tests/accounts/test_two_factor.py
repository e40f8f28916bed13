"""Two-factor authentication, with the enforcement setting on (it is off in the rest of the suite)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.django_db]

PASSWORD = "mot-de-passe-de-test-assez-long"


@pytest.fixture(autouse=True)
def _enforced(settings):  # noqa: PT004
    settings.TWO_FACTOR_REQUIRED = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _login(client, user):
    response = client.post("/compte/connexion/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_coordinator_enrols_on_first_login_and_sees_recovery_codes_once(client, lot_coordinator):
    _login(client, lot_coordinator)
    response = client.get("/compte/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/double-authentification/")
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and 'role="img"' in page  # QR code drawn server-side, inline
    device = TOTPDevice.objects.get(user=lot_coordinator, confirmed=False)

    wrong = client.post(
        "/compte/double-authentification/", {"code": "000000" if _code(device) != "000000" else "111111"}
    )
    assert "Code incorrect" in wrong.content.decode()
    response = client.post("/compte/double-authentification/", {"code": _code(device), "next": "/compte/"})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    codes = list(StaticToken.objects.filter(device__user=lot_coordinator).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    assert client.get("/compte/double-authentification/codes/").status_code == 302  # shown once
    assert client.get("/compte/").status_code == 200


def _enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Application", confirmed=True)
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    static.token_set.create(token="1234567890")
    return device


def test_the_second_step_is_required_on_every_login_and_locks_after_five_wrong_codes(client, lot_mediator):
    device = _enrolled(lot_mediator)
    _login(client, lot_mediator)
    assert client.get("/activites/").status_code == 302
    good = _code(device)
    bad = "000000" if good != "000000" else "111111"
    for _ in range(5):
        response = client.post("/compte/double-authentification/", {"code": bad})
        assert response.status_code == 200
    response = client.post("/compte/double-authentification/", {"code": good})
    assert response.status_code == 429
    assert client.get("/compte/").status_code == 302  # still not through


def test_a_good_code_lets_in_and_a_recovery_code_works_once(client, lot_prescriber):
    device = _enrolled(lot_prescriber)
    _login(client, lot_prescriber)
    response = client.post("/compte/double-authentification/", {"code": _code(device), "next": "/compte/"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/"
    assert client.get("/compte/").status_code == 200
    client.post("/compte/deconnexion/")

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        _login(client, lot_prescriber)
        response = client.post("/compte/double-authentification/", {"code": "12345 67890"})
        assert response.status_code == 302
        assert client.get("/compte/").status_code == 200
        client.post("/compte/deconnexion/")
        _login(client, lot_prescriber)
        response = client.post("/compte/double-authentification/", {"code": "1234567890"})
        assert "Code incorrect" in response.content.decode()


def test_the_admin_needs_the_second_step_too(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@exemple.fr", password=PASSWORD)
    client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/double-authentification/")


def test_roles_without_beneficiary_data_are_not_asked(client, lot_viewer):
    _login(client, lot_viewer)
    assert client.get("/compte/").status_code == 200


def test_with_the_setting_off_nobody_is_asked(client, lot_coordinator, settings):
    settings.TWO_FACTOR_REQUIRED = False
    _login(client, lot_coordinator)
    assert client.get("/compte/").status_code == 200


def test_production_defaults_require_it():
    import importlib
    import os

    import config.settings as production

    saved = {k: os.environ.get(k) for k in ("DEBUG", "DEMO_MODE", "TWO_FACTOR_REQUIRED")}
    try:
        for key in saved:
            os.environ.pop(key, None)
        importlib.reload(production)
        assert production.TWO_FACTOR_REQUIRED is True
        os.environ["DEMO_MODE"] = "1"
        importlib.reload(production)
        assert production.TWO_FACTOR_REQUIRED is False
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        importlib.reload(production)
