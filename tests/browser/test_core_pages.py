"""Core pages in a real browser: accessibility, keyboard, no JavaScript needed."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, screenshot

PAGES = [("/", "Accueil"), ("/accessibilite/", "accessibilité"), ("/compte/connexion/", "Connexion")]


@pytest.mark.parametrize(("path", "title"), PAGES)
def test_core_pages_have_no_axe_violations(page, path, title):
    page.goto(path)
    assert title.lower() in page.title().lower()
    assert_accessible(page)
    assert page.maillage_errors == []


def test_not_found_page_is_accessible(page):
    response = page.goto("/nulle-part/")
    assert response.status == 404
    assert_accessible(page)


def test_skip_link_is_first_and_moves_focus_to_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#contenu"


def test_login_with_keyboard_only(page, lot_coordinator):
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").focus()
    page.keyboard.type(lot_coordinator.email)
    page.keyboard.press("Tab")
    page.keyboard.type("mot-de-passe-de-test-assez-long")
    page.keyboard.press("Enter")
    page.wait_for_url("**/compte/")
    assert "Mon espace" in page.title()
    assert_accessible(page, context="espace professionnel")
    screenshot(page, "workspace")


def test_login_error_is_announced_and_accessible(page, lot_coordinator):
    page.goto("/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(lot_coordinator.email)
    page.get_by_label("Mot de passe").fill("mauvais")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_be_visible()  # the POST answers after the click returns
    assert_accessible(page, context="erreur de connexion")


def test_home_page_works_without_javascript(_browser, live_server, transactional_db):
    context = _browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Nom d'un lieu, commune ou code postal").fill("Figeac")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/lieux/**")  # the form is sent by the browser itself
    context.close()


def test_pages_that_write_the_audit_log_can_be_tested(page, lot_coordinator):
    from maillage.core.audit import record_change
    from maillage.core.models import AuditLog

    record_change(actor=lot_coordinator, action="create", object_type="x", object_id=1)
    page.goto("/")
    assert AuditLog.objects.count() == 1
