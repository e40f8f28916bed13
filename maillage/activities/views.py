"""Thin views: the activity report, followed beneficiaries, coordination, import and statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from maillage.activities import exports, forms, importer, selectors, services, team
from maillage.activities.choices import PARTICIPANT_CHOICES, ActivityKind
from maillage.core.audit import record_change


def _require_mediator(request: HttpRequest) -> None:
    if not selectors.is_mediator(request.user):
        raise Http404


def _require_coordinator(request: HttpRequest) -> None:
    if not selectors.coordinator_territories(request.user):
        raise Http404


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    mediator = selectors.is_mediator(request.user)
    coordinator = bool(selectors.coordinator_territories(request.user))
    if not mediator and not coordinator:
        raise Http404
    page = None
    if mediator:
        activities = (
            selectors.activities_visible_to(request.user)
            .select_related("commune", "place")
            .order_by("-date", "-id")
        )
        page = Paginator(activities, 30).get_page(request.GET.get("page"))
    coordination = (
        selectors.coordination_visible_to(request.user).select_related("territory")[:30]
        if coordinator
        else []
    )
    return render(
        request,
        "activities/list.html",
        {
            "page": page,
            "is_mediator": mediator,
            "is_coordinator": coordinator,
            "coordination": coordination,
            "last": selectors.last_activity(request.user) if mediator else None,
        },
    )


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("type") or request.POST.get("kind") or ActivityKind.INDIVIDUAL
    return kind if kind in ActivityKind.values else ActivityKind.INDIVIDUAL


def _save_form(request: HttpRequest, form: forms.ActivityForm, activity: Any = None) -> Any:
    try:
        if activity is None:
            return services.record_activity(actor=request.user, mediator=request.user, data=form.to_data())
        return services.update_activity(actor=request.user, activity=activity, data=form.to_data())
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return None


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    _require_mediator(request)
    request.no_store = True  # type: ignore[attr-defined]
    kind = _kind(request)
    duplicate = None
    if request.GET.get("dupliquer"):
        try:
            duplicate = selectors.get_activity_for_user(request.user, int(request.GET["dupliquer"]))
        except ValueError as exc:
            raise Http404 from exc
        kind = duplicate.kind
    if request.method == "POST":
        form = forms.ActivityForm(request.POST, user=request.user, kind=kind)
        if form.is_valid():
            activity = _save_form(request, form)
            if activity is not None:
                messages.success(request, _("Activité enregistrée."))
                if "encore" in request.POST:
                    return redirect(f"{request.path}?type={kind}")
                return redirect("activities:list")
    else:
        form = forms.ActivityForm(
            initial=forms.initial_for(request.user, kind, duplicate=duplicate), user=request.user, kind=kind
        )
    return render(
        request,
        "activities/form.html",
        {"form": form, "kind": kind, "duplicate": duplicate, "activity": None, "kinds": ActivityKind.choices},
    )


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(request.user, pk)
    request.no_store = True  # type: ignore[attr-defined]
    accompaniments = list(activity.accompaniments.select_related("beneficiary", "residence_commune"))
    counts = list(activity.participant_counts.order_by("dimension", "-count"))
    for count in counts:
        choices = PARTICIPANT_CHOICES.get(count.dimension)
        count.label = str(dict(choices.choices).get(count.value, count.value)) if choices else count.value  # type: ignore[attr-defined]
    return render(
        request,
        "activities/detail.html",
        {"activity": activity, "accompaniments": accompaniments, "counts": counts},
    )


@login_required
def activity_update(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(request.user, pk)
    request.no_store = True  # type: ignore[attr-defined]
    if request.method == "POST":
        form = forms.ActivityForm(request.POST, user=request.user, kind=activity.kind)
        if form.is_valid() and _save_form(request, form, activity) is not None:
            messages.success(request, _("Activité modifiée."))
            return redirect("activities:detail", pk=activity.pk)
    else:
        form = forms.ActivityForm(
            initial=forms.initial_from_activity(activity), user=request.user, kind=activity.kind
        )
    return render(
        request,
        "activities/form.html",
        {"form": form, "kind": activity.kind, "activity": activity, "duplicate": None, "kinds": []},
    )


@login_required
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.get_activity_for_user(request.user, pk)
    services.delete_activity(actor=request.user, activity=activity)
    messages.success(request, _("Activité supprimée."))
    return redirect("activities:list")


# --- Followed beneficiaries -----------------------------------------------------------------


@login_required
def beneficiary_list(request: HttpRequest) -> HttpResponse:
    _require_mediator(request)
    request.no_store = True  # type: ignore[attr-defined]
    people = selectors.beneficiaries_visible_to(request.user).select_related("residence_commune")
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "activities/beneficiaries.html", {"page": page})


@login_required
def beneficiary_create(request: HttpRequest) -> HttpResponse:
    _require_mediator(request)
    request.no_store = True  # type: ignore[attr-defined]
    form = forms.BeneficiaryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_beneficiary(
                actor=request.user, mediator=request.user, values=form.values()
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Bénéficiaire enregistré·e."))
            return redirect("activities:beneficiary", pk=person.pk)
    return render(request, "activities/beneficiary_form.html", {"form": form, "person": None})


@login_required
def beneficiary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_beneficiary_for_user(request.user, pk)
    request.no_store = True  # type: ignore[attr-defined]
    history = list(person.accompaniments.select_related("activity").order_by("-activity__date")[:100])
    record_change(actor=request.user, action="view", instance=person)
    return render(request, "activities/beneficiary_detail.html", {"person": person, "history": history})


@login_required
def beneficiary_update(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_beneficiary_for_user(request.user, pk)
    request.no_store = True  # type: ignore[attr-defined]
    form = forms.BeneficiaryForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        person.refresh_from_db()
        services.update_beneficiary(actor=request.user, beneficiary=person, values=values)
        messages.success(request, _("Fiche mise à jour."))
        return redirect("activities:beneficiary", pk=person.pk)
    return render(request, "activities/beneficiary_form.html", {"form": form, "person": person})


@login_required
@require_POST
def beneficiary_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_beneficiary_for_user(request.user, pk)
    services.anonymise_beneficiary(actor=request.user, beneficiary=person)
    messages.success(request, _("La fiche a été anonymisée ; les statistiques sont conservées."))
    return redirect("activities:beneficiaries")


# --- Coordination ---------------------------------------------------------------------------


@login_required
def coordination_create(request: HttpRequest) -> HttpResponse:
    _require_coordinator(request)
    form = forms.CoordinationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_coordination(
                actor=request.user, territory=form.cleaned_data["territory"], values=form.values()
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Activité de coordination enregistrée."))
            return redirect("activities:list")
    return render(request, "activities/coordination_form.html", {"form": form})


# --- Import ---------------------------------------------------------------------------------


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload of a mediator's file; the import runs in the background (maillage.activities.jobs): the
    job page shows its progress, then the counts or the errors by line and column."""
    from maillage.activities.jobs import start_import

    _require_mediator(request)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importer.MAX_BYTES:
            form.add_error("file", _("Fichier trop volumineux : 10 Mo au plus."))
        else:
            job = start_import(content=upload.read(), filename=upload.name, user=request.user)
            return redirect(job)
    return render(
        request,
        "activities/import.html",
        {"form": form, "columns": importer.COLUMNS},
    )


