"""The public directory in a real browser: search, htmx results, map, detail, keyboard, axe-core."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, screenshot
from tests.factories import make_commune
from tests.places.factories import MediatorFactory, PlaceFactory


@pytest.fixture
def directory(figeac, cahors):
    capdenac = make_commune(
        "46053",
        "Capdenac",
        figeac.department,
        figeac.epci,
        postcodes=["46100"],
        lat=44.5769,
        lon=2.0778,
        population=500,
    )
    places = [
        PlaceFactory(
            name="Médiathèque de Figeac",
            commune=figeac,
            opening_hours="Mo-Fr 08:30-12:00,14:00-17:30; Sa 09:00-12:00; PH off",
            national_programmes=["France Services", "Aidants Connect"],
            specific_support=["Surdité"],
            accessibility_url="https://acceslibre.beta.gouv.fr/app/46-figeac/a/bibliotheque/erp/demo/",
        ),
        PlaceFactory(name="Espace numérique de Capdenac", commune=capdenac, publics=["Seniors"]),
        PlaceFactory(name="Tiers-lieu de Cahors", commune=cahors, data_updated_on=date(2024, 1, 1)),
    ]
    MediatorFactory(first_name="Camille", last_name="Fictive", places=[places[0]])
    return places


def test_search_pages_are_accessible(page, directory):
    page.goto("/lieux/")
    assert page.title().startswith("Trouver un lieu")
    assert_accessible(page, context="recherche vide")
    page.get_by_label("Près de (commune, code postal ou territoire)").fill("Figeac")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("text=à moins de 30 km de Figeac")
    names = page.locator(".place-card h3").all_inner_texts()
    assert names[:2] == ["Médiathèque de Figeac", "Espace numérique de Capdenac"]
    assert_accessible(page, context="résultats")
    screenshot(page, "directory-search-results")
    page.get_by_label("Besoin, nom du lieu ou commune").fill("introuvable")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("text=Aucun lieu ne correspond")
    assert_accessible(page, context="aucun résultat")
    assert page.maillage_errors == []


def test_filters_update_the_list_with_htmx_and_keep_the_url(page, directory):
    page.goto("/lieux/")
    page.locator("summary", has_text="Public spécifiquement accueilli").click()
    page.get_by_label("Seniors").check()
    page.wait_for_selector("text=1 lieu trouvé")
    assert page.locator(".place-card h3").all_inner_texts() == ["Espace numérique de Capdenac"]
    assert page.locator("#resultats-annonce").inner_text() == "1 lieu trouvé"  # announced to screen readers
    assert "public=Seniors" in page.url
    assert page.maillage_errors == []


def test_map_loads_leaflet_on_demand_without_errors(page, directory):
    page.goto("/lieux/?commune=Figeac&rayon=100")
    assert page.evaluate("() => typeof window.L") == "undefined"  # Leaflet is not loaded up front
    page.get_by_role("button", name="Afficher la carte").click()
    button = page.locator("button.map-toggle")
    page.wait_for_selector("#carte.leaflet-container")
    assert button.get_attribute("aria-expanded") == "true"
    # The points arrive by a request of their own: wait for them (counting at once raced it under load).
    expect(page.locator("#carte path.leaflet-interactive")).to_have_count(3)
    screenshot(page, "directory-search-map")
    assert_accessible(page, context="carte")
    assert page.maillage_errors == []


def test_keyboard_reaches_a_result_and_opens_it(page, directory):
    page.goto("/lieux/?q=mediatheque")
    href = page.get_by_role("link", name="Médiathèque de Figeac").get_attribute("href")
    for _ in range(80):
        page.keyboard.press("Tab")
        if (
            page.evaluate("() => document.activeElement && document.activeElement.textContent.trim()")
            == "Médiathèque de Figeac"
        ):
            break
    else:
        pytest.fail("le premier résultat n'est pas atteignable au clavier")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    assert page.get_by_role("heading", level=1).inner_text() == "Médiathèque de Figeac"


def test_detail_page(page, directory):
    page.goto(f"/lieux/{directory[0].pk}/")
    assert "Du lundi au vendredi" in page.inner_text("main")
    assert "Camille" not in page.inner_text("main")
    assert page.get_by_role("link", name="Plan d'accès et itinéraire").count() == 1
    assert_accessible(page, context="fiche")
    screenshot(page, "directory-detail")
    assert page.maillage_errors == []


def test_works_without_javascript(_browser, live_server, transactional_db, directory):
    context = _browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto("/lieux/")
    page.get_by_label("Près de (commune, code postal ou territoire)").fill("46100")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    assert "commune=46100" in page.url
    assert page.locator(".place-card h3").all_inner_texts() == [
        "Médiathèque de Figeac",
        "Espace numérique de Capdenac",
    ]
    assert not page.locator("#carte-zone").is_visible()  # no map without JavaScript: the list is all
    context.close()


def test_mobile_pages(mobile_page, directory):
    mobile_page.goto("/lieux/?commune=Figeac")
    assert_accessible(mobile_page, context="mobile recherche")
    screenshot(mobile_page, "directory-search-mobile")
    mobile_page.goto(f"/lieux/{directory[0].pk}/")
    assert_accessible(mobile_page, context="mobile fiche")
    screenshot(mobile_page, "directory-detail-mobile")
    width = mobile_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390


def test_professional_pages_are_accessible(page, login_as, lot_coordinator, directory):
    login_as(page, lot_coordinator)
    page.goto("/lieux/gestion/")
    assert_accessible(page, context="gestion")
    page.get_by_label(f"Sélectionner {directory[0].name}").check()
    page.get_by_role("button", name="Rien n'a changé : marquer les lieux cochés comme vérifiés").click()
    page.wait_for_selector("text=1 lieu(x) marqué(s) comme vérifié(s)")
    assert_accessible(page, context="gestion après vérification groupée")
    page.goto(f"/lieux/{directory[0].pk}/modifier/")
    assert_accessible(page, context="modification")
    page.get_by_label("Horaires").fill("lundi 9h-12h")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("text=Le formulaire contient des erreurs")
    assert_accessible(page, context="modification avec erreurs")
    page.goto("/lieux/a-verifier/")
    assert "Tiers-lieu de Cahors" in page.inner_text("main")
    assert_accessible(page, context="à vérifier")
    # « Relancer » writes to the append-only audit log, which a live-server test cannot flush:
    # it is covered by tests/places/test_stale.py.
    assert page.get_by_role("button", name="Relancer Tiers-lieu de Cahors").count() == 1
    page.goto(f"/lieux/{directory[0].pk}/")
    assert "Camille Fictive" in page.inner_text("main")  # professionals of the territory see people
    page.goto("/lieux/annuaire/")
    assert_accessible(page, context="annuaire")


def test_commune_suggestions(page, directory):
    page.goto("/lieux/")
    page.get_by_label("Près de (commune, code postal ou territoire)").press_sequentially("Fig", delay=50)
    page.wait_for_function("() => document.querySelectorAll('#communes-suggestions option').length > 0")
    values = page.eval_on_selector_all("#communes-suggestions option", "els => els.map(e => e.value)")
    assert "Figeac (46102)" in values
    page.get_by_label("Près de (commune, code postal ou territoire)").fill("Figeac (46102)")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("text=à moins de 30 km de Figeac")
    assert page.maillage_errors == []
