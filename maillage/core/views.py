from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


#: Date of the accessibility statement (update it with the statement).
ACCESSIBILITY_STATEMENT_DATE = date(2026, 12, 1)


def accessibility(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    context = {
        "statement_date": ACCESSIBILITY_STATEMENT_DATE,
        "contact_email": getattr(settings, "ACCESSIBILITY_CONTACT_EMAIL", ""),
    }
    return render(request, "core/accessibility.html", context)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.html", status=500)
