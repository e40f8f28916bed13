"""The animation of the network and the training of aidants in a real browser: every page accessible
(axe-core) at 1280 and 320 px without horizontal scroll; attendance taken by keyboard at 320 px; the
public registration form submitted without JavaScript."""

from __future__ import annotations

from datetime import date

import pytest

from maillage.events.models import EventProject, Registration
from maillage.training.catalogue import ensure_catalogue
from maillage.training.models import Module, TrainingRecord, TrainingTarget
from tests.browser.conftest import assert_accessible, screenshot
from tests.events.factories import make_place, make_registration, make_session
from tests.training.factories import make_aidant


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    culprits = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert width <= 320, f"{page.url} défile horizontalement à 320 px ({width} px) : {culprits}"


def test_every_page_is_accessible_and_fits_320px(page, login_as, lot_coordinator, lot, figeac):
    ensure_catalogue()
    place = make_place(figeac)
    upcoming = make_session(lot, place=place, title="Rencontre trimestrielle T1", capacity=1)
    make_registration(upcoming, name="Claire Martin", accessibility_needs="Boucle magnétique")
    make_registration(upcoming, name="Paul Attente", status="waiting")
    past = make_session(lot, days=-1, title="Formation inclusion numérique", kind="training")
    present = make_registration(past, name="Inès Vidal", attendance="present")
    project = EventProject.objects.create(territory=lot, title="Numérique en Commun du Lot")
    upcoming.project = project
    upcoming.save()
    aidant = make_aidant(lot, commune=figeac)
    TrainingRecord.objects.create(
        aidant=aidant, module=Module.objects.first(), completed_on=date(2025, 3, 1), source="manual"
    )
    TrainingTarget.objects.create(territory=lot, label="60 aidants", count=60, start_year=2025, end_year=2026)
    login_as(page, lot_coordinator)
    page.set_default_timeout(60_000)  # a loaded machine: the first page of a live server can be slow
    paths = [
        "/animation/",
        "/animation/nouvelle/",
        f"/animation/{upcoming.pk}/",
        f"/animation/{upcoming.pk}/modifier/",
        f"/animation/{past.pk}/",
        f"/animation/{past.pk}/presences/",
        "/animation/projets/",
        "/animation/projets/nouveau/",
        f"/animation/projets/{project.pk}/",
        "/animation/agenda/46/",
        f"/animation/sessions/{upcoming.pk}/",
        "/formation/",
        "/formation/modules/",
        "/formation/aidants/",
        "/formation/aidants/nouveau/",
        f"/formation/aidants/{aidant.pk}/",
        "/formation/habilitations/",
        "/formation/habilitations/importer/",
        "/formation/besoins/",
    ]
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(path)
            assert_accessible(page, context=f"{path} à {width} px")
            if width == 320:
                _no_horizontal_scroll(page)
    assert present.attendance == "present"
    screenshot(page, "events-needs-320")


def test_attendance_by_keyboard_on_a_phone(page, login_as, lot_coordinator, lot):
    session = make_session(lot, days=-0.01, title="Rencontre du jour")
    first = make_registration(session, name="Claire Martin")
    make_registration(session, name="Paul Rigal")
    login_as(page, lot_coordinator)
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"/animation/{session.pk}/presences/")
    assert_accessible(page, context="présences à 320 px")
    _no_horizontal_scroll(page)
    page.get_by_role("radio", name="Présent").first.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Enregistrer les présences").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first.refresh_from_db()
    assert first.attendance == "present"
    screenshot(page, "events-attendance-320")


@pytest.mark.parametrize("javascript", [False])
def test_public_registration_without_javascript(_browser, live_server, _flushable_audit_log, lot, javascript):
    session = make_session(lot, title="Webinaire Pass numérique")
    context = _browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": 320, "height": 800})
    # Scripts are off: axe cannot run here (the page is checked with axe in the first test).
    page.goto(f"/animation/sessions/{session.pk}/")
    page.get_by_label("Nom et prénom").fill("Claire Martin")
    page.get_by_label("Adresse e-mail").fill("claire@exemple.fr")
    with page.expect_navigation():
        page.get_by_role("button", name="M'inscrire").click()
    assert "Votre inscription est enregistrée" in page.content()
    assert Registration.objects.filter(session=session, email_normalised="claire@exemple.fr").count() == 1
    context.close()
