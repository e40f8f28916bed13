"""Roadmaps in a real browser: dashboard and the lead's update page pass axe-core; keyboard-only update."""

from __future__ import annotations

import pytest

from maillage.roadmaps.models import Action, Measurement
from tests.browser.conftest import assert_accessible, screenshot
from tests.roadmaps.factories import make_roadmap


@pytest.fixture
def roadmap(lot, transactional_db):
    return make_roadmap()


def test_dashboard_is_accessible(page, login_as, roadmap, lot_coordinator):
    login_as(page, lot_coordinator)
    page.goto(f"/feuilles-de-route/{roadmap.pk}/tableau-de-bord/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tableau de bord")
    assert page.locator("svg[role=img]").count() >= 2
    assert_accessible(page, context="tableau de bord")
    screenshot(page, "roadmaps-dashboard")
    page.goto(f"/feuilles-de-route/{roadmap.pk}/")
    assert_accessible(page, context="feuille de route")
    page.goto(f"/feuilles-de-route/{roadmap.pk}/gouvernance/")
    assert_accessible(page, context="gouvernance")
    page.goto("/feuilles-de-route/")
    assert_accessible(page, context="liste des feuilles de route")
    page.goto("/feuilles-de-route/importer/")
    assert_accessible(page, context="import")
    assert not page.maillage_errors


def test_lead_updates_an_indicator_with_the_keyboard(page, login_as, roadmap, lot_coordinator):
    action = Action.objects.get(roadmap=roadmap, number=1)
    indicator = action.indicators.get(position=1)
    login_as(page, lot_coordinator)
    page.goto(f"/feuilles-de-route/{roadmap.pk}/actions/1/")
    assert_accessible(page, context="fiche action")
    link = page.get_by_role("link", name="Mettre à jour cette action")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/actions/{action.pk}/mise-a-jour/")
    assert_accessible(page, context="mise à jour")
    screenshot(page, "roadmaps-action-update")

    page.locator("#id_progress").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("150")  # invalid on purpose: the error summary must be reachable
    page.locator(f"#id_ind{indicator.pk}-value").focus()
    page.keyboard.type("3")
    page.keyboard.press("Tab")  # → comment
    page.keyboard.type("Deux COTECH et un COPIL")
    page.get_by_role("button", name="Enregistrer la mise à jour").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert_accessible(page, context="mise à jour avec erreurs")
    screenshot(page, "roadmaps-action-update-errors")

    page.locator("#id_progress").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("45")
    page.get_by_role("button", name="Enregistrer la mise à jour").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/feuilles-de-route/{roadmap.pk}/actions/1/")
    assert "Mise à jour enregistrée" in page.content()
    action.refresh_from_db()
    assert action.progress == 45
    measurement = Measurement.objects.get(indicator=indicator, comment="Deux COTECH et un COPIL")
    assert measurement.value == 3
    # the invalid submission is answered 400 on purpose (chromium logs it); nothing else may fail
    assert [e for e in page.maillage_errors if "status of 400" not in e] == []
