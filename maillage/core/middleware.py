"""Security headers: a strict Content-Security-Policy with a per-request nonce, and friends."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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


NUL_MESSAGE = (
    "Requête refusée : un champ ou un paramètre contient un caractère nul (U+0000), "
    "qui n'est pas du texte. Retirez-le puis recommencez."
)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in value for value in values):
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
    404 is what every object page answers them, and 403 would confirm the page exists for the role."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        from maillage.core.permissions import grants_revoked

        user = getattr(request, "user", None)
        authenticated = getattr(user, "is_authenticated", False)
        if isinstance(exception, PermissionDenied) and authenticated and grants_revoked(user):
            raise Http404 from exception
