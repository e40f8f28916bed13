"""Activity module in a real browser: phone-sized recording form, keyboard only, statistics; axe-core."""

from datetime import date

import pytest

from maillage.activities.models import Activity
from tests.activities.factories import followed, individual, workshop
from tests.browser.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


def _tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} jamais atteint au clavier")


def test_recording_form_on_a_phone_is_accessible(mobile_page, login_as, lot_mediator, figeac):
    page = mobile_page
    login_as(page, lot_mediator)
    page.goto("/activites/nouvelle/?type=individuel")
    assert "Nouvel accompagnement individuel" in page.title()
    assert_accessible(page, context="formulaire individuel (mobile)")
    screenshot(page, "activities-form-mobile")
    # Touch targets: every choice is at least 44 px high.
    heights = page.eval_on_selector_all(
        "label.choice", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    visible = [h for h in heights if h > 0]
    assert visible and min(visible) >= 44
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, context="formulaire avec erreurs")
    screenshot(page, "activities-form-errors-mobile")
    page.goto("/activites/nouvelle/?type=collectif")
    assert_accessible(page, context="formulaire atelier (mobile)")
    screenshot(page, "activities-workshop-mobile")
    assert page.maillage_errors == []


def test_keyboard_only_recording(page, login_as, lot_mediator, figeac):
    login_as(page, lot_mediator)
    page.goto("/activites/nouvelle/?type=individuel")
    # Place: « À domicile » (radio group: Tab lands on the checked radio, arrows move the choice).
    _tab_to(page, "input[name=place_type]:checked")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.querySelector('input[name=place_type]:checked').value") == "domicile"
    _tab_to(page, "#id_commune")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "#id_themes_5")  # E-mail
    page.keyboard.press("Space")
    _tab_to(page, "#id_tags")
    page.keyboard.type("clavier")
    page.keyboard.press("Enter")
    page.wait_for_url("**/activites/")
    activity = Activity.objects.get()
    assert activity.place_type == "domicile" and activity.themes == ["email"] and activity.tags == ["clavier"]
    assert activity.commune_id == figeac.pk and activity.date == date.today()  # noqa: DTZ011
    assert_accessible(page, context="liste après enregistrement")
    screenshot(page, "activities-list")


def test_statistics_page_is_accessible(page, login_as, lot_coordinator, lot_mediator, lot, figeac, cahors):
    person = followed(lot_mediator)
    today = date.today()  # noqa: DTZ011
    for day in range(1, 20):
        individual(
            lot_mediator,
            figeac if day % 2 else cahors,
            day=today.replace(day=min(day, 28)),
            themes=["email", "sante"][: 1 + day % 2],
            devices=["telephone"],
            autonomy="autonome",
            oriented=bool(day % 3 == 0),
        )
    individual(lot_mediator, figeac, day=today, beneficiary=person)
    workshop(lot_mediator, cahors, day=today)
    login_as(page, lot_coordinator)
    page.goto(f"/activites/statistiques/?perimetre=department:{lot.pk}&lignes=theme&colonnes=age_band")
    assert "Statistiques d’activité" in page.title()
    assert page.locator("svg[role=img] title").count() > 5
    assert_accessible(page, context="statistiques")
    screenshot(page, "activities-stats")
    assert page.maillage_errors == []


def test_recording_works_without_javascript(_browser, live_server, login_as, lot_mediator, figeac):
    context = _browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        login_as(page, lot_mediator)
        page.goto("/activites/nouvelle/?type=collectif")
        page.get_by_label("Autre lieu", exact=True).check()
        page.get_by_label("Commune (à domicile, autre lieu)").select_option(str(figeac.pk))
        page.get_by_label("Prévention en sécurité numérique").check()
        page.get_by_label("Titre de l’atelier").fill("Arnaques en ligne")
        page.get_by_label("Participant·es anonymes").fill("6")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        page.wait_for_url("**/activites/")
        activity = Activity.objects.get()
        assert activity.kind == "collectif" and activity.participants_count == 6
    finally:
        context.close()
