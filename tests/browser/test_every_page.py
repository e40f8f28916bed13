"""Every page at 320 px: no horizontal scrolling, no axe-core violation, also in opened states.

A crawler follows the links of the site (same origin, GET, HTML pages) from the home page, as an
anonymous visitor and as the territory's coordinator, over realistic data (places, referrals, reports,
a campaign, a roadmap). On each page: the document must not be wider than the 320 px viewport
(RGAA 10.11 / WCAG 1.4.10), axe-core must find nothing, then every ``<details>`` is opened and both
checks run again. All problems are listed at once.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import AXE_SOURCE

WIDTH = 320
MAX_PAGES = 90
SKIPPED = ("/compte/deconnexion", "/admin", "/api/", "/static/", "/media/", "/__")
SKIPPED_PARAMS = {"format"}
SKIPPED_SUFFIXES = (
    ".pdf",
    ".json",
    ".csv",
    ".xlsx",
    ".geojson",
    ".xml",
    ".txt",
    ".yaml",
    ".yml",
    ".zip",
    ".ods",
)


@pytest.fixture
def site(lot, figeac, cahors, lot_coordinator, lot_prescriber):
    from maillage.pathways import workflow
    from maillage.places import contact_links, corrections
    from maillage.places.models import PlaceReminder
    from tests.pathways.factories import france_services, make_diagnostic, make_referral
    from tests.places.factories import MediatorFactory, PlaceFactory, PlaceManagerFactory
    from tests.roadmaps.factories import make_roadmap

    fs = france_services(figeac)
    stale = PlaceFactory(
        name="Tiers-lieu de Cahors avec un nom assez long pour tester les petits écrans",
        commune=cahors,
        data_updated_on=date(2024, 1, 1),
        emails=["contact-tres-long-pour-voir-si-la-page-deborde@tiers-lieu-de-cahors.example.fr"],
    )
    MediatorFactory(places=[fs])
    PlaceManagerFactory(place=fs, user=lot_coordinator)
    diagnostic = make_diagnostic(lot_prescriber, figeac)
    referrals = [
        make_referral(lot_prescriber, diagnostic, fs),
        make_referral(lot_prescriber, diagnostic, fs, send=False),
    ]
    corrections.create_report(
        place=stale, message="Fermé le mercredi <b>depuis</b> septembre", email="", key="cle"
    )
    from maillage.places.reminders import send_reminder

    send_reminder(actor=lot_coordinator, place=stale)
    reminder = PlaceReminder.objects.get(place=stale)
    roadmap = make_roadmap()
    return {
        "referrals": referrals,
        "answer": "/parcours/reponse/" + workflow.make_link_token(referrals[0]) + "/",
        "contact_link": "/lieux/mise-a-jour/" + contact_links.make_token(reminder, 0) + "/",
        "roadmap": roadmap,
        "fs": fs,
    }


def _key(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    return parts.path, tuple(sorted({k for k, _v in parse_qsl(parts.query)}))


def _normalise(href: str, origin: str) -> str | None:
    if not href or href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    parts = urlsplit(href)
    if parts.netloc and f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path or "/"
    if path.startswith(SKIPPED) or path.endswith(SKIPPED_SUFFIXES):
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in SKIPPED_PARAMS]
    if len(query) != len(parse_qsl(parts.query)):
        return None
    return path + (("?" + urlencode(query)) if query else "")


def _check(page, problems: list[str], label: str) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > WIDTH:
        culprit = page.evaluate(
            """(w) => { const out = [];
              for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.right > w + 1 && r.width > 0) { out.push(el.tagName.toLowerCase() +
                  (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ?
                  '.' + el.className.trim().split(/\\s+/).join('.') : '')); }
                if (out.length > 4) break; }
              return out.join(', '); }""",
            WIDTH,
        )
        problems.append(f"{label}: {width} px de large à {WIDTH} px ({culprit})")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations']})"""
    )
    for v in result["violations"]:
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        problems.append(f"{label}: axe {v['id']} — {v['help']} — {targets}")


