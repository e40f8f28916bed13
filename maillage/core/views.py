from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from maillage.core import jobs
from maillage.core.permissions import refuse_if_revoked


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


def _error(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    context = {"error_title": title, "error_text": text, "request_id": getattr(request, "request_id", "")}
    return render(request, "core/error.html", context, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        _("Accès refusé"),
        _(
            "Cette page est réservée à d'autres rôles ou à un autre territoire. Si vous pensez devoir y accéder, adressez-vous à la coordination de votre territoire."
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 404, _("Page introuvable"), _("La page demandée n'existe pas ou vous n'y avez pas accès.")
    )


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    response = _error(
        request,
        405,
        _("Action impossible sur cette page"),
        _(
            "Cette page ne peut pas être utilisée de cette façon (par exemple, un formulaire envoyé à une adresse qui n'en attend pas). Revenez à la page précédente et réessayez."
        ),
    )
    response["Allow"] = ", ".join(allowed)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request context: the database or the disk may be what failed."""
    from django.template import loader
    from django.templatetags.static import static

    try:
        stylesheet = static("css/maillage.css")
    except Exception:  # noqa: BLE001 — a missing manifest must not hide the error page
        stylesheet = "/static/css/maillage.css"
    context = {
        "error_title": _("Une erreur est survenue"),
        "error_text": _(
            "L'équipe technique a été prévenue. Réessayez dans quelques instants ; si l'erreur persiste, donnez la référence ci-dessous à l'assistance."
        ),
        "request_id": getattr(request, "request_id", ""),
        "stylesheet": stylesheet,
    }
    return HttpResponse(loader.get_template("core/500.html").render(context), status=500)


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A background job: progress while it runs, then the report or the French error.

    Without JavaScript the page offers a reload link; with it, htmx refreshes the status every 2 s.
    """
    record = get_object_or_404(jobs.jobs_visible_to(request.user), pk=pk)
    spec = jobs.find_spec(record.kind)
    context = {"job": record, "report_template": spec.report_template if spec else ""}
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(jobs.as_dict(record))
    if getattr(request, "htmx", False):
        return render(request, "core/job_status.html", context)
    return render(request, "core/job_detail.html", context)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """The background jobs the user asked for, and those of the territories they coordinate."""
    refuse_if_revoked(request.user)
    records = jobs.jobs_visible_to(request.user).select_related("created_by")[:100]
    return render(request, "core/job_list.html", {"jobs": records})


@login_required
def demo_outbox(request: HttpRequest) -> HttpResponse:
    """« Boîte d'envoi (démo) »: in demo mode e-mails are kept here instead of being sent."""
    from django.conf import settings
    from django.http import Http404

    from maillage.core.models import OutboxMessage

    if not settings.DEMO_MODE:
        raise Http404
    messages = OutboxMessage.objects.all()[:50]
    return render(request, "core/demo_outbox.html", {"outbox": messages})
