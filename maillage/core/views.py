from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from maillage.core import jobs


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.html", status=500)


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
    records = jobs.jobs_visible_to(request.user).select_related("created_by")[:100]
    return render(request, "core/job_list.html", {"jobs": records})
