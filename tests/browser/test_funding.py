"""The funding watch in a real browser: every page accessible (axe-core) at 1280 and 320 px without
horizontal scrolling, and the over-request refusal readable."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from maillage.funding import services
from tests.browser.conftest import assert_accessible, screenshot
from tests.funding.factories import (
    make_action,
    make_application,
    make_granted,
    make_opportunity,
    make_post,
    make_roadmap,
)


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    culprits = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert width <= 320, f"{page.url} défile horizontalement à 320 px ({width} px) : {culprits}"


def test_funding_pages_are_accessible_and_fit_320px(page, login_as, lot, lot_coordinator):
    action = make_action(make_roadmap(lot), 8)
    opportunity = make_opportunity(
        lot, "FSE+ Occitanie — inclusion numérique", deadline=timezone.localdate() + timedelta(days=12)
    )
    application = make_granted(lot_coordinator, action, opportunity=opportunity, year=2025)
    services.add_instalment(
        actor=lot_coordinator, application=application, received_on=date(2025, 4, 30), amount=Decimal("5000")
    )
    services.add_instalment(
        actor=lot_coordinator, application=application, received_on=date(2025, 10, 15), amount=Decimal("3000")
    )
    services.save_document(
        actor=lot_coordinator,
        application=application,
        kind="convention",
        title="Convention attributive",
        upload=SimpleUploadedFile("convention.pdf", b"%PDF-1.4 demo"),
    )
    pending = make_application(lot_coordinator, action, title="Fondation — ateliers", amount_requested=None)
    post = make_post(lot)
    for year, state in ((2024, "25000"), (2025, "17500"), (2026, None)):
        services.save_post_year(
            actor=lot_coordinator,
            post=post,
            values=services.YearInput(year, Decimal(state) if state else None, Decimal("35000"), None),
        )
    login_as(page, lot_coordinator)
    paths = [
        "/financements/",
        "/financements/opportunites/",
        "/financements/opportunites/nouvelle/",
        f"/financements/opportunites/{opportunity.pk}/",
        "/financements/dossiers/",
        "/financements/dossiers/nouveau/",
        f"/financements/dossiers/{application.pk}/",
        f"/financements/dossiers/{application.pk}/modifier/",
        f"/financements/dossiers/{pending.pk}/",
        f"/financements/postes/territoire/{lot.pk}/",
        f"/financements/postes/{post.pk}/",
        "/financements/postes/nouveau/",
        f"/feuilles-de-route/{action.roadmap_id}/actions/{action.number}/",
    ]
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            assert_accessible(page, context=f"{path} à {width} px")
            if width == 320:
                _no_horizontal_scroll(page)
    screenshot(page, "funding-action-budget-320")
    page.goto(f"/financements/postes/territoire/{lot.pk}/")
    screenshot(page, "funding-degressivity-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/financements/dossiers/{application.pk}/modifier/")
    page.locator("#id_granted_amount").fill("15000")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert_accessible(page, context="montant accordé supérieur à la demande (erreurs)")
    assert "dépasse le montant demandé" in page.content()
