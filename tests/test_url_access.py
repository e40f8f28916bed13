"""Deny by default: the list of routes an anonymous visitor can reach is a reviewed snapshot.

Every URL pattern is requested anonymously with placeholder arguments. A route that does not send the
visitor to the login page is public; adding one makes this test fail until it is added below, after
review (no personal data, no territory-private data).
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_ROUTES = {
    # name: status for an anonymous GET with placeholder arguments (404: public view, unknown object)
    "home": 200,
    "accessibility": 200,
    "accounts:login": 200,
    "accounts:logout": 405,  # POST only
    "places:search": 200,  # public directory
    "places:communes": 200,  # commune suggestions (reference data)
    "places:map_points": 200,  # every result of a public search for the map (public data only)
    "places:detail": 404,  # public place page (no mediators shown)
    "places:annuaire": 200,  # printed annuaire, public data only
    "places:annuaire_pdf": 404,
    "api:places": 200,  # open-data API, no personal data
    "api:place": 404,
    "api:places_csv": 200,
    "api:places_json": 200,
    "api:openapi": 200,
    "api:not_found": 404,  # JSON 404 for any other /api/v1/ path
    "pathways:answer": 404,  # signed link for the receiving place; forged token → 404
    "health": 200,  # monitoring probe: database, queue lag, free disk (no personal data)
    # Accounts (issue 9): getting in without an account; every form throttled, nothing private shown.
    "accounts:password_reset": 200,
    "accounts:password_reset_done": 200,
    "accounts:password_reset_confirm": 200,  # forged link → « ce lien n'est plus valable »
    "accounts:password_reset_complete": 200,
    "accounts:invitation": 404,  # signed invitation link; forged token → 404 page saying what to do
    "accounts:access_request": 200,  # « demander un accès »
    "accounts:terms": 200,
    "accounts:privacy": 200,
    "accounts:proconnect_login": 404,  # ProConnect off unless configured
    "accounts:proconnect_callback": 404,
    "places:contact_link": 404,  # signed reminder link for a place's contact; forged token → 404
    "places:report_error": 404,  # « Signaler une erreur » on a public place page (honeypot + rate limit)
    "observatory:public": 404,  # published observatories only (no personal data); others → 404
    "observatory:public_export": 404,
    "observatory:public_map": 404,
    # Animation du réseau (issue 17): public sessions of a territory only (no registrant shown).
    "events:agenda": 404,  # public agenda of a territory; unknown code → 404
    "events:ics": 404,  # .ics feed of the territory's public sessions
    "events:public": 404,  # public session page and registration form (honeypot + rate limit)
    "events:evaluation": 404,  # signed link of a registrant; forged token → 404
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", prefix + str(entry.pattern)


PLACEHOLDERS = {
    "int": "999999",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _concrete(route: str) -> str:
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: PLACEHOLDERS.get(m.group(1) or "str", "x"), route)
    return "/" + route.replace("\\Z", "")


def _routes():
    return [
        (name, _concrete(route))
        for name, route in _walk(get_resolver().url_patterns)
        if not name.startswith("admin:") and "(?P" not in route
    ]


@pytest.mark.django_db
def test_anonymous_routes_are_the_reviewed_ones(client):
    public = {}
    for name, url in _routes():
        response = client.get(url)
        location = response.headers.get("Location", "")
        if response.status_code in (301, 302) and "/compte/connexion/" in location:
            continue
        public[name] = response.status_code
    assert public == PUBLIC_ROUTES


@pytest.mark.slow
@pytest.mark.django_db
def test_every_page_sends_the_security_headers_to_professionals(client, lot_coordinator):
    client.force_login(lot_coordinator)
    checked = 0
    for name, url in _routes():
        if "999999" in url or url.endswith("/x/") or name == "accounts:logout":
            continue
        response = client.get(url)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "'nonce-" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp, name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        checked += 1
    assert checked >= 10
