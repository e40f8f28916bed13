"""Activity module in a real browser: phone-sized recording form, keyboard only, statistics; axe-core."""

from datetime import date

import pytest
from playwright.sync_api import expect

from maillage.activities.models import Activity
from tests.activities.factories import followed, individual, workshop
from tests.browser.conftest import assert_accessible, screenshot

pytestmark = pytest.mark.browser


SLOW_MACHINE_MS = 60_000  # the shared test machine runs at a load of ~20 on 2 cores: first loads are slow


def _tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} jamais atteint au clavier")


def test_recording_form_on_a_phone_is_accessible(mobile_page, login_as, lot_mediator, figeac):
    page = mobile_page
    page.set_default_timeout(SLOW_MACHINE_MS)
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
    expect(page.get_by_role("alert")).to_be_visible()  # the POST answers after the click returns
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


def _phone(_browser, live_server, width):
    from tests.browser.conftest import _new_page

    return _new_page(
        _browser, live_server, viewport={"width": width, "height": 800}, is_mobile=True, has_touch=True
    )


def _no_horizontal_scroll(page, what: str) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{what} : {widths[0]} px de large pour un écran de {widths[1]} px"


@pytest.mark.parametrize("width", [320, 390])
def test_every_page_of_the_module_fits_a_phone(
    _browser, live_server, login_as, width, lot, lot_mediator, lot_coordinator, figeac, cahors
):
    from maillage.activities import team
    from tests.activities.coop_files import CoopActivity, coop_export

    person = followed(lot_mediator)
    today = date.today()  # noqa: DTZ011
    for day in range(1, 12):
        individual(
            lot_mediator,
            figeac if day % 2 else cahors,
            day=today.replace(day=day),
            themes=["email", "sante", "aide_aux_demarches_administratives"][: 1 + day % 3],
            procedures=["logement"] if day % 3 == 2 else [],
            tags=["Quartier prioritaire, Figeac", "Séniors"],
            devices=["telephone", "ordinateur"],
        )
    activity = workshop(lot_mediator, cahors, day=today, followed=[person])
    pending = team.stage(
        coordinator=lot_coordinator,
        content=coop_export(
            [
                CoopActivity(
                    date=date(2026, 3, 3),
                    channel="À domicile",
                    insee="46102",
                    mediator=("A", "B", "Médiateur", "7"),
                )
            ],
            team=True,
        ),
        filename="equipe.xlsx",
    )
    pages = {
        lot_mediator: [
            "/activites/",
            "/activites/nouvelle/?type=individuel",
            "/activites/nouvelle/?type=collectif",
            f"/activites/{activity.pk}/",
            f"/activites/{activity.pk}/modifier/",
            "/activites/beneficiaires/",
            "/activites/beneficiaires/nouveau/",
            f"/activites/beneficiaires/{person.pk}/",
            f"/activites/beneficiaires/{person.pk}/modifier/",
            "/activites/import/",
            f"/activites/statistiques/?perimetre=mediator:{lot_mediator.pk}&lignes=theme&colonnes=age_band",
        ],
        lot_coordinator: [
            "/activites/",
            "/activites/coordination/nouvelle/",
            "/activites/import/equipe/",
            f"/activites/import/equipe/{pending.pk}/",
            f"/activites/statistiques/?perimetre=department:{lot.pk}&lignes=month&colonnes=theme",
            f"/activites/statistiques/?perimetre=department:{lot.pk}&lignes=procedure&colonnes=duration",
        ],
    }
    for user, paths in pages.items():
        context, page = _phone(_browser, live_server, width)
        page.set_default_timeout(SLOW_MACHINE_MS)
        try:
            login_as(page, user)
            for path in paths:
                response = page.goto(path)
                assert response is not None and response.status == 200, path
                _no_horizontal_scroll(page, f"{path} à {width} px")
                assert_accessible(page, context=f"{path} à {width} px")
            assert page.maillage_errors == []
        finally:
            context.close()


def test_cross_tab_and_tables_are_reachable_by_keyboard(
    page, login_as, lot, lot_coordinator, lot_mediator, figeac
):
    themes = ["email", "sante", "bureautique", "navigation_sur_internet", "banque_et_achats_en_ligne"]
    for day in range(1, 6):
        individual(lot_mediator, figeac, day=date.today().replace(day=day), themes=themes[:day])  # noqa: DTZ011
    page.set_default_timeout(SLOW_MACHINE_MS)
    login_as(page, lot_coordinator)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"/activites/statistiques/?perimetre=department:{lot.pk}&lignes=month&colonnes=theme")
    _tab_to(page, "[aria-labelledby=legende-croisement]", limit=200)
    region = page.evaluate("() => [document.activeElement.scrollWidth, document.activeElement.clientWidth]")
    assert region[0] > region[1]  # the cross-tab is wider than the phone: it scrolls inside its region
    page.keyboard.press("ArrowRight")
    page.keyboard.press("End")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=10_000)  # smooth scrolling
    screenshot(page, "activities-crosstab-320")
