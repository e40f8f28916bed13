"""Security headers: a strict Content-Security-Policy with a per-request nonce, and friends."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if response.status_code == 405 and isinstance(response, HttpResponseNotAllowed):
            from maillage.core.views import method_not_allowed  # a French page instead of an empty body

            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            response = method_not_allowed(request, allowed)
        tile_origin = _origin(settings.MAP_TILE_URL)
        img_src = "'self' data:" + (f" {tile_origin}" if tile_origin else "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "; ".join(
                [
                    "default-src 'self'",
                    f"script-src 'self' 'nonce-{nonce}'",
                    "style-src 'self'",
                    f"img-src {img_src}",
                    "font-src 'self'",
                    "connect-src 'self'",
                    "object-src 'none'",
                    "base-uri 'none'",
                    "form-action 'self'",
                    "frame-ancestors 'none'",
                ]
            ),
        )
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if getattr(request, "no_store", False):
            response.headers["Cache-Control"] = "no-store"
        return response


def _origin(url: str) -> str:
    if "://" not in url:
        return ""
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class AtomicWritesMiddleware:
    """``ATOMIC_REQUESTS`` for the requests that change something, when the database asks for it.

    On PostgreSQL ``ATOMIC_REQUESTS`` stays on and this middleware does nothing. On SQLite it is off
    (config/settings.py): a request-wide ``BEGIN IMMEDIATE`` on every GET would make all readers queue
    behind one writer. Here POST/PUT/PATCH/DELETE views run in one transaction (all-or-nothing, as
    before), and safe requests run in autocommit: their reads never hold the write lock and their rare
    writes (an audit row) are single statements that wait for the lock (busy timeout).
    Must be the last middleware: it calls the view itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        from django.db import DEFAULT_DB_ALIAS, connections, transaction

        settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
        if settings_dict.get("ATOMIC_REQUESTS") or request.method in SAFE_METHODS:
            return None
        if DEFAULT_DB_ALIAS in getattr(view_func, "_non_atomic_requests", set()):
            return None
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            return view_func(request, *view_args, **view_kwargs)


class PublicGZipMiddleware(GZipMiddleware):
    """GZip for HTML and JSON, only where compression cannot leak a secret (BREACH).

    BREACH needs a secret in a compressed response beside text the attacker controls. Public pages
    (search, place pages, the open-data API) hold no secret: they are compressed. Pages of a signed-in
    user (personal data, CSRF tokens), ``no-store`` pages, signed links (their token is in the page)
    and any response that sets a cookie are sent uncompressed. Static files are compressed ahead of
    time by whitenoise.
    """

    COMPRESSED_TYPES = ("text/html", "application/json", "application/geo+json", "text/csv")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip()
        if content_type not in self.COMPRESSED_TYPES:
            return response
        user = getattr(request, "user", None)
        if (
            getattr(user, "is_authenticated", False)
            or getattr(request, "no_store", False)
            or response.cookies
            or "no-store" in response.get("Cache-Control", "")
            or request.method not in ("GET", "HEAD")
        ):
            return response
        return super().process_response(request, response)


NUL_MESSAGE = (
    "Requête refusée : un champ ou un paramètre contient un caractère nul (U+0000), "
    "qui n'est pas du texte. Retirez-le puis recommencez."
)


def _has_nul(request: HttpRequest) -> bool:
    # A query parameter holds a NUL only if the query string does, percent-encoded or not: its text
    # answers without going through every parsed parameter.
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path or "%00" in query or "\x00" in query:
        return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


class RejectNulBytesMiddleware:
    """NUL bytes in a path, query parameter or form field are refused with a French 400, before any
    view runs: PostgreSQL cannot store them (it would be a 500) and no text needs them. Nothing is
    written. Uploaded files are checked by their own parsers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils.translation import gettext as _

        if _has_nul(request):
            message = _(NUL_MESSAGE)
            if request.path.startswith("/api/"):
                import json

                return HttpResponse(
                    json.dumps({"erreurs": {"requête": message}}, ensure_ascii=False),
                    status=400,
                    content_type="application/json",
                )
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class RevokedMemberMiddleware:
    """A removed member (memberships all deactivated) gets 404, never 403, on pages reserved to a role:
    404 is what every object page answers them, and 403 would confirm the page exists for the role.

    Works on the response too: on SQLite, ``AtomicWritesMiddleware`` calls write views itself, so a
    ``PermissionDenied`` they raise never reaches ``process_exception``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 and self._revoked(request):
            from maillage.core.views import page_not_found

            return page_not_found(request)
        return response

    @staticmethod
    def _revoked(request: HttpRequest) -> bool:
        from maillage.core.permissions import grants_revoked

        user = getattr(request, "user", None)
        return bool(getattr(user, "is_authenticated", False) and grants_revoked(user))

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if isinstance(exception, PermissionDenied) and self._revoked(request):
            raise Http404 from exception
