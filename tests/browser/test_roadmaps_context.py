"""Co-carriers, key figures, concertation and pooled fund pages in a real browser: axe-core at 1 280
and 320 px, with and without errors, filled with the keyboard, no JavaScript needed."""

from __future__ import annotations

import pytest

from maillage.roadmaps.models import KeyFigure
from tests.browser.conftest import assert_accessible, screenshot
from tests.roadmaps.factories import make_roadmap


@pytest.fixture
def roadmap(lot, transactional_db):
    return make_roadmap()


def test_context_pages_are_accessible_and_a_key_figure_is_added(page, login_as, roadmap, lot_coordinator):
    login_as(page, lot_coordinator)
    page.goto(f"/feuilles-de-route/{roadmap.pk}/structure/")
    page.get_by_role("link", name="Porteurs, diagnostic, concertation et fonds").click()
    page.wait_for_url(f"**/{roadmap.pk}/contexte/")
    for kind in ("porteur", "concertation", "fonds"):
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"/feuilles-de-route/{roadmap.pk}/contexte/{kind}/nouveau/")
            assert_accessible(page, context=f"nouveau {kind} ({width} px)")
            if width == 320:
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/feuilles-de-route/{roadmap.pk}/contexte/")
    page.get_by_role("link", name="Ajouter un chiffre clé").click()
    page.wait_for_url("**/contexte/chiffre-cle/nouveau/")
    assert_accessible(page, context="nouveau chiffre clé")
    page.locator("#id_section").select_option("diagnostic")
    page.locator("#id_value_text").fill("forte")
    page.get_by_role("button", name="Enregistrer").press("Enter")
    page.wait_for_selector(".error-summary")
    assert_accessible(page, context="chiffre clé avec erreurs")
    page.maillage_errors.clear()  # the 400 answer above was expected
    page.locator("#id_label").fill("Indice de fragilité numérique")
    page.locator("#id_source").fill("La MedNum")
    page.locator("#id_vintage").press_sequentially("2023")
    page.locator("#id_vintage").press("Enter")
    page.wait_for_url(f"**/{roadmap.pk}/contexte/")
    assert KeyFigure.objects.get(roadmap=roadmap).value_text == "forte"
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, context=f"contexte rempli ({width} px)")
        if width == 320:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "roadmaps-context")
    assert not page.maillage_errors
