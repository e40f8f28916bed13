"""Sends a signed-in person who must use two-factor authentication to the second step first."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class TwoFactorMiddleware:
    EXEMPT_PREFIXES = ("/static/", "/media/", "/favicon")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from maillage.accounts.two_factor import must_verify

        path = request.path
        if not path.startswith(self.EXEMPT_PREFIXES) and must_verify(request):
            exempt = {
                reverse("accounts:two_factor"),
                reverse("accounts:two_factor_codes"),
                reverse("accounts:logout"),
            }
            if path not in exempt:
                return redirect(
                    reverse("accounts:two_factor") + "?" + urlencode({"next": request.get_full_path()})
                )
        return self.get_response(request)
