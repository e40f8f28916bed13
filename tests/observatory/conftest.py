from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_commune, make_epci

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def lot_communes(lot):
    """Four Lot communes of the fixtures (real codes, points and legal populations)."""
    cahors_epci = make_epci("200023737", "CA du Grand Cahors", lot)
    figeac_epci = make_epci("200067361", "CC du Grand Figeac", lot)
    return {
        "46042": make_commune("46042", "Cahors", lot, cahors_epci, lat=44.4475, lon=1.4419, population=19405),
        "46102": make_commune("46102", "Figeac", lot, figeac_epci, lat=44.6086, lon=2.0317, population=9757),
        "46001": make_commune("46001", "Albas", lot, cahors_epci, lat=44.4691, lon=1.2339, population=557),
        "46011": make_commune(
            "46011", "Arcambal", lot, cahors_epci, lat=44.4562, lon=1.5178, population=1012
        ),
    }


@pytest.fixture
def lot_with_mednum(db):
    """The real Lot (313 communes of the vendored reference) with outlines and La MedNum's layer."""
    from maillage.observatory.services import import_mednum_reference, load_outlines
    from maillage.territories.models import Territory
    from maillage.territories.services import load_territories

    load_territories(departments="46")
    load_outlines()
    import_mednum_reference()
    return Territory.objects.get(kind="department", code="46")


@pytest.fixture(autouse=True)
def _empty_cache():  # noqa: PT004 — the map cache is per process: start every test without it
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
