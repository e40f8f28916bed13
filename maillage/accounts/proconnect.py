"""ProConnect (the State's OpenID Connect federation for professionals), with mozilla-django-oidc.

Off unless ``PROCONNECT_ISSUER``, ``PROCONNECT_CLIENT_ID`` and ``PROCONNECT_CLIENT_SECRET`` are set. The
provider's endpoints come from its discovery document (``<issuer>/.well-known/openid-configuration``,
cached an hour). Tokens are checked for signature (JWKS), issuer, audience, expiry and nonce; the state
is checked by mozilla-django-oidc. Accounts are matched by e-mail (refused when the provider says it is
not verified); an account is created only for an e-mail with a pending invitation (an approved access
request is one), and the person then accepts the terms on the invitation page. A session opened through
ProConnect is not asked for our second factor (the federation's login is already strong).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from maillage.accounts.models import Invitation, User, normalise_email
from maillage.accounts.two_factor import SESSION_PROCONNECT

logger = logging.getLogger(__name__)

ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
SESSION_INVITATION = "maillage_proconnect_invitation"


def enabled() -> bool:
    return bool(getattr(settings, "PROCONNECT_ENABLED", False))


def discovery() -> dict[str, Any]:
    """The provider's configuration, fetched once an hour; its issuer must be the configured one."""
    issuer = settings.PROCONNECT_ISSUER.rstrip("/")
    key = f"proconnect-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        document = response.json()
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise ImproperlyConfigured(
                "ProConnect : l'émetteur annoncé ne correspond pas à PROCONNECT_ISSUER."
            )
        missing = [name for name in ENDPOINTS.values() if not document.get(name)]
        if missing:
            raise ImproperlyConfigured(
                f"ProConnect : document de découverte incomplet ({', '.join(missing)})."
            )
        cache.set(key, document, 3600)
    return dict(document)


def logout_url(request: HttpRequest) -> str | None:
    """Where to send a person who leaves a session opened through ProConnect: the provider's
    ``end_session_endpoint``, so that the federation's session ends too (None for other sessions)."""
    id_token = request.session.get("oidc_id_token") if hasattr(request, "session") else None
    if not enabled() or not id_token:
        return None
    try:
        endpoint = discovery().get("end_session_endpoint")
    except Exception:  # noqa: BLE001 — the provider is down: our own session still ends
        logger.exception("ProConnect : découverte impossible pour la déconnexion")
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": secrets.token_urlsafe(16),
            "post_logout_redirect_uri": settings.SITE_URL.rstrip("/") + "/",
        }
    )
    return f"{endpoint}?{query}"


def get_setting(attr: str, *args: Any) -> Any:
    if attr in ENDPOINTS:
        return discovery()[ENDPOINTS[attr]]
    return import_from_settings(attr, *args)


class ProConnectBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if enabled():
            super().__init__(*args, **kwargs)

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return get_setting(attr, *args)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not enabled() or request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ProConnect : algorithme de signature inattendu.")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.PROCONNECT_ISSUER.rstrip("/"),
                leeway=30,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SuspiciousOperation("ProConnect : jeton expiré.") from exc
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ProConnect : jeton refusé ({exc}).") from exc

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("email")) and claims.get("email_verified") is not False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return User.objects.filter(email=normalise_email(claims.get("email")), is_active=True)

    def create_user(self, claims: dict[str, Any]) -> User | None:
        """Only for an e-mail with a pending invitation; the terms are accepted on the invitation page."""
        email = normalise_email(claims.get("email"))
        invitation = (
            Invitation.objects.filter(
                email__iexact=email,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .order_by("-created_at")
            .first()
        )
        if invitation is None or User.objects.filter(email=email).exists():
            logger.info("ProConnect : aucune invitation en attente pour cette adresse, pas de compte créé.")
            return None
        from maillage.accounts.invitations import invitation_token
        from maillage.core.audit import record_change
        from maillage.core.models import AuditAction

        user = User.objects.create_user(
            email=email,
            password=None,
            first_name=str(claims.get("given_name", ""))[:150],
            last_name=str(claims.get("usual_name") or claims.get("family_name") or "")[:150],
        )
        record_change(
            actor=user,
            action=AuditAction.CREATE,
            instance=user,
            changes={"email": email, "via": "ProConnect"},
            territory_code=invitation.territory.code,
            message=_("Compte créé avec ProConnect depuis une invitation."),
        )
        self.request.session[SESSION_INVITATION] = invitation_token(invitation)
        return user


class ProConnectLoginView(OIDCAuthenticationRequestView):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if enabled():
            super().__init__(*args, **kwargs)

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return get_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        try:
            return super().get(request)
        except (requests.RequestException, ImproperlyConfigured, ValueError):
            logger.exception("ProConnect indisponible")
            return failure(request, "unavailable")


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return get_setting(attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("ProConnect : %s", exc)
            if request.user.is_authenticated:
                auth.logout(request)
            return failure(request, "refused")
        except (requests.RequestException, ImproperlyConfigured, ValueError):
            logger.exception("ProConnect indisponible")
            return failure(request, "unavailable")

    def login_failure(self) -> HttpResponse:
        return failure(self.request, "no_account")

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        self.request.session[SESSION_PROCONNECT] = True
        token = self.request.session.pop(SESSION_INVITATION, None)
        if token:
            from django.shortcuts import redirect
            from django.urls import reverse

            return redirect(reverse("accounts:invitation", args=[token]))
        return response


def failure(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "accounts/proconnect_failure.html",
        {"reason": reason},
        status=403 if reason != "unavailable" else 503,
    )
