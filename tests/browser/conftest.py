"""Browser tests: Playwright (Python) driving Debian's chromium, with axe-core checks.

Fixtures:
- ``page``: a fresh Playwright page (desktop viewport) on the live server; ``mobile_page`` (390×844).
- ``live_url(path)``: absolute URL on the live server.
- ``login_as(page, user)``: logs ``user`` in by setting a real session cookie.
- ``assert_accessible(page)`` (module function): axe-core WCAG 2.1 A/AA, zero violations.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/maillage-screenshots"))  # noqa: S108 — test artefacts
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium est introuvable : apt-get install -y chromium (voir .ci/run).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _browser_settings(settings):  # noqa: PT004
    # Plain http on localhost: cookies cannot be Secure there; no third-party tiles in tests.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.MAP_TILE_URL = ""
    settings.DEBUG = False


def _new_page(browser, live_server, **context_options):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.maillage_errors = errors  # type: ignore[attr-defined]
    return context, page


@pytest.fixture(autouse=True)
def _flushable_audit_log(transactional_db):  # noqa: PT004
    """Let the live-server teardown empty the append-only audit log on SQLite.

    Autouse for every browser test. The test database is flushed with DELETE on SQLite, which the append-only triggers refuse
    (PostgreSQL flushes with TRUNCATE, which row triggers do not see). The triggers are dropped just
    before the flush and recreated for the next test, so tests still run against them.
    """
    import importlib

    from django.db import connection

    migration = importlib.import_module("maillage.core.migrations.0001_initial")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in migration.SQLITE_ALLOW + migration.SQLITE_FORBID:
                cursor.execute(statement)
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in migration.SQLITE_ALLOW:
                cursor.execute(statement)


@pytest.fixture
def page(_browser, live_server, _flushable_audit_log):
    context, page = _new_page(_browser, live_server, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def mobile_page(_browser, live_server, _flushable_audit_log):
    context, page = _new_page(
        _browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield page
    context.close()


@pytest.fixture
def live_url(live_server):
    return lambda path: f"{live_server.url}{path}"


@pytest.fixture
def login_as(live_server):
    from django.conf import settings
    from django.test import Client

    def _login(page, user) -> None:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )

    return _login


def assert_accessible(page, *, context: str = "") -> None:  # type: ignore[no-untyped-def]
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the current page; fail on any violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations']
        })"""
    )
    violations = result["violations"]
    if violations:
        lines = [f"{len(violations)} violation(s) axe-core sur {page.url} {context}".strip()]
        for v in violations:
            targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {targets}")
        raise AssertionError("\n".join(lines))


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
