"""Strict test defaults: no network, undefined template variables fail, personas for cross-territory tests."""

from __future__ import annotations

import socket

import pytest
from django.conf import settings

from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    make_commune,
    make_department,
    make_epci,
)


def pytest_configure(config: pytest.Config) -> None:
    from tests.sqlite_template import install

    install()  # the in-memory SQLite test database is copied from a migrated template
    _test_databases_wait_for_the_disk()


def _test_databases_wait_for_the_disk() -> None:
    """CREATE and DROP DATABASE of the test databases run without the app's statement timeout.

    The settings give every PostgreSQL connection a 10 s statement timeout (web requests never wait
    forever). On a loaded machine, dropping a worker's test database waited on the disk longer than
    that, and the teardown failed after every test had passed."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    from contextlib import contextmanager

    from django.db.backends.postgresql.base import DatabaseWrapper

    original = DatabaseWrapper._nodb_cursor

    @contextmanager
    def _nodb_cursor(self):  # type: ignore[no-untyped-def]
        with original(self) as cursor:
            cursor.execute("SET statement_timeout = 0")
            yield cursor

    DatabaseWrapper._nodb_cursor = _nodb_cursor  # type: ignore[method-assign]


class InvalidTemplateVariable(str):
    def __mod__(self, other: object) -> str:
        raise AssertionError(f"Variable de gabarit indéfinie : {other!r}")

    def __bool__(self) -> bool:  # keeps {% if undefined %} working like Django's default
        return False


@pytest.fixture(autouse=True)
def _strict_settings(settings):  # noqa: PT004
    from django.core.cache import cache, caches

    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
    cache.clear()  # login throttling counters and cached fragments never leak between tests
    caches["throttle"].clear()


_real_connect = socket.socket.connect


def _guarded_connect(self, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"} and not host.startswith("/"):
        raise RuntimeError(f"Accès réseau interdit pendant les tests : {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network():  # noqa: PT004
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


# --- Personas -----------------------------------------------------------------------------------
# Two real-shaped territories: the Lot (46) with the CC du Grand Figeac, and the Lozère (48) with the
# CC Aubrac Lot Causses Tarn. Each test gets fresh rows from factories.


@pytest.fixture
def lot(db):
    return make_department("46", "Lot")


@pytest.fixture
def lozere(db):
    return make_department("48", "Lozère")


@pytest.fixture
def figeac_epci(lot):
    return make_epci("200067361", "CC du Grand Figeac", lot)


@pytest.fixture
def figeac(lot, figeac_epci):
    return make_commune("46102", "Figeac", lot, figeac_epci, postcodes=["46100"], lat=44.6086, lon=2.0317)


@pytest.fixture
def cahors(lot):
    epci = make_epci("200023737", "CA du Grand Cahors", lot)
    return make_commune("46042", "Cahors", lot, epci, postcodes=["46000"], lat=44.4475, lon=1.4419)


@pytest.fixture
def mende(lozere):
    epci = make_epci("200071215", "CC Cœur de Lozère", lozere)
    return make_commune("48095", "Mende", lozere, epci, postcodes=["48000"], lat=44.5181, lon=3.5012)


def _persona(role, territory, org_name):
    user = UserFactory()
    organisation = OrganisationFactory(name=org_name, territory=territory)
    MembershipFactory(user=user, organisation=organisation, territory=territory, role=role)
    return user


@pytest.fixture
def lot_coordinator(lot):
    return _persona("coordinator", lot, "Lot Numérique")


@pytest.fixture
def lot_mediator(lot):
    return _persona("mediator", lot, "Association Lot Médiation")


@pytest.fixture
def lot_prescriber(lot):
    return _persona("prescriber", lot, "Maison des solidarités de Figeac")


@pytest.fixture
def lot_viewer(lot):
    return _persona("viewer", lot, "Conseil départemental du Lot")


@pytest.fixture
def lozere_coordinator(lozere):
    return _persona("coordinator", lozere, "Lozère Développement")


@pytest.fixture
def lozere_mediator(lozere):
    return _persona("mediator", lozere, "France Services de Mende")


@pytest.fixture
def unaffiliated_user(db):
    return UserFactory()


@pytest.fixture
def site_settings():
    return settings
