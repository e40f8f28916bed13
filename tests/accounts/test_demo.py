from __future__ import annotations

import pytest

from maillage.accounts import demo
from maillage.accounts.models import AccessRequest, Invitation, Membership, User
from maillage.core.demo import DEMO_PASSWORD, DemoContext

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_fills_the_team_pages(client, lot, lozere):
    demo.seed(DemoContext(department=lot))
    counts = (
        User.objects.count(),
        Membership.objects.count(),
        Invitation.objects.count(),
        AccessRequest.objects.count(),
    )
    assert counts[2:] == (1, 1)
    demo.seed(DemoContext(department=lot))
    assert (
        User.objects.count(),
        Membership.objects.count(),
        Invitation.objects.count(),
        AccessRequest.objects.count(),
    ) == counts
    # The demo logins printed by `make demo` get in with the password alone (two-factor off in DEMO_MODE).
    response = client.post(
        "/compte/connexion/", {"username": "coordination@demo.maillage.fr", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/compte/equipe/").content.decode()
    assert "Karim" not in page  # requests are on their own page
    assert "Karim" in client.get("/compte/equipe/demandes/").content.decode()