def _crawl(page, start: list[str], origin: str) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    queue = list(start)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        key = _key(url)
        if key in seen:
            continue
        seen.add(key)
        try:
            response = page.goto(url)
        except PlaywrightError as exc:  # a download link: not a page
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited.append(url)
        if response.status >= 500:
            problems.append(f"{url}: erreur {response.status}")
            continue
        _check(page, problems, url)
        if page.locator("details:not([open])").count():
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            page.wait_for_timeout(100)  # the « toggle » events are dispatched asynchronously
            _check(page, problems, f"{url} (détails ouverts)")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = _normalise(href, origin)
            if target and _key(target) not in seen:
                queue.append(target)
    return visited, problems


@pytest.fixture
def narrow_page(_browser, live_server, _flushable_audit_log):
    from tests.browser.conftest import _new_page

    context, page = _new_page(_browser, live_server, viewport={"width": WIDTH, "height": 800})
    yield page
    context.close()


def test_every_public_page_at_320_px(narrow_page, live_server, site):
    start = ["/", "/lieux/", "/lieux/?commune=Figeac", f"/lieux/{site['fs'].pk}/", "/accessibilite/"]
    start += [site["answer"], site["contact_link"], f"/lieux/{site['fs'].pk}/signaler/", "/lieux/annuaire/"]
    visited, problems = _crawl(narrow_page, start, live_server.url)
    assert len(visited) >= 8, visited
    assert not problems, "\n".join(problems)


def test_every_professional_page_at_320_px(narrow_page, live_server, login_as, lot_coordinator, site):
    login_as(narrow_page, lot_coordinator)
    referral = site["referrals"][0]
    start = [
        "/compte/",
        "/lieux/gestion/",
        "/lieux/a-verifier/",
        "/lieux/corrections/",
        "/parcours/",
        "/parcours/orientations/",
        f"/parcours/orientations/{referral.pk}/",
        "/parcours/statistiques/",
        f"/feuilles-de-route/{site['roadmap'].pk}/",
        f"/feuilles-de-route/{site['roadmap'].pk}/actions/1/",
        "/activites/",
    ]
    visited, problems = _crawl(narrow_page, start, live_server.url)
    assert len(visited) >= 25, visited
    assert not problems, "\n".join(problems)


def test_focus_moves_to_the_error_summary_of_the_action_update(page, login_as, lot_coordinator, site):
    from maillage.roadmaps.models import Action

    action = Action.objects.get(roadmap=site["roadmap"], number=1)
    login_as(page, lot_coordinator)
    page.goto(f"/feuilles-de-route/actions/{action.pk}/mise-a-jour/")
    page.locator("#id_progress").fill("150")
    page.get_by_role("button", name="Enregistrer la mise à jour").click()
    page.wait_for_selector(".error-summary")
    page.wait_for_function("() => document.activeElement && document.activeElement.matches('.error-summary')")
    from tests.browser.conftest import assert_accessible

    assert_accessible(page, context="mise à jour avec erreurs")


def test_aria_current_only_on_public_directory_pages(page, login_as, lot_coordinator, site):
    nav = "nav[aria-label='Menu principal'] a[aria-current='page']"
    page.goto("/lieux/")
    assert page.locator(nav).inner_text() == "Trouver un lieu"
    login_as(page, lot_coordinator)
    for path in ("/lieux/gestion/", "/lieux/a-verifier/", "/lieux/corrections/", "/lieux/importer/"):
        page.goto(path)
        assert page.locator(nav).count() == 0, path


def test_tables_do_not_pan_the_page(page, login_as, lot_coordinator, site):
    """A ``.visually-hidden`` element inside ``.table-scroll`` must not widen the page."""
    login_as(page, lot_coordinator)
    page.set_viewport_size({"width": WIDTH, "height": 800})
    page.goto("/lieux/gestion/")
    position = page.evaluate("() => getComputedStyle(document.querySelector('.table-scroll')).position")
    assert position == "relative"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
