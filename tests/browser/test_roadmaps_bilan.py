"""Pages changed by issue 12 in a real browser: axe-core clean and no horizontal scroll at 320 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.roadmaps.exchange.importer import import_file
from maillage.roadmaps.models import Action
from tests.browser.conftest import assert_accessible
from tests.factories import make_department

STRATEGY = Path(__file__).parents[1] / "roadmaps" / "data" / "strategie-cantal-engagements.yaml"


@pytest.fixture
def strategy(transactional_db):
    make_department("15", "Cantal")
    return import_file(STRATEGY).roadmap


@pytest.fixture
def cantal_coordinator(strategy):
    from tests.conftest import _persona

    return _persona("coordinator", strategy.territory, "Coordination inclusion numérique du Cantal")


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"défilement horizontal à 320 px ({width} px) sur {page.url}"


def test_strategy_pages_and_bilans_are_accessible(page, login_as, strategy, cantal_coordinator):
    login_as(page, cantal_coordinator)
    sub = Action.objects.filter(roadmap=strategy, parent__isnull=False).order_by("number").first()
    pages = {
        "feuille de route": f"/feuilles-de-route/{strategy.pk}/",
        "engagement": f"/feuilles-de-route/{strategy.pk}/actions/1/",
        "sous-action": f"/feuilles-de-route/{strategy.pk}/actions/{sub.number}/",
        "tableau de bord": f"/feuilles-de-route/{strategy.pk}/tableau-de-bord/",
        "bilans": f"/feuilles-de-route/{strategy.pk}/bilans/",
    }
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for context, url in pages.items():
            page.goto(url)
            assert_accessible(page, context=f"{context} ({width} px)")
            if width == 320:
                _no_horizontal_scroll(page)
    page.goto(pages["feuille de route"])
    assert page.get_by_text("Indice de fragilité numérique").count() == 1
    page.goto(pages["engagement"])
    assert page.get_by_role("heading", level=1).inner_text().startswith("Engagement 1")
    page.goto(pages["bilans"])
    page.select_option("#bilan-format", "odt")
    page.get_by_role("button", name="Générer").click()
    page.wait_for_load_state()
    page.goto(pages["bilans"])
    assert page.locator("td", has_text="v1").count() == 1
    assert_accessible(page, context="bilans après génération")
    assert not page.maillage_errors
