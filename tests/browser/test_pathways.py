"""Pathway in a real browser, keyboard only: diagnostic → proposals → referral → signed-link answer.

axe-core must report zero violations on every step; screenshots go to SCREENSHOT_DIR.
"""

from __future__ import annotations

import re

import pytest

from maillage.pathways import services, workflow
from maillage.pathways.models import Referral, ReferralStatus
from tests.browser.conftest import assert_accessible, screenshot
from tests.pathways.factories import BEGINNER, france_services, make_diagnostic, make_referral


@pytest.fixture(autouse=True)
def _grid(transactional_db):  # noqa: PT004 — flushed between transactional tests: reload it
    services.current_grid()  # reloads the shipped grid on a flushed database


def press(page, selector: str, key: str = "Space") -> None:
    page.locator(selector).focus()
    page.keyboard.press(key)


def test_diagnostic_to_referral_keyboard_only(page, login_as, lot_prescriber, figeac):
    place = france_services(figeac, name="France Services du Grand Figeac")
    login_as(page, lot_prescriber)
    page.goto("/parcours/")
    assert_accessible(page, context="accueil parcours")
    link = page.get_by_role("link", name="Commencer un diagnostic")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/diagnostic/nouveau/")
    assert_accessible(page, context="formulaire de diagnostic")
    screenshot(page, "pathways-diagnostic-form")

    page.locator("#id_commune").focus()
    page.keyboard.type("Figeac")
    assert page.locator("#id_commune").input_value() == str(figeac.pk)
    for code, value in BEGINNER.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            index = _option_index(code, v)
            press(page, f"#id_q_{code}_{index}")
            assert page.locator(f"#id_q_{code}_{index}").is_checked(), (code, v)
    press(page, "#id_person_informed")
    page.get_by_role("button", name="Voir le résultat et les lieux proposés").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/diagnostic/\d+/$"))
    assert "P2 — Débutant·e" in page.content()
    assert_accessible(page, context="résultat et propositions")
    screenshot(page, "pathways-proposals")

    orient = page.get_by_role("link", name=f"Orienter vers {place.name}")
    orient.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/orienter/*/")
    assert_accessible(page, context="formulaire d'orientation")
    press(page, "#id_mode_1")
    page.locator("#id_first_name").focus()
    page.keyboard.type("Josette")
    page.locator("#id_contact_preference").focus()
    page.keyboard.type("Par t")
    page.locator("#id_phone").focus()
    page.keyboard.type("06 01 02 03 04")
    press(page, "#id_person_informed")
    page.get_by_role("button", name="Enregistrer l'orientation").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/orientations/\d+/$"))
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.first_name == "Josette"
    assert_accessible(page, context="orientation envoyée")
    screenshot(page, "pathways-referral")


def _option_index(code: str, value: str) -> int:
    grid = services.current_grid().definition
    from maillage.pathways.grid import question_map

    return [o["code"] for o in question_map(grid)[code]["options"]].index(value)


def test_form_errors_are_accessible(page, login_as, lot_prescriber, figeac):
    login_as(page, lot_prescriber)
    page.goto("/parcours/diagnostic/nouveau/")
    page.get_by_role("button", name="Voir le résultat et les lieux proposés").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, context="erreurs du diagnostic")


def test_signed_link_answer_keyboard_only(page, lot_prescriber, figeac):
    place = france_services(figeac)
    referral = make_referral(lot_prescriber, make_diagnostic(lot_prescriber, figeac), place)
    page.goto(f"/parcours/reponse/{workflow.make_link_token(referral)}/")
    assert_accessible(page, context="réponse par lien signé")
    screenshot(page, "pathways-answer")
    page.get_by_role("button", name="Accepter").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Merci, votre réponse est enregistrée" in page.content()
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED
    assert_accessible(page, context="réponse enregistrée")
    response = page.goto("/parcours/reponse/faux-jeton/")
    assert response.status == 404
    assert "Ce lien n’est pas valide" in page.content() or "Ce lien n'est pas valide" in page.content()
    assert_accessible(page, context="lien invalide")


def test_statistics_page_is_accessible(page, login_as, lot_coordinator, lot_prescriber, figeac):
    place = france_services(figeac)
    diagnostic = make_diagnostic(lot_prescriber, figeac)
    for _ in range(3):
        make_referral(lot_prescriber, diagnostic, place)
    login_as(page, lot_coordinator)
    page.goto("/parcours/statistiques/")
    assert_accessible(page, context="statistiques")
    screenshot(page, "pathways-statistics")


def test_diagnostic_form_on_a_phone(mobile_page, login_as, lot_prescriber, figeac):
    login_as(mobile_page, lot_prescriber)
    mobile_page.goto("/parcours/diagnostic/nouveau/")
    assert_accessible(mobile_page, context="diagnostic sur téléphone")
    screenshot(mobile_page, "pathways-diagnostic-mobile")
