"""The observatory in a real browser: axe, 320 px without horizontal scroll, no JavaScript needed."""

from __future__ import annotations

import pytest

from maillage.observatory.access import compute_access
from maillage.observatory.models import ObservatorySettings
from maillage.observatory.services import import_mednum_reference, load_outlines
from maillage.places.choices import NationalProgramme
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.factories import make_commune, make_epci
from tests.places.factories import PlaceFactory


@pytest.fixture
def observatory(lot):
    epci = make_epci("200023737", "CA du Grand Cahors", lot)
    cahors = make_commune("46042", "Cahors", lot, epci, lat=44.4475, lon=1.4419, population=19405)
    make_commune("46001", "Albas", lot, epci, lat=44.4691, lon=1.2339, population=557)
    make_commune("46011", "Arcambal", lot, epci, lat=44.4562, lon=1.5178, population=1012)
    make_commune(
        "46102", "Figeac", lot, make_epci("200067361", "CC du Grand Figeac", lot), lat=44.6086, lon=2.0317
    )
    load_outlines()
    import_mednum_reference()
    PlaceFactory(commune=cahors, national_programmes=[NationalProgramme.FRANCE_SERVICES.value])
    compute_access()
    return lot


def test_private_observatory_is_accessible(page, login_as, observatory, lot_coordinator):
    login_as(page, lot_coordinator)
    page.goto("/observatoire/46/")
    assert "Observatoire" in page.title()
    assert page.locator("svg.choropleth path").count() >= 4
    assert_accessible(page, context="observatoire du département")
    page.get_by_role("link", name="Population").click()
    page.wait_for_url("**tri=population**")
    assert_accessible(page, context="tableau trié")
    page.goto("/observatoire/200023737/")
    assert_accessible(page, context="observatoire d'un EPCI")
    screenshot(page, "observatory-epci")
    assert page.maillage_errors == []


def test_public_observatory_at_320px_without_javascript(_browser, live_server, observatory):
    ObservatorySettings.objects.create(territory=observatory, is_public=True)
    context, page = _new_page(
        _browser, live_server, viewport={"width": 320, "height": 800}, java_script_enabled=False
    )
    try:
        page.goto("/observatoire/public/46/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Observatoire")
        assert page.locator("svg.choropleth").is_visible()
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
        screenshot(page, "observatory-public-320")
    finally:
        context.close()
    context, page = _new_page(_browser, live_server, viewport={"width": 1280, "height": 900})
    try:
        page.goto("/observatoire/public/46/?carte=distance")
        assert_accessible(page, context="observatoire public, carte des distances")
    finally:
        context.close()
