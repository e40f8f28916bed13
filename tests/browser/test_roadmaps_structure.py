"""Roadmap structure pages in a real browser: action creation and indicator forms pass axe-core,
with and without errors, and work without JavaScript."""

from __future__ import annotations

import pytest

from maillage.roadmaps.models import Action, Indicator
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.roadmaps.factories import make_roadmap


@pytest.fixture
def roadmap(lot, transactional_db):
    return make_roadmap()


def test_action_creation_form_is_accessible(page, login_as, roadmap, lot_coordinator):
    login_as(page, lot_coordinator)
    page.goto(f"/feuilles-de-route/{roadmap.pk}/")
    page.get_by_role("link", name="Ajouter une action").first.click()
    page.wait_for_url(f"**/{roadmap.pk}/actions/nouvelle/")
    assert page.get_by_role("heading", level=1).inner_text() == "Nouvelle action"
    assert page.locator("fieldset legend").count() == 3
    assert_accessible(page, context="nouvelle action")
    page.locator("#id_number").fill("1")  # already used: the error summary must be reachable
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector(".error-summary")
    assert_accessible(page, context="nouvelle action avec erreurs")
    screenshot(page, "roadmaps-action-create-errors")
    page.maillage_errors.clear()  # the 400 answer above was expected
    page.locator("#id_axis").select_option(label="1. Solidaire")
    page.locator("#id_number").fill("30")
    page.locator("#id_title").fill("Bus numérique itinérant")
    page.locator("#id_new_leads").fill("Bus numérique du Lot")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"**/{roadmap.pk}/actions/30/")
    assert (
        Action.objects.get(roadmap=roadmap, number=30).lead_organisations.get().name == "Bus numérique du Lot"
    )
    page.goto(f"/feuilles-de-route/{roadmap.pk}/structure/")
    assert_accessible(page, context="structure")
    assert not page.maillage_errors


def test_indicator_form_is_accessible(page, login_as, roadmap, lot_coordinator):
    action = Action.objects.get(roadmap=roadmap, number=1)
    login_as(page, lot_coordinator)
    page.goto(f"/feuilles-de-route/{roadmap.pk}/actions/1/")
    assert_accessible(page, context="fiche action avec liens de gestion")
    page.get_by_role("link", name="Ajouter un indicateur").click()
    page.wait_for_url(f"**/actions/{action.pk}/indicateurs/nouveau/")
    assert_accessible(page, context="nouvel indicateur")
    page.locator("#id_label").fill("Lieux référencés")
    page.locator("#id_kind").select_option("qualitatif")
    page.locator("#id_metric_key").select_option("places.count")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector(".error-summary")
    assert "forcément quantitatif" in page.locator(".error-summary").inner_text()
    assert_accessible(page, context="indicateur avec erreurs")
    screenshot(page, "roadmaps-indicator-errors")
    page.maillage_errors.clear()  # the 400 answer above was expected
    page.locator("#id_kind").select_option("quantitatif")
    page.locator("#id_target").fill("12,5")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"**/{roadmap.pk}/actions/1/")
    indicator = Indicator.objects.get(action=action, metric_key="places.count")
    assert str(indicator.target) == "12.50"
    page.get_by_role("link", name="Modifier Lieux référencés").click()
    page.wait_for_url(f"**/indicateurs/{indicator.pk}/modifier/")
    assert_accessible(page, context="modifier un indicateur")
    assert not page.maillage_errors


def test_step_form_works_without_javascript(_browser, live_server, login_as, roadmap, lot_coordinator):
    action = Action.objects.get(roadmap=roadmap, number=1)
    context, page = _new_page(_browser, live_server, java_script_enabled=False)
    try:
        login_as(page, lot_coordinator)
        page.goto(f"/feuilles-de-route/actions/{action.pk}/etapes/nouvelle/")
        page.locator("#id_title").fill("Bilan avec les partenaires")
        page.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(f"**/{roadmap.pk}/actions/1/")
        assert action.steps.filter(title="Bilan avec les partenaires").exists()
    finally:
        context.close()
