"""One throttle for every way in, keyed on the normalised e-mail and the real client IP, failures only."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory, override_settings

from maillage.accounts import throttle

pytestmark = pytest.mark.django_db

PASSWORD = "mot-de-passe-de-test-assez-long"
DATABASE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "maillage_throttle_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000_000},
    },
}


def _login(client, email, password="faux", url="/compte/connexion/"):  # noqa: S107
    return client.post(url, {"username": email, "password": password})


def test_padded_and_upper_case_variants_share_one_counter(client, lot_coordinator):
    email = lot_coordinator.email
    variants = [f"  {email}  ", email.upper(), f"\t{email.title()}", email, f" {email.upper()}"]
    for variant in variants:
        assert _login(client, variant).status_code == 200
    response = _login(client, email, PASSWORD)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_throttled_with_the_site_login(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@exemple.fr", password=PASSWORD)
    for _ in range(5):
        response = _login(client, " ROOT@exemple.fr", url="/admin/login/")
        assert response.status_code == 200
    response = _login(client, admin.email, PASSWORD, url="/admin/login/")
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert _login(client, admin.email, PASSWORD).status_code == 429  # no fresh tries on the site either


def test_admin_login_works_and_is_case_insensitive(client, django_user_model):
    django_user_model.objects.create_superuser(email="root@exemple.fr", password=PASSWORD)
    response = _login(client, " Root@Exemple.FR ", PASSWORD, url="/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_refuses_a_professional(client, lot_coordinator):
    response = _login(client, lot_coordinator.email, PASSWORD, url="/admin/login/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_is_case_insensitive(client, lot_coordinator):
    response = _login(client, f"  {lot_coordinator.email.upper()} ", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(lot_coordinator.pk)


def test_successful_logins_are_not_counted(client, lot_coordinator):
    for _ in range(8):
        assert _login(client, lot_coordinator.email, PASSWORD).status_code == 302
        client.post("/compte/deconnexion/")
    for _ in range(4):
        assert _login(client, lot_coordinator.email).status_code == 200
    assert _login(client, lot_coordinator.email, PASSWORD).status_code == 302


def test_one_address_is_limited_across_accounts(client, lot_coordinator):
    for n in range(30):
        assert _login(client, f"inconnu{n}@exemple.fr").status_code == 200
    assert _login(client, lot_coordinator.email, PASSWORD).status_code == 429


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_each_client_has_its_own_counter(client, lot_coordinator):
    for n in range(30):
        client.post(
            "/compte/connexion/",
            {"username": f"inconnu{n}@exemple.fr", "password": "faux"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    blocked = client.post(
        "/compte/connexion/",
        {"username": lot_coordinator.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert blocked.status_code == 429
    other_client = client.post(
        "/compte/connexion/",
        {"username": lot_coordinator.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert other_client.status_code == 302


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # no proxy configured: the header is ignored
        (["10.0.0.1"], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not from the proxy: forged header ignored
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.1"], "10.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # client-sent hop on the left is ignored
        (["10.0.0.0/8"], "10.0.0.1", "1.2.3.4, 10.0.0.5", "1.2.3.4"),  # two trusted hops
        (["10.0.0.1"], "10.0.0.1", "n'importe quoi", "10.0.0.1"),
        (["10.0.0.1"], "10.0.0.1", "", "10.0.0.1"),
    ],
)
def test_client_ip_only_believes_trusted_proxies(trusted, remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXIES=trusted):
        assert throttle.client_ip(request) == expected


def test_a_real_install_shares_the_throttle_between_workers():
    """The production settings put the counters in the database (or Redis), never in one process."""
    import importlib

    import config.settings as production

    importlib.reload(production)
    backend = production.CACHES["throttle"]["BACKEND"]
    assert backend in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    }
    assert "locmem" not in backend
    assert settings.CACHES["throttle"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_migrations_create_the_database_cache_table():
    assert "maillage_throttle_cache" in connection.introspection.table_names()


@override_settings(CACHES=DATABASE_CACHE)
def test_the_database_cache_counts_failures_through_the_login(client, lot_coordinator):
    for variant in (lot_coordinator.email, lot_coordinator.email.upper(), f" {lot_coordinator.email}"):
        assert _login(client, variant).status_code == 200
    assert _login(client, lot_coordinator.email, PASSWORD).status_code == 302  # refunded: 3 failures kept
    client.post("/compte/deconnexion/")
    assert _login(client, lot_coordinator.email).status_code == 200
    assert _login(client, lot_coordinator.email).status_code == 200
    assert _login(client, lot_coordinator.email, PASSWORD).status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM maillage_throttle_cache")
        assert cursor.fetchone()[0] >= 5


@pytest.mark.django_db(transaction=True)
@override_settings(CACHES=DATABASE_CACHE)
def test_concurrent_workers_never_get_more_than_five_tries():
    """Ten workers (threads, each with its own database connection) try at the same instant."""
    from django.db import connections

    caches["throttle"].clear()
    barrier = threading.Barrier(10)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait()
            reservation = throttle.attempt("login", email=" Cible@Exemple.fr ", ip=f"192.0.2.{n}")
            with lock:
                allowed.append(reservation.allowed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 10
    assert 1 <= sum(allowed) <= 5
    # Whatever the interleaving, the account is now locked for every worker and every address.
    assert (
        not throttle.attempt("login", email="cible@exemple.fr", ip="198.51.100.1").allowed or sum(allowed) < 5
    )
    if connection.vendor == "postgresql":
        assert sum(allowed) == 5  # no lost update: each slot is a unique key taken by INSERT
    caches["throttle"].clear()


def test_the_throttle_fails_closed_when_the_cache_is_down(client, lot_coordinator, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache indisponible")

    monkeypatch.setattr(caches["throttle"], "get_many", broken)
    assert _login(client, lot_coordinator.email, PASSWORD).status_code == 429


def test_the_current_password_on_signed_in_forms_is_throttled_like_the_login(client, lot_coordinator):
    """A stolen session must not become a way to guess the password: wrong current passwords count."""
    client.force_login(lot_coordinator)
    url = "/compte/mon-compte/mot-de-passe/"
    new = "un-nouveau-mot-de-passe-solide-2026"
    # A right current password with mismatched new ones is not a failed guess.
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": "autre"})
    assert response.status_code == 200
    for _ in range(4):
        response = client.post(url, {"old_password": "faux", "new_password1": new, "new_password2": new})
        assert response.status_code == 200
    # The e-mail change asks for the password too: its wrong tries count on the same counter.
    response = client.post(
        "/compte/mon-compte/", {"email": "1", "new_email": "nouvelle@exemple.fr", "password": "faux"}
    )
    assert response.status_code == 200
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 429
    lot_coordinator.refresh_from_db()
    assert lot_coordinator.check_password(PASSWORD)  # nothing changed
    client.logout()
    assert _login(client, lot_coordinator.email, PASSWORD).status_code == 429  # and the login is locked too
