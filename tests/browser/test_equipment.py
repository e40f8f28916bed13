"""The refurbishment loop in a real browser: every page accessible (axe-core), usable at 320 px, and a
device moved by keyboard only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from maillage.equipment import services
from maillage.pathways import services as pathway_services
from tests.browser.conftest import assert_accessible, screenshot
from tests.equipment.factories import make_devices, make_ready
from tests.pathways.factories import make_diagnostic


@pytest.fixture(autouse=True)
def _grid(transactional_db):  # noqa: PT004 — flushed between transactional tests: reload it
    pathway_services.current_grid()


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    culprits = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert width <= 320, f"{page.url} défile horizontalement à 320 px ({width} px) : {culprits}"


def test_every_page_is_accessible_and_fits_320px(page, login_as, lot_mediator, lot_prescriber, lot, figeac):
    device = make_ready(lot_mediator, lot)
    make_devices(lot_mediator, lot, count=3)
    allocation = services.reserve(
        actor=lot_mediator,
        device_id=device.pk,
        person_label="Jeanne",
        diagnostic=make_diagnostic(lot_prescriber, figeac),
    )
    from maillage.events.models import SessionKind
    from tests.events.factories import make_session

    make_session(  # offered in the handover form: a long title must still fit at 320 px
        lot,
        days=-2,
        kind=SessionKind.TRAINING,
        title="Atelier de prise en main d'un ordinateur portable reconditionné et de ses logiciels",
    )
    login_as(page, lot_mediator)
    paths = [
        "/equipement/",
        "/equipement/dons/",
        "/equipement/dons/nouveau/",
        f"/equipement/dons/{device.donation_id}/",
        "/equipement/atelier/",
        f"/equipement/appareils/{device.pk}/",
        f"/equipement/attributions/{allocation.pk}/",
        "/equipement/suivis/",
        "/equipement/statistiques/",
        "/equipement/importer/",
        "/equipement/criteres/",
    ]
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            assert_accessible(page, context=f"{path} à {width} px")
            if width == 320:
                _no_horizontal_scroll(page)
    screenshot(page, "equipment-statistics-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/equipement/attributions/{allocation.pk}/")
    page.locator("#id_handover-agreement_kind_0").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la remise").click()
    assert_accessible(page, context="remise refusée (erreurs)")
    assert "formation obligatoire" in page.content()


def test_a_device_is_diagnosed_by_keyboard_only(page, login_as, lot_mediator, lot):
    (device,) = make_devices(lot_mediator, lot)
    login_as(page, lot_mediator)
    page.goto(f"/equipement/appareils/{device.pk}/")
    page.locator("#id_state-to_state").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.locator("#id_state-minutes_spent").focus()
    page.keyboard.type("25")
    page.get_by_role("button", name="Enregistrer l'état").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    device.refresh_from_db()
    assert device.state == "diagnosed"
    assert "Diagnostiqué" in page.content()
    assert timezone.now() >= device.state_changed_at
    screenshot(page, "equipment-device")