@login_required
def import_team(request: HttpRequest) -> HttpResponse:
    """A coordinator's team export: upload, then the mapping of its mediators (``import_team_confirm``)."""
    _require_coordinator(request)
    form = forms.TeamImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importer.MAX_BYTES:
            form.add_error("file", _("Fichier trop volumineux : 10 Mo au plus."))
        else:
            try:
                pending = team.stage(coordinator=request.user, content=upload.read(), filename=upload.name)
            except importer.ImportFailed as failure:
                errors = importer.iter_errors(failure.errors)
            else:
                return redirect("activities:import_team_confirm", pk=pending.pk)
    return render(request, "activities/import_team.html", {"form": form, "errors": errors})


@login_required
def import_team_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _require_coordinator(request)
    request.no_store = True  # type: ignore[attr-defined]
    pending = team.pending_for(request.user, pk)
    members = team.members_of(pending)
    form = forms.TeamMappingForm(
        request.POST or None,
        proposals=team.proposals(request.user, members),
        mediators=team.candidates(request.user),
    )
    if request.method == "POST" and form.is_valid():
        from maillage.activities.jobs import start_team_import

        try:  # the mapping is checked here; the write runs in the background (maillage.activities.jobs)
            team.resolve_choices(coordinator=request.user, pending=pending, choices=form.choices())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            job = start_team_import(coordinator=request.user, pending=pending, choices=form.choices())
            return redirect(job)
    return render(
        request,
        "activities/import_team_confirm.html",
        {"form": form, "pending": pending, "rows": sum(m.rows for m in members)},
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require_mediator(request)
    response = HttpResponse(
        ("\ufeff" + importer.template_csv()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="modele-activites-maillage.csv"'
    return response


@login_required
def activity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """A mediator's own activity list, as CSV or XLSX (the Coop's column names)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _require_mediator(request)
    activities = (
        selectors.activities_visible_to(request.user)
        .select_related("commune", "place")
        .prefetch_related("accompaniments__residence_commune", "participant_counts")
        .order_by("-date", "-id")
    )
    record_change(
        actor=request.user,
        action="export",
        object_type="activities.Activity",
        object_id=request.user.pk,
        changes={"format": fmt},
    )
    stem = f"mes-activites-{timezone.localdate():%Y-%m-%d}"
    return exports.activities_response(activities.iterator(chunk_size=2000), fmt, stem)


# --- Statistics -----------------------------------------------------------------------------


def _stats_context(request: HttpRequest, *, top: int | None = None) -> dict[str, Any]:
    start, end = selectors.default_period(timezone.localdate())
    scope_param = request.GET.get("perimetre") or None
    data = None
    if request.GET:
        data = request.GET.copy()
        if not data.get("du"):
            data["du"] = start.isoformat()
        if not data.get("au"):
            data["au"] = end.isoformat()
    form = forms.StatsFilterForm(data, user=request.user)
    rows = cols = ""
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("du") or start
        end = form.cleaned_data.get("au") or end
        rows, cols = form.cleaned_data.get("lignes") or "", form.cleaned_data.get("colonnes") or ""
    elif form.is_bound and "perimetre" in form.errors:
        raise Http404
    scope = selectors.resolve_scope(request.user, scope_param)
    if not form.is_bound:
        form = forms.StatsFilterForm(
            initial={"perimetre": scope.param, "du": start, "au": end}, user=request.user
        )
    stats = selectors.compute_stats(scope, start, end, top=top)
    table = selectors.cross_tab(scope, start, end, rows, cols) if rows and cols and rows != cols else None
    return {"form": form, "stats": stats, "table": table, "scope": scope}


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    context = _stats_context(request, top=exports.TABLE_LIMIT)
    context["charts_html"] = exports.charts_html(exports.charts(context["stats"]))
    context["query"] = request.GET.urlencode()
    return render(request, "activities/stats.html", context)


@login_required
def stats_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    context = _stats_context(request)
    record_change(
        actor=request.user,
        action="export",
        object_type="activities.stats",
        object_id=context["scope"].param,
        changes={"format": fmt},
    )
    if fmt == "csv":
        return exports.csv_response(context["stats"], context["table"])
    return exports.xlsx_response(context["stats"], context["table"])
