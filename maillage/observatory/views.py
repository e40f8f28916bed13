"""Observatory pages: private (members of the territory) and public (when the territory publishes it)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from maillage.core import jobs
from maillage.core.models import JobStatus
from maillage.core.permissions import refuse_if_revoked, territories_for
from maillage.observatory import exports, selectors, services, sheets
from maillage.observatory.access import KIND_LABELS, KINDS
from maillage.observatory.fragility import IFN_KEYS, IFN_LABELS
from maillage.observatory.jobs import BOOK_KIND, build_book
from maillage.observatory.models import FragilityMethod
from maillage.observatory.svg import MAP_INDICATORS, cached_report_map
from maillage.observatory.templatetags.observatory_tags import km, num
from maillage.territories.models import Territory, TerritoryKind

SORTS = ("nom", "population", "densite", "ifn", "distance", "france_services", "lieux")


def _is_coordinator(user: Any, territory: Territory) -> bool:
    ids = {t.pk for t in territories_for(user, ["coordinator"])}
    return territory.pk in ids or territory.department_id in ids


SORT_LABELS = {
    "nom": _lazy("Commune"),
    "population": _lazy("Population"),
    "densite": _lazy("Densité (hab./km²)"),
    "ifn": _lazy("IFN"),
    "distance": _lazy("Lieu le plus proche"),
    "france_services": _lazy("France Services la plus proche"),
    "lieux": _lazy("Lieux dans la commune"),
}


def _query(request: HttpRequest, **changes: str) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return "?" + query.urlencode()


def _sort_links(request: HttpRequest, sort: str, reverse: bool) -> list[dict[str, Any]]:
    links = []
    for key in SORTS:
        active = key == sort
        descending = not reverse if active else key not in ("nom",)
        links.append(
            {
                "key": key,
                "label": SORT_LABELS[key],
                "url": _query(request, tri=key, ordre="desc" if descending else "asc") + "#communes",
                "aria_sort": ("descending" if reverse else "ascending") if active else "",
                "numeric": key != "nom",
            }
        )
    return links


def commune_rows_html(rows: list[selectors.CommuneRow]) -> SafeString:
    """The communes table body, built in Python (300+ rows: the template engine is the slow part)."""
    yes, no = _("oui"), _("non")
    return format_html_join(
        "\n",
        '<tr><th scope="row">{} <span class="meta">{}</span></th><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>',
        (
            (
                r.name,
                r.code,
                num(r.population, 0),
                num(r.density, 1),
                num(r.ifn, 1),
                km(r.distances["mediation"]),
                km(r.distances["france_services"]),
                r.places["mediation"],
                format_html('<span class="fragile-far">{}</span>', yes) if r.fragile_far else no,
            )
            for r in rows
        ),
    )


def _context(request: HttpRequest, territory: Territory, *, public: bool) -> dict[str, Any]:
    method = request.GET.get("indice")
    indicator = request.GET.get("carte", "ifn")
    indicator = indicator if indicator in MAP_INDICATORS else "ifn"
    sort = request.GET.get("tri", "nom")
    sort = sort if sort in SORTS else "nom"
    reverse = request.GET.get("ordre") == "desc"
    report = selectors.cached_report(territory, method=method)
    svg = cached_report_map(report, indicator)
    version = hashlib.sha256(report.version.encode()).hexdigest()[:16]
    rows_key = f"observatory:rows:{territory.pk}:{version}:{sort}:{int(reverse)}:{get_language()}"
    rows_html = cache.get(rows_key)
    if rows_html is None:  # the sorted table body, kept with the report's data version
        rows_html = commune_rows_html(selectors.sorted_rows(report.rows, sort, reverse))
        cache.set(rows_key, rows_html, selectors.REPORT_CACHE_SECONDS)
    methods = selectors.cached_methods(territory)
    context: dict[str, Any] = {
        "territory": territory,
        "report": report,
        "rows_html": rows_html,
        "svg": mark_safe(svg),  # noqa: S308 — built by svg.render, every text escaped
        "indicator": indicator,
        "sort": sort,
        "reverse": reverse,
        "sorts": _sort_links(request, sort, reverse),
        "map_links": [
            (key, label, _query(request, carte=key) + "#carte")
            for key, label in (
                ("ifn", _("Fragilité numérique")),
                ("distance", _("Distance au lieu le plus proche")),
            )
        ],
        "method_links": [(m, FragilityMethod(m).label, _query(request, indice=m)) for m in methods],
        "methods": [(m, FragilityMethod(m).label) for m in methods],
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "ifn_keys": [(k, IFN_LABELS[k]) for k in IFN_KEYS],
        "public": public,
        "is_public": selectors.public_setting(territory),
        "can_publish": not public and _is_coordinator(request.user, territory),
        "is_epci": territory.kind == TerritoryKind.EPCI,
        "is_department": territory.kind == TerritoryKind.DEPARTMENT,
        "department": territory if territory.kind == TerritoryKind.DEPARTMENT else None,
    }
    if territory.kind == TerritoryKind.EPCI and territory.department_id:
        context["department"] = Territory.objects.filter(pk=territory.department_id).first()
    if not public:
        activity = selectors.cached_activity_figures(territory, report.summary.population)
        context["activity"] = activity
        context["mediators_per_1000"] = activity.per_1000(activity.mediators)
        context["accompaniments_per_1000"] = activity.per_1000(activity.accompaniments)
    return context


@login_required
def index(request: HttpRequest) -> HttpResponse:
    refuse_if_revoked(request.user)
    territories = selectors.observable_territories(request.user)
    if len(territories) == 1:
        return redirect("observatory:territory", code=territories[0].code)
    return render(request, "observatory/index.html", {"territories": territories})


@login_required
def territory(request: HttpRequest, code: str) -> HttpResponse:
    refuse_if_revoked(request.user)
    found = selectors.get_territory_for_user(request.user, code)
    return render(request, "observatory/territory.html", _context(request, found, public=False))


def public_territory(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.get_public_territory(code)
    return render(request, "observatory/territory.html", _context(request, found, public=True))


def _export(territory: Territory, request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    report = selectors.build_report(territory, method=request.GET.get("indice"))
    stamp = timezone.localdate().isoformat()
    name = f"observatoire-{territory.code}-{stamp}"
    if fmt == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = HttpResponse(exports.to_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
def export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    refuse_if_revoked(request.user)
    return _export(selectors.get_territory_for_user(request.user, code), request, fmt)


def public_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return _export(selectors.get_public_territory(code), request, fmt)


def _map(territory: Territory, request: HttpRequest) -> HttpResponse:
    indicator = request.GET.get("carte", "ifn")
    report = selectors.cached_report(territory, method=request.GET.get("indice"), children=False)
    svg = cached_report_map(report, indicator if indicator in MAP_INDICATORS else "ifn")
    if not svg:
        raise Http404
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@login_required
def map_svg(request: HttpRequest, code: str) -> HttpResponse:
    refuse_if_revoked(request.user)
    return _map(selectors.get_territory_for_user(request.user, code), request)


def public_map_svg(request: HttpRequest, code: str) -> HttpResponse:
    return _map(selectors.get_public_territory(code), request)


@login_required
def sheet(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    refuse_if_revoked(request.user)
    found = selectors.get_territory_for_user(request.user, code)
    if found.kind != TerritoryKind.EPCI or fmt not in ("pdf", "docx"):
        raise Http404
    stamp = timezone.localdate().isoformat()
    if fmt == "docx":
        response = HttpResponse(
            sheets.sheet_docx(found, user=request.user),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="fiche-epci-{found.code}-{stamp}.docx"'
        return response
    response = HttpResponse(sheets.sheet_pdf(found, user=request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="fiche-epci-{found.code}-{stamp}.pdf"'
    return response


@login_required
@require_POST
def book(request: HttpRequest, code: str) -> HttpResponse:
    refuse_if_revoked(request.user)
    """Queue the département's book of EPCI sheets; the job page shows progress, then the download."""
    found = selectors.get_territory_for_user(request.user, code)
    if found.kind != TerritoryKind.DEPARTMENT:
        raise Http404
    job = jobs.enqueue(
        build_book,
        actor=request.user,
        territory_code=found.code,
        department_id=found.pk,
        user_id=request.user.pk,
    )
    return redirect(job)


@login_required
def book_download(request: HttpRequest, job_id: int) -> FileResponse:
    refuse_if_revoked(request.user)
    record = get_object_or_404(
        jobs.jobs_visible_to(request.user, kinds=[BOOK_KIND]), pk=job_id, status=JobStatus.SUCCEEDED
    )
    selectors.get_territory_for_user(request.user, record.territory_code)  # still a member of the territory
    result = record.result or {}
    path = result.get("path", "")
    if not path or not default_storage.exists(path):
        raise Http404
    return FileResponse(
        default_storage.open(path, "rb"),
        content_type="application/pdf",
        filename=result.get("filename", "livret.pdf"),
    )


@login_required
@require_POST
def publish(request: HttpRequest, code: str) -> HttpResponse:
    refuse_if_revoked(request.user)
    found = selectors.get_territory_for_user(request.user, code)
    if not _is_coordinator(request.user, found):
        raise Http404
    public = request.POST.get("public") == "1"
    services.set_public(territory=found, is_public=public, user=request.user)
    messages.success(
        request,
        _("L'observatoire est maintenant public.") if public else _("L'observatoire n'est plus public."),
    )
    return redirect("observatory:territory", code=found.code)
