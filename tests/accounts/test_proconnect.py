"""ProConnect end to end against a fake OpenID Connect provider inside the test suite (no network).

The provider answers discovery, authorize, token (with PKCE), userinfo (signed JWT, as ProConnect) and
JWKS; ``requests`` is patched to reach it. Wrong state, wrong nonce, expired token, unverified e-mail
and unknown people are refused without logging anyone in or creating anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from maillage.accounts.models import Invitation, Membership, User
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ISSUER = "https://fake-proconnect.exemple.test/api/v2"
CLIENT_ID = "maillage-client"
CLIENT_SECRET = "secret-du-client"  # noqa: S105


class FakeResponse:
    def __init__(self, url: str, status: int = 200, body: Any = None, content_type: str = "application/json"):
        self.url, self.status_code = url, status
        self.headers = {"content-type": content_type}
        self.text = body if isinstance(body, str) else json.dumps(body)

    def json(self) -> Any:
        return json.loads(self.text)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code} {self.url}", response=self)  # type: ignore[arg-type]


class FakeProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "cle-1"
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.claims: dict[str, Any] = {}
        self.nonce_override: str | None = None
        self.expired = False
        self.calls: list[str] = []

    # Endpoints
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "userinfo_endpoint": f"{ISSUER}/userinfo",
            "jwks_uri": f"{ISSUER}/jwks",
            "end_session_endpoint": f"{ISSUER}/session/end",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def sign(self, payload: dict[str, Any]) -> str:
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def authorize(self, location: str) -> str:
        """The person signs in at the provider, which sends them back to the callback with a code."""
        self.calls.append("authorize")
        url = urlparse(location)
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{ISSUER}/authorize"
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert params["client_id"] == CLIENT_ID and params["response_type"] == "code"
        assert "openid" in params["scope"].split() and params["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = params
        return f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"

    def token(self, data: dict[str, Any]) -> FakeResponse:
        self.calls.append("token")
        params = self.codes.pop(data.get("code", ""), None)
        if params is None or data.get("client_secret") != CLIENT_SECRET or data.get("client_id") != CLIENT_ID:
            return FakeResponse(f"{ISSUER}/token", 400, {"error": "invalid_grant"})
        assert data["redirect_uri"] == params["redirect_uri"]
        verifier = data["code_verifier"].encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if challenge != params["code_challenge"]:
            return FakeResponse(f"{ISSUER}/token", 400, {"error": "invalid_grant"})
        now = int(time.time()) - (7200 if self.expired else 0)
        access = secrets.token_urlsafe(16)
        self.tokens[access] = self.claims
        id_token = self.sign(
            {
                "iss": ISSUER,
                "aud": CLIENT_ID,
                "sub": "sub-123",
                "iat": now,
                "exp": now + 60,
                "nonce": self.nonce_override or params["nonce"],
                "acr": "eidas1",
            }
        )
        return FakeResponse(
            f"{ISSUER}/token", 200, {"access_token": access, "id_token": id_token, "token_type": "Bearer"}
        )

    def userinfo(self, headers: dict[str, str]) -> FakeResponse:
        self.calls.append("userinfo")
        claims = self.tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if claims is None:
            return FakeResponse(f"{ISSUER}/userinfo", 401, {"error": "invalid_token"})
        now = int(time.time())
        body = self.sign(
            {"iss": ISSUER, "aud": CLIENT_ID, "sub": "sub-123", "iat": now, "exp": now + 60, **claims}
        )
        return FakeResponse(f"{ISSUER}/userinfo", 200, body, content_type="application/jwt")

    # What ``requests`` sees
    def get(self, url: str, **kwargs: Any) -> FakeResponse:
        if url == f"{ISSUER}/.well-known/openid-configuration":
            self.calls.append("discovery")
            return FakeResponse(url, 200, self.discovery())
        if url == f"{ISSUER}/jwks":
            self.calls.append("jwks")
            return FakeResponse(url, 200, self.jwks())
        if url == f"{ISSUER}/userinfo":
            return self.userinfo(kwargs.get("headers") or {})
        raise AssertionError(f"URL inattendue : {url}")

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> FakeResponse:
        assert url == f"{ISSUER}/token", url
        return self.token(dict(data or {}))


@pytest.fixture
def provider(settings, monkeypatch):
    settings.PROCONNECT_ISSUER = ISSUER
    settings.PROCONNECT_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.PROCONNECT_ENABLED = True
    settings.TWO_FACTOR_REQUIRED = True
    fake = FakeProvider()
    monkeypatch.setattr(requests, "get", fake.get)
    monkeypatch.setattr(requests, "post", fake.post)
    return fake


def _sign_in(client, provider, next_url: str = "") -> Any:
    start = client.get("/compte/proconnect/connexion/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    callback = provider.authorize(start["Location"])
    return client.get(callback.split("testserver", 1)[-1])


def test_an_existing_professional_signs_in_without_our_second_factor(client, provider, lot_coordinator):
    provider.claims = {
        "email": lot_coordinator.email.upper(),
        "email_verified": True,
        "given_name": "Camille",
    }
    response = _sign_in(client, provider)
    assert response.status_code == 302
    assert response["Location"] == "/compte/"
    assert client.session["_auth_user_id"] == str(lot_coordinator.pk)
    assert client.get("/compte/").status_code == 200  # TWO_FACTOR_REQUIRED, but ProConnect session
    assert provider.calls == ["discovery", "authorize", "token", "jwks", "userinfo", "jwks"]


def test_an_invited_person_gets_an_account_and_accepts_the_terms(client, provider, lot):
    organisation = OrganisationFactory(territory=lot)
    Invitation.objects.create(
        email="agent@caf.exemple.fr",
        organisation=organisation,
        territory=lot,
        role="prescriber",
        nonce="n" * 24,
        expires_at=timezone.now() + timedelta(days=7),
    )
    provider.claims = {"email": "agent@caf.exemple.fr", "given_name": "Sam", "usual_name": "Agent"}
    response = _sign_in(client, provider)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/invitation/")
    user = User.objects.get(email="agent@caf.exemple.fr")
    assert not user.has_usable_password() and user.last_name == "Agent"
    assert not Membership.objects.filter(user=user).exists()  # not before the terms
    client.post(response["Location"], {"accept_terms": "on"})
    assert Membership.objects.filter(user=user, role="prescriber", is_active=True).exists()
    assert client.get("/compte/").status_code == 200


def test_nobody_is_created_without_an_invitation(client, provider):
    provider.claims = {"email": "inconnu@exemple.fr", "email_verified": True}
    response = _sign_in(client, provider)
    assert response.status_code == 403
    assert "aucun compte" in response.content.decode()
    assert not User.objects.filter(email="inconnu@exemple.fr").exists()
    assert "_auth_user_id" not in client.session


def test_an_unverified_email_is_refused(client, provider, lot_coordinator):
    provider.claims = {"email": lot_coordinator.email, "email_verified": False}
    response = _sign_in(client, provider)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_wrong_state_is_refused(client, provider, lot_coordinator):
    provider.claims = {"email": lot_coordinator.email}
    start = client.get("/compte/proconnect/connexion/")
    callback = provider.authorize(start["Location"])
    forged = callback.replace("state=", "state=x")
    response = client.get(forged.split("testserver", 1)[-1])
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert "token" not in provider.calls


def test_a_wrong_nonce_is_refused(client, provider, lot_coordinator):
    provider.claims = {"email": lot_coordinator.email}
    provider.nonce_override = "nonce-d-une-autre-session"
    response = _sign_in(client, provider)
    assert response.status_code == 403
    assert "n'a pas pu être vérifiée" in response.content.decode().replace("&#x27;", "'")
    assert "_auth_user_id" not in client.session


def test_an_expired_token_is_refused(client, provider, lot_coordinator):
    provider.claims = {"email": lot_coordinator.email}
    provider.expired = True
    response = _sign_in(client, provider)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_a_replayed_callback_is_refused(client, provider, lot_coordinator):
    provider.claims = {"email": lot_coordinator.email}
    start = client.get("/compte/proconnect/connexion/")
    callback = provider.authorize(start["Location"]).split("testserver", 1)[-1]
    assert client.get(callback).status_code == 302
    client.post("/compte/deconnexion/")
    assert client.get(callback).status_code == 403
    assert "_auth_user_id" not in client.session


def test_off_when_unset(client):
    assert client.get("/compte/proconnect/connexion/").status_code == 404
    assert client.get("/compte/proconnect/retour/?code=x&state=y").status_code == 404
    assert "ProConnect" not in client.get("/compte/connexion/").content.decode()


def test_the_login_page_offers_it_when_set(client, provider):
    assert "identifier avec ProConnect" in client.get("/compte/connexion/").content.decode()


def test_leaving_a_proconnect_session_ends_it_at_the_provider_too(client, provider, lot_coordinator):
    provider.claims = {"email": lot_coordinator.email, "email_verified": True}
    assert _sign_in(client, provider).status_code == 302
    id_token = client.session["oidc_id_token"]
    response = client.post("/compte/deconnexion/")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{ISSUER}/session/end?")
    query = parse_qs(location.split("?", 1)[1])
    assert query["id_token_hint"] == [id_token] and query["state"][0]
    assert query["post_logout_redirect_uri"][0].endswith("/")
    assert "_auth_user_id" not in client.session


def test_leaving_a_password_session_stays_on_the_site(client, provider, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.post("/compte/deconnexion/")
    assert response.status_code == 302 and not response["Location"].startswith(ISSUER)
