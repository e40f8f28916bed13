"""Team and account pages in a real browser: axe-core, 320 px wide, keyboard only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.accounts.invitations import invitation_token
from maillage.accounts.models import AccessRequest, Invitation, Membership
from tests.browser.conftest import assert_accessible, screenshot
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def team(lot, figeac, lot_coordinator):
    from tests.places.factories import PlaceFactory

    org = OrganisationFactory(name="Association Clic & Lien", territory=lot, siret="22460001700012")
    for n in range(3):
        MembershipFactory(organisation=org, territory=lot, role="mediator" if n else "prescriber")
    PlaceFactory(name="Espace numérique de Figeac", commune=figeac, organisation=org)
    invitation = Invitation.objects.create(
        email="nouvelle@exemple.fr",
        organisation=org,
        territory=lot,
        role="mediator",
        nonce="n" * 24,
        expires_at=timezone.now() + timedelta(days=7),
    )
    request = AccessRequest.objects.create(
        email="k@exemple.fr",
        first_name="Karim",
        last_name="Benali",
        organisation_name="CCAS de Figeac",
        territory=lot,
        role="prescriber",
    )
    return {"org": org, "invitation": invitation, "request": request}


def _pages(team, lot_coordinator):
    membership = Membership.objects.filter(organisation=team["org"]).first()
    return [
        "/compte/equipe/",
        "/compte/equipe/?statut=never",
        "/compte/equipe/inviter/",
        "/compte/equipe/invitations/",
        "/compte/equipe/demandes/",
        f"/compte/equipe/demandes/{team['request'].pk}/",
        "/compte/equipe/structures/",
        f"/compte/equipe/structures/{team['org'].pk}/",
        "/compte/equipe/structures/nouvelle/",
        f"/compte/equipe/habilitations/{membership.pk}/",
        "/compte/mon-compte/",
        "/compte/mon-compte/mot-de-passe/",
        "/compte/double-authentification/",
    ]


PUBLIC = [
    "/compte/connexion/",
    "/compte/mot-de-passe-oublie/",
    "/compte/mot-de-passe-oublie/envoye/",
    "/compte/demander-un-acces/",
    "/compte/conditions-d-utilisation/",
    "/compte/confidentialite/",
    "/compte/invitation/faux/",
]


def test_team_pages_are_accessible_and_fit_320px(_browser, live_server, login_as, team, lot_coordinator):
    from tests.browser.conftest import _new_page

    context, page = _new_page(_browser, live_server, viewport={"width": 320, "height": 800}, is_mobile=True)
    try:
        login_as(page, lot_coordinator)
        for path in _pages(team, lot_coordinator):
            page.goto(live_server.url + path)
            assert page.locator("h1").count() == 1, path
            assert_accessible(page, context=path)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 320:
                screenshot(page, "accounts-too-wide")
                wide = page.evaluate(
                    "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 321)"
                    ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
                )
                raise AssertionError((path, width, wide))
        screenshot(page, "accounts-team-320")
    finally:
        context.close()


def test_public_account_pages_are_accessible_and_fit_320px(_browser, live_server, lot, team):
    from tests.browser.conftest import _new_page

    context, page = _new_page(_browser, live_server, viewport={"width": 320, "height": 800}, is_mobile=True)
    try:
        link = f"/compte/invitation/{invitation_token(team['invitation'])}/"
        for path in [*PUBLIC, link]:
            page.goto(live_server.url + path)
            assert_accessible(page, context=path)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 320, (path, width)
    finally:
        context.close()


def test_an_invitation_is_accepted_with_the_keyboard(page, live_server, team):
    link = f"/compte/invitation/{invitation_token(team['invitation'])}/"
    page.goto(live_server.url + link)
    page.locator("#id_first_name").focus()
    page.keyboard.type("Inès")
    page.keyboard.press("Tab")
    page.keyboard.type("Vidal")
    page.keyboard.press("Tab")
    page.keyboard.type("une phrase de passe assez longue")
    page.keyboard.press("Tab")
    page.keyboard.type("une phrase de passe assez longue")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the terms checkbox
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/compte/")
    assert "Bienvenue" in page.content()
    assert Membership.objects.filter(user__email="nouvelle@exemple.fr", is_active=True).exists()
    assert_accessible(page, context="après acceptation")


def test_a_coordinator_invites_with_the_keyboard(page, live_server, login_as, team, lot, lot_coordinator):
    login_as(page, lot_coordinator)
    page.goto(live_server.url + "/compte/equipe/inviter/")
    page.locator("#id_emails").focus()
    page.keyboard.type("mediatrice@exemple.fr")
    page.select_option("#id_organisation", str(team["org"].pk))
    page.select_option("#id_territory", str(lot.pk))
    page.select_option("#id_role", "mediator")
    page.locator("button[type=submit]").last.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/compte/equipe/invitations/")
    assert "mediatrice@exemple.fr" in page.content()
    assert_accessible(page, context="invitations après envoi")
