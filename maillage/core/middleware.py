"""Security headers: a strict Content-Security-Policy with a per-request nonce, and friends."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
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
