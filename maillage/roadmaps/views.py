"""Thin views: scope through selectors (404 outside the user's territories), write through services."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from maillage.core.permissions import has_role, refuse_if_revoked, territories_for
from maillage.roadmaps import managed_lines, reporting, selectors, services
from maillage.roadmaps.exchange.exporter import export_data, to_json, to_yaml
from maillage.roadmaps.exchange.importer import (
    MAX_BYTES,
    RoadmapImportError,
)
from maillage.roadmaps.forms import (
    ActionEditForm,
    ActionUpdateForm,
    BudgetSpentForm,
    ImportForm,
    IndicatorValueForm,
    MeetingForm,
    StepsForm,
    VersionForm,
)
from maillage.roadmaps.models import GovernanceBody, ReportVersion, Roadmap
from maillage.roadmaps.periods import period_for
from maillage.roadmaps.permissions import can_edit_action, can_edit_roadmap, lead_organisation_ids
from maillage.roadmaps.reminders import recent_reminders


@login_required
def roadmap_list(request: HttpRequest) -> HttpResponse:
    refuse_if_revoked(request.user)
    roadmaps = list(selectors.list_roadmaps(request.user))
    return render(
        request,
        "roadmaps/list.html",
        {
            "roadmaps": roadmaps,
            "my_actions": selectors.actions_led_by(request.user),
            "can_import": has_role(request.user, "coordinator") or request.user.is_superuser,
        },
    )


@login_required
def roadmap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.roadmap_tree(selectors.get_roadmap_for_user(request.user, pk))
    lead_orgs = lead_organisation_ids(request.user)
    return render(
        request,
        "roadmaps/detail.html",
        {
            "roadmap": roadmap,
            "can_edit": can_edit_roadmap(request.user, roadmap),
            "lead_orgs": lead_orgs,
            "versions": list(roadmap.versions.all()),
            "axes": list(roadmap.axes.all()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    if not can_edit_roadmap(request.user, roadmap):
        raise PermissionDenied
    form = VersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        version = services.record_version(
            roadmap=roadmap, actor=request.user, version=form.save(commit=False)
        )
        messages.success(request, _("Version %(number)s enregistrée.") % {"number": version.number})
        return redirect("roadmaps:detail", pk=roadmap.pk)
    return render(
        request,
        "roadmaps/version_form.html",
        {"form": form, "roadmap": roadmap},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def action_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    action = selectors.action_detail(selectors.get_action_by_number(request.user, pk, number))
    roadmap = action.roadmap
    today = timezone.localdate()
    statuses = [
        reporting.indicator_status(i, roadmap.territory, reporting.roadmap_years(roadmap), today)
        for i in action.indicators.all()
    ]
    lines = list(action.budget_lines.all())
    managed = managed_lines.sources_for(line.pk for line in lines)
    for line in lines:  # lines kept by a funding application link to it instead of being edited here
        line.managed_source = managed.get(line.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "roadmaps/action.html",
        {
            "action": action,
            "roadmap": roadmap,
            "statuses": statuses,
            "budget_lines": lines,
            "budget": reporting.budget_summary(lines),
            "updates": list(action.updates.all()[:10]),
            "can_update": can_edit_action(request.user, action),
            "can_edit": can_edit_roadmap(request.user, roadmap),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action_for_user(request.user, pk)
    if not can_edit_action(request.user, action):
        raise PermissionDenied
    action = selectors.action_detail(action)
    today = timezone.localdate()
    indicators = [i for i in action.indicators.all() if not i.is_computed]
    computed = [i for i in action.indicators.all() if i.is_computed]
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    month = today.replace(day=1)
    raw_month = data.get("month") if data else None
    if raw_month:
        with contextlib.suppress(ValueError):  # the form reports the invalid choice
            month = date.fromisoformat(raw_month)
    initial_values = _initial_values(indicators, month)
    form = ActionUpdateForm(
        data,
        today=today,
        initial={"status": action.status, "progress": action.progress, "month": month.isoformat()},
    )
    value_forms = [
        IndicatorValueForm(
            data, files, indicator=i, prefix=f"ind{i.pk}", initial=initial_values.get(i.pk, {})
        )
        for i in indicators
    ]
    lines = list(action.budget_lines.all())
    managed = managed_lines.sources_for(line.pk for line in lines)  # kept by their funding application
    budget_form = BudgetSpentForm(data, lines=[x for x in lines if x.pk not in managed], prefix="budget")
    steps_form = StepsForm(
        data, steps=list(action.steps.all()), milestones=list(action.milestones.all()), prefix="etapes"
    )
    valid = (
        form.is_valid()
        and budget_form.is_valid()
        and steps_form.is_valid()
        and all(f.is_valid() for f in value_forms)
    )
    if request.method == "POST" and valid:
        services.update_action(
            action=action,
            actor=request.user,
            status=form.cleaned_data["status"],
            progress=form.cleaned_data["progress"],
            note=form.cleaned_data["note"],
            month=form.cleaned_data["month"],
            measurements=[
                services.MeasurementInput(
                    indicator=f.indicator,
                    value=f.cleaned_data.get("value"),
                    text_value=f.cleaned_data.get("text_value", ""),
                    achieved=f.cleaned_data.get("achieved"),
                    comment=f.cleaned_data.get("comment", ""),
                    evidence=f.cleaned_data.get("evidence"),
                )
                for f in value_forms
            ],
            spent=budget_form.spent(),
            steps_done=steps_form.done()[0],
            milestones_reached=steps_form.done()[1],
        )
        messages.success(request, _("Mise à jour enregistrée. Merci !"))
        return redirect("roadmaps:action", pk=action.roadmap_id, number=action.number)
    errors = request.method == "POST"
    return render(
        request,
        "roadmaps/action_update.html",
        {
            "action": action,
            "roadmap": action.roadmap,
            "form": form,
            "value_forms": value_forms,
            "budget_form": budget_form,
            "steps_form": steps_form,
            "computed": computed,
            "has_errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action_for_user(request.user, pk)
    if not can_edit_roadmap(request.user, action.roadmap):
        raise PermissionDenied
    form = ActionEditForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        services.edit_action(
            action=action, actor=request.user, changes={f: form.cleaned_data[f] for f in form.changed_data}
        )
        messages.success(request, _("Action modifiée."))
        return redirect("roadmaps:action", pk=action.roadmap_id, number=action.number)
    return render(
        request,
        "roadmaps/action_edit.html",
        {"form": form, "action": action, "roadmap": action.roadmap},
        status=400 if request.method == "POST" else 200,
    )


def _initial_values(indicators: list[Any], month: Any) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for indicator in indicators:
        start, _end = period_for(month, indicator.frequency)
        for m in indicator.measurements.all():
            if m.period_start == start:
                out[indicator.pk] = {
                    "value": m.value,
                    "text_value": m.text_value,
                    "achieved": m.achieved,
                    "comment": m.comment,
                }
    return out


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    context = reporting.dashboard(roadmap)
    context.update(
        {
            "roadmap": roadmap,
            "can_edit": can_edit_roadmap(request.user, roadmap),
            "report_years": [y for y in reporting.roadmap_years(roadmap) if y <= context["today"].year],
            "reminders": recent_reminders(roadmap),
        }
    )
    return render(request, "roadmaps/dashboard.html", context)


@login_required
def governance(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    activity = reporting.attendance_by_body(roadmap)
    return render(
        request,
        "roadmaps/governance.html",
        {"roadmap": roadmap, "activity": activity, "can_edit": can_edit_roadmap(request.user, roadmap)},
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    attendances = list(meeting.attendances.select_related("member__organisation").order_by("member_id"))
    return render(
        request,
        "roadmaps/meeting.html",
        {
            "meeting": meeting,
            "roadmap": meeting.body.roadmap,
            "attendances": attendances,
            "rate": reporting.meeting_rate(meeting),
            "can_edit": can_edit_roadmap(request.user, meeting.body.roadmap),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, body_pk: int, pk: int | None = None) -> HttpResponse:
    visible = selectors.roadmaps_visible_to(request.user).values("pk")
    body = get_object_or_404(
        GovernanceBody.objects.select_related("roadmap__territory"), pk=body_pk, roadmap__in=visible
    )
    if not can_edit_roadmap(request.user, body.roadmap):
        raise PermissionDenied
    meeting = get_object_or_404(body.meetings, pk=pk) if pk is not None else None
    members = list(body.members.select_related("organisation"))
    initial: dict[str, Any] = {}
    if meeting is not None:
        initial = {
            "date": meeting.date,
            "location": meeting.location,
            "agenda": meeting.agenda,
            "minutes": meeting.minutes,
            "decisions": meeting.decisions,
        }
        initial.update({f"member_{a.member_id}": a.status for a in meeting.attendances.all()})
    form = MeetingForm(request.POST or None, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        clash = body.meetings.filter(date=form.cleaned_data["date"])
        if meeting is not None:
            clash = clash.exclude(pk=meeting.pk)
        if clash.exists():
            form.add_error("date", _("Une réunion de cette instance existe déjà à cette date."))
        else:
            saved = services.record_meeting(
                body=body,
                actor=request.user,
                day=form.cleaned_data["date"],
                location=form.cleaned_data["location"],
                agenda=form.cleaned_data["agenda"],
                minutes=form.cleaned_data["minutes"],
                decisions=form.cleaned_data["decisions"],
                attendance=form.attendance(),
                meeting=meeting,
            )
            messages.success(request, _("Réunion enregistrée."))
            return redirect("roadmaps:meeting", pk=saved.pk)
    return render(
        request,
        "roadmaps/meeting_form.html",
        {"form": form, "body": body, "roadmap": body.roadmap, "meeting": meeting},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    measurement = selectors.get_measurement_for_user(request.user, pk)
    if not measurement.evidence:
        raise Http404
    try:
        handle = measurement.evidence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=(measurement.evidence.name or "justificatif").rsplit("/", 1)[-1]
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    if fmt in ("xlsx", "ods"):
        from maillage.roadmaps.exchange.sheets import to_ods, to_xlsx

        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if fmt == "xlsx"
            else "application/vnd.oasis.opendocument.spreadsheet"
        )
        response = HttpResponse(
            to_xlsx(roadmap) if fmt == "xlsx" else to_ods(roadmap), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{roadmap.slug}.{fmt}"'
        return response
    if fmt not in ("yaml", "json"):
        raise Http404
    data = export_data(roadmap)
    body = to_yaml(data) if fmt == "yaml" else to_json(data)
    content_type = "application/yaml" if fmt == "yaml" else "application/json"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{roadmap.slug}.{fmt}"'
    return response


REPORT_FORMATS = ("pdf", "docx", "odt")


def _report_year_ok(roadmap: Roadmap, year: int) -> bool:
    return roadmap.start_year <= year <= roadmap.end_year + 1


def _send_version(version: ReportVersion) -> FileResponse:
    from maillage.roadmaps.reports.store import CONTENT_TYPES

    response = FileResponse(
        version.file.open("rb"), content_type=CONTENT_TYPES[version.format], as_attachment=True
    )
    response["Content-Disposition"] = f'attachment; filename="{version.filename}"'
    response["X-Content-SHA256"] = version.sha256
    return response


@login_required
def report(request: HttpRequest, pk: int, year: int, fmt: str) -> FileResponse:
    """The latest stored version of the bilan (the first one is generated on demand)."""
    from maillage.roadmaps.reports.store import generate_report

    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    if fmt not in REPORT_FORMATS or not _report_year_ok(roadmap, year):
        raise Http404
    version = ReportVersion.objects.filter(roadmap=roadmap, year=year, format=fmt).order_by("-number").first()
    if version is None:
        version = generate_report(roadmap, year, fmt, actor=request.user)
    return _send_version(version)


@login_required
@require_http_methods(["GET", "POST"])
def report_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Generated bilans: who generated which version when; coordinators generate a new one."""
    from maillage.core import jobs
    from maillage.roadmaps.jobs import generate_bilan

    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    can_edit = can_edit_roadmap(request.user, roadmap)
    today = timezone.localdate()
    years = [y for y in reporting.roadmap_years(roadmap) if y <= today.year]
    errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
        fmt = request.POST.get("format", "")
        if year not in years:
            errors.append(_("Choisissez une année de la feuille de route."))
        if fmt not in REPORT_FORMATS:
            errors.append(_("Choisissez un format : PDF, DOCX ou ODT."))
        if not errors:
            # generated in the background: the job page follows it, the version appears here
            job = jobs.enqueue(
                generate_bilan,
                actor=request.user,
                territory_code=roadmap.territory.code,
                label=_("Bilan %(year)s (%(fmt)s) — %(title)s")
                % {"year": year, "fmt": fmt.upper(), "title": roadmap.title},
                roadmap_id=roadmap.pk,
                year=year,
                fmt=fmt,
            )
            messages.success(
                request,
                _(
                    "Génération du bilan %(year)s (%(fmt)s) lancée ; elle apparaîtra dans la liste des versions."
                )
                % {"year": year, "fmt": fmt.upper()},
            )
            return redirect(job)
    versions = ReportVersion.objects.filter(roadmap=roadmap).select_related("generated_by")
    return render(
        request,
        "roadmaps/reports.html",
        {
            "roadmap": roadmap,
            "versions": versions,
            "years": years,
            "formats": REPORT_FORMATS,
            "can_edit": can_edit,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def report_file(request: HttpRequest, pk: int) -> FileResponse:
    version = get_object_or_404(
        ReportVersion.objects.select_related("roadmap").filter(
            roadmap__in=selectors.roadmaps_visible_to(request.user).values("pk")
        ),
        pk=pk,
    )
    return _send_version(version)


def _coordinator_scope(user: Any) -> Q:
    ids = [t.pk for t in territories_for(user, ("coordinator",))]
    return Q(pk__in=ids) | Q(department_id__in=ids) | Q(epci_id__in=ids) | Q(region_id__in=ids)


@login_required
@require_http_methods(["GET", "POST"])
def import_roadmap(request: HttpRequest) -> HttpResponse:
    if not (has_role(request.user, "coordinator") or request.user.is_superuser):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        from maillage.roadmaps.jobs import check_upload, start_import

        upload = form.cleaned_data["file"]
        raw = upload.read(MAX_BYTES + 1)
        try:  # checked here (errors at once); written in the background (maillage.roadmaps.jobs)
            _data, checked = check_upload(user=request.user, raw=raw, filename=upload.name)
        except RoadmapImportError as exc:
            errors = exc.errors
        else:
            job = start_import(raw=raw, filename=upload.name, user=request.user, territory=checked.territory)
            return redirect(job)
    return render(
        request,
        "roadmaps/import.html",
        {"form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )
