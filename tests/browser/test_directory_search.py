"""Search as people search, in a real browser: their words, « autour de moi », every result on the
map (clustered when many), empty searches explained; axe-core, 320 px, without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.factories import make_commune, make_department
from tests.places.factories import PlaceFactory


@pytest.fixture
def directory(figeac, cahors):
    return [
        PlaceFactory(
            name="Maison France Services de Figeac",
            commune=figeac,
            services=["Aide aux démarches administratives"],
            national_programmes=["France Services"],
        ),
        PlaceFactory(
            name="Médiathèque de Cahors",
            commune=cahors,
            services=["Loisirs et créations numériques"],
            national_programmes=[],
        ),
        *PlaceFactory.create_batch(
            24, commune=figeac, services=["Accès internet et matériel informatique"], national_programmes=[]
        ),
    ]


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320


def test_people_words_and_explained_empty_searches(page, directory):
    page.goto("/lieux/")
    page.get_by_label("Besoin, nom du lieu ou commune").fill("impôts")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("text=1 lieu trouvé")
    assert page.locator(".place-card h3").all_inner_texts() == ["Maison France Services de Figeac"]
    assert_accessible(page, context="recherche « impôts »")
    finistere = make_department("29", "Finistère")
    make_commune("29019", "Brest", finistere, postcodes=["29200"], lat=48.39, lon=-4.49, population=140000)
    page.goto("/lieux/?commune=Brest+%2829019%29")
    main = page.inner_text("main")
    assert "aucun lieu dans le département Finistère (29)" in main
    assert "Le lieu correspondant le plus proche est à" in main
    assert_accessible(page, context="commune d'un autre département")
    page.goto("/lieux/?commune=Atlantide")
    assert page.locator(".place-card").count() == 0
    assert "Commune ou territoire introuvable" in page.inner_text("main")
    assert_accessible(page, context="commune inconnue")
    # a territory's name: ambiguous, the suggestions are links (no JavaScript needed)
    page.goto("/lieux/?commune=Grand")
    assert "Plusieurs territoires correspondent à « Grand »" in page.inner_text("main")
    assert_accessible(page, context="territoire ambigu")
    page.get_by_role("link", name="CC du Grand Figeac (200067361)").click()
    page.wait_for_selector("text=Lieux de CC du Grand Figeac (intercommunalité), classés par nom.")
    assert "Médiathèque de Cahors" not in page.inner_text("main")
    assert page.maillage_errors == []


def test_map_shows_every_result_clustered_when_many(page, directory, monkeypatch):
    from maillage.places import views

    page.goto("/lieux/?commune=Figeac&rayon=100")
    assert page.locator(".place-card").count() == 20  # the list pages…
    page.get_by_role("button", name="Afficher la carte").click()
    page.wait_for_selector("#carte.leaflet-container")
    page.wait_for_function("() => document.querySelectorAll('#carte path.leaflet-interactive').length === 26")
    monkeypatch.setattr(views, "MAP_POINTS_MAX", 10)  # …the map shows all 26, then clusters
    page.goto("/lieux/?commune=Figeac&rayon=30")  # another URL (the points are cacheable): 25 places
    page.get_by_role("button", name="Afficher la carte").click()
    page.wait_for_selector("#carte .map-cluster")
    counts = page.locator("#carte .map-cluster").all_inner_texts()
    assert sum(int(c) for c in counts) == 25
    assert_accessible(page, context="carte regroupée")
    screenshot(page, "directory-search-clusters")
    assert page.maillage_errors == []


def test_around_me_uses_the_browser_position_only_when_asked(_browser, live_server, directory):
    context, page = _new_page(
        _browser,
        live_server,
        viewport={"width": 320, "height": 700},
        geolocation={"latitude": 44.45, "longitude": 1.44},
        permissions=["geolocation"],
    )
    page.goto("/lieux/")
    assert "position=" not in page.url
    _no_horizontal_scroll(page)
    assert_accessible(page, context="320 px")
    page.get_by_role("button", name="Autour de moi").click()
    # « Recherche de votre position… » shows at once: wait for the results around the position.
    page.wait_for_url("**position=44.450*1.440*")
    page.wait_for_selector("text=km de votre position")
    assert page.locator(".place-card h3").first.inner_text() == "Médiathèque de Cahors"
    _no_horizontal_scroll(page)
    assert_accessible(page, context="autour de moi, 320 px")
    screenshot(page, "directory-around-me-320")
    # Typing a commune forgets the position.
    page.get_by_label("Près de (commune, code postal ou territoire)").fill("Figeac")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("text=de Figeac, du plus proche")
    assert page.maillage_errors == []
    context.close()


def test_search_works_without_javascript(_browser, live_server, transactional_db, directory):
    context = _browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        locale="fr-FR",
        viewport={"width": 320, "height": 700},
    )
    page = context.new_page()
    page.goto("/lieux/")
    assert page.get_by_role("button", name="Autour de moi").count() == 0  # needs JavaScript: absent
    page.get_by_label("Besoin, nom du lieu ou commune").fill("france services")
    page.get_by_label("Près de (commune, code postal ou territoire)").fill("46100")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert page.locator(".place-card h3").all_inner_texts() == ["Maison France Services de Figeac"]
    _no_horizontal_scroll(page)
    context.close()
