"""Revoked access: deactivating a membership closes every door at the next request.

The demo is seeded (one account per role with their activities, beneficiaries, places, roadmaps,
diagnostics and referrals). For each role the test crawls every page reachable from the workspace while
the membership is active, remembering every GET URL and every form (action and fields). Then the
user's memberships are deactivated and everything is replayed: every private URL must answer 404 and
no POST may change a single row of the database.
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.urls import Resolver404, resolve

from maillage.accounts.models import Membership
from maillage.core.demo import DemoContext
from tests.factories import make_commune
from tests.test_url_access import PUBLIC_ROUTES

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Pages that belong to the person, not to a role: their own account, the site's public pages.
PERSONAL_ROUTES = {"home", "accessibility", "core:home", "core:accessibility"}
MAX_PAGES = 120
PER_ROUTE = 2  # pages kept per route name (other ids of the same page prove nothing more)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form":
            self._form = {
                "method": attributes.get("method", "get").lower(),
                "action": attributes.get("action", ""),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and attributes.get("name"):
            if attributes.get("type") in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._form["fields"].setdefault(attributes["name"], attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def _route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _private(path: str) -> bool:
    name = _route_name(urlsplit(path).path)
    if name is None or name.startswith("admin:"):
        return False
    return not (name in PUBLIC_ROUTES or name in PERSONAL_ROUTES or name.startswith("accounts:"))


def _crawl(client, start: list[str]) -> tuple[list[str], list[tuple[str, dict]]]:
    seen: set[str] = set()
    per_route: dict[str, int] = {}
    queue = list(start)
    pages: list[str] = []
    posts: dict[str, dict] = {}
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        route = f"{_route_name(urlsplit(url).path)}?{bool(urlsplit(url).query)}"
        per_route[route] = per_route.get(route, 0) + 1
        if per_route[route] > PER_ROUTE:
            continue
        if url.split("?")[0].endswith((".pdf", ".docx")):  # heavy documents of pages crawled anyway
            pages.append(url)
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        if _private(url):
            pages.append(url)
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if (
                parts.netloc
                or not parts.path.startswith("/")
                or parts.path.startswith(("/static/", "/admin/"))
            ):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and _private(target):
                queue.append(target)
        for form in parser.forms:
            action = urlsplit(urljoin(url, form["action"] or url))
            target = action.path + (f"?{action.query}" if action.query else "")
            if form["method"] == "post" and _private(target) and target not in posts:
                posts[target] = form["fields"]
    return pages, list(posts.items())


def _snapshot() -> str:
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "admin", "contenttypes", "auth"):
            continue
        rows = model.objects.order_by("pk").values_list()
        digest.update(f"{model._meta.label}:{list(rows)!r}".encode())
    return digest.hexdigest()


@pytest.fixture
def demo(lot, figeac, cahors, lozere, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for index in range(10):
        make_commune(
            f"461{index:02d}",
            f"Village {index}",
            lot,
            postcodes=[f"461{index:02d}"],
            lat=44.5 + index / 100,
            lon=1.7,
            population=100 + index * 50,
        )
    from maillage.accounts import demo as accounts_demo
    from maillage.activities import demo as activities_demo
    from maillage.pathways import demo as pathways_demo
    from maillage.places import demo as places_demo
    from maillage.roadmaps import demo as roadmaps_demo

    ctx = DemoContext(department=lot)
    for module in (accounts_demo, places_demo, roadmaps_demo, activities_demo, pathways_demo):
        module.seed(ctx)
    return ctx


def test_a_removed_member_replays_every_url_and_gets_404(client, demo):
    """One seeded demo, every role in turn (seeding is the slow part)."""
    for role in ("coordinator", "mediator", "action_lead", "prescriber", "viewer"):
        user = demo.users[role]
        client.force_login(user)
        pages, posts = _crawl(client, ["/compte/"])
        assert len(pages) >= 3, (role, pages)  # the role's workspace really was crawled
        if role in ("coordinator", "mediator", "prescriber"):
            assert posts, role  # their forms are replayed too

        Membership.objects.filter(user=user).update(is_active=False)
        before = _snapshot()
        still_open = [url for url in pages if client.get(url).status_code != 404]
        assert still_open == [], f"{role}: still open after removal: {still_open}"
        accepted = [url for url, fields in posts if client.post(url, fields).status_code != 404]
        assert accepted == [], f"{role}: POST not refused after removal: {accepted}"
        assert _snapshot() == before, f"{role}: a POST wrote after removal"
        client.logout()
