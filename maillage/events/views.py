"""Pages of the animation of the network: sessions, registrations, attendance, certificates, projects,
and the public agenda, session page, registration form, ``.ics`` feed and evaluation questionnaire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.core.forms import show_refusal
from maillage.core.permissions import territories_or_404
from maillage.events import documents, selectors, services
from maillage.events.forms import (
    AttendanceForm,
    BudgetForm,
    ChecklistForm,
    CommitteeForm,
    EvaluationForm,
    OutsiderRegistrationForm,
    ProjectForm,
    SessionFilterForm,
    SessionForm,
)
from maillage.events.models import Attendance, BudgetKind, RegistrationStatus, SessionStatus

PAGE_SIZE = 50


def _reading(request: HttpRequest) -> list[Any]:
    return territories_or_404(selectors.reading_territories(request.user))


def _managing(request: HttpRequest) -> list[Any]:
    return territories_or_404(selectors.managing_territories(request.user))


# --- Sessions (professionals) ----------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    _reading(request)
    form = SessionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sessions = selectors.session_list(
        request.user,
        kind=filters.get("kind", ""),
        period=filters.get("period") or "upcoming",
        q=filters.get("q", ""),
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/session_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": bool(selectors.managing_territories(request.user)),
            "territories": selectors.reading_territories(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest) -> HttpResponse:
    territories = _managing(request)
    form = SessionForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        territory = data.pop("territory")
        try:
            session = services.create_session(actor=request.user, territory=territory, **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Session créée."))
            return redirect("events:detail", pk=session.pk)
    return render(request, "events/session_form.html", {"form": form, "session": None})


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    if not selectors.can_manage(request.user, session):
        raise Http404
    form = SessionForm(request.POST or None, instance=session, territories=[session.territory])
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(actor=request.user, session_id=session.pk, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Session modifiée."))
            return redirect("events:detail", pk=session.pk)
    return render(request, "events/session_form.html", {"form": form, "session": session})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    manage = selectors.can_manage(request.user, session)
    attendance = selectors.can_take_attendance(request.user, session)
    registrations = list(selectors.registrations_of(session)) if (manage or attendance) else []
    mine = (
        session.registrations.filter(user_id=request.user.pk or 0)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )
    context = {
        "session": session,
        "can_manage": manage,
        "can_take_attendance": attendance,
        "registrations": registrations,
        "mine": mine,
        "figures": selectors.session_figures([session]),
        "evaluation": selectors.evaluation_summary(session) if manage else None,
        "is_past": session.ends_at < timezone.now(),
        "has_started": session.starts_at.date() <= timezone.localdate(),
    }
    return render(request, "events/session_detail.html", context)


@login_required
@require_POST
def register_me(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    try:
        registration, created = services.register(session_id=session.pk, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if registration.status == RegistrationStatus.WAITING:
            messages.warning(request, _("La session est complète : vous êtes sur la liste d'attente."))
        elif created:
            messages.success(request, _("Vous êtes inscrit."))
        else:
            messages.info(request, _("Vous étiez déjà inscrit."))
    return redirect("events:detail", pk=session.pk)


@login_required
@require_POST
def unregister_me(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    if services.cancel_own(session=session, user=request.user) is not None:
        messages.success(request, _("Votre inscription est annulée."))
    return redirect("events:detail", pk=session.pk)


@login_required
@require_POST
def registration_cancel(request: HttpRequest, pk: int, registration: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    if not selectors.can_manage(request.user, session):
        raise Http404
    target = selectors.get_registration_for_user(request.user, session, registration)
    services.cancel_registration(registration_id=target.pk, actor=request.user)
    messages.success(request, _("Inscription annulée."))
    return redirect("events:detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    if not selectors.can_take_attendance(request.user, session):
        raise Http404
    registrations = list(
        session.registrations.filter(status=RegistrationStatus.REGISTERED).order_by("full_name", "pk")
    )
    form = AttendanceForm(request.POST or None, registrations=registrations)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.mark_attendance(actor=request.user, session_id=session.pk, marks=form.marks())
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Présences enregistrées (%(n)s modifiées).") % {"n": changed})
            return redirect("events:detail", pk=session.pk)
    return render(request, "events/attendance.html", {"session": session, "form": form})


@login_required
@require_POST
def reminders(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    if not selectors.can_manage(request.user, session):
        raise Http404
    count = services.send_reminders(session_id=session.pk, actor=request.user)
    messages.success(request, _("Rappel envoyé à %(n)s personne(s).") % {"n": count})
    return redirect("events:detail", pk=session.pk)


@login_required
@require_POST
def evaluations_send(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    if not selectors.can_take_attendance(request.user, session):
        raise Http404
    try:
        count = services.send_evaluations(actor=request.user, session_id=session.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Questionnaire envoyé à %(n)s personne(s).") % {"n": count})
    return redirect("events:detail", pk=session.pk)


@login_required
def certificate(request: HttpRequest, pk: int, registration: int) -> HttpResponse:
    session = selectors.get_session_for_user(request.user, pk)
    target = selectors.get_registration_for_user(request.user, session, registration)
    allowed = selectors.can_take_attendance(request.user, session) or target.user_id == request.user.pk
    if not allowed or target.attendance != Attendance.PRESENT:
        raise Http404
    response = HttpResponse(documents.certificate_pdf(target), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="attestation-{session.pk}-{target.pk}.pdf"'
    return response


# --- Event projects --------------------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    _reading(request)
    projects = (
        selectors.projects_visible_to(request.user)
        .select_related("territory", "organiser")
        .order_by("-created_at")
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/project_list.html",
        {"page": page, "can_create": bool(selectors.managing_territories(request.user))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    territories = _managing(request)
    form = ProjectForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        territory = data.pop("territory")
        project = services.create_project(actor=request.user, territory=territory, **data)
        messages.success(request, _("Projet créé."))
        return redirect("events:project", pk=project.pk)
    return render(request, "events/project_form.html", {"form": form, "project": None})


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, pk)
    if not selectors.can_manage(request.user, project):
        raise Http404
    form = ProjectForm(request.POST or None, instance=project, territories=[project.territory])
    if request.method == "POST" and form.is_valid():
        services.update_project(actor=request.user, project=project, **form.cleaned_data)
        messages.success(request, _("Projet modifié."))
        return redirect("events:project", pk=project.pk)
    return render(request, "events/project_form.html", {"form": form, "project": project})


PROJECT_FORMS = {"committee": CommitteeForm, "budget": BudgetForm, "checklist": ChecklistForm}


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, pk)
    sessions = list(
        selectors.with_counts(project.sessions.all()).select_related("place").order_by("starts_at")
    )
    budget = list(project.budget_lines.all())
    context = {
        "project": project,
        "can_manage": selectors.can_manage(request.user, project),
        "committee": list(project.committee.all()),
        "costs": [b for b in budget if b.kind == BudgetKind.COST],
        "funding": [b for b in budget if b.kind == BudgetKind.FUNDING],
        "totals": selectors.budget_totals(project),
        "checklist": list(project.checklist.all()),
        "sessions": sessions,
        "figures": selectors.session_figures(project.sessions.all()),
        "forms": {k: f(prefix=k) for k, f in PROJECT_FORMS.items()},
        "today": timezone.localdate(),
    }
    return render(request, "events/project_detail.html", context)


@login_required
@require_POST
def project_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, pk)
    if kind not in PROJECT_FORMS or not selectors.can_manage(request.user, project):
        raise Http404
    form = PROJECT_FORMS[kind](request.POST, prefix=kind)
    if form.is_valid():
        services.add_project_item(actor=request.user, project=project, item_kind=kind, **form.cleaned_data)
        messages.success(request, _("Ajouté."))
    else:
        messages.error(
            request,
            _("Saisie incomplète : %(e)s")
            % {"e": " ".join(" ".join(str(e) for e in v) for v in form.errors.values())},
        )
    return redirect("events:project", pk=project.pk)


@login_required
@require_POST
def checklist_toggle(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, pk)
    if not selectors.can_manage(request.user, project):
        raise Http404
    task = get_object_or_404(project.checklist, pk=item)
    services.mark_checklist_done(actor=request.user, item=task, done=task.done_on is None)
    return redirect("events:project", pk=project.pk)


# --- Public pages ----------------------------------------------------------------------------------


def _territory(code: str) -> Any:
    from maillage.territories.models import Territory

    return get_object_or_404(Territory.objects.exclude(kind="commune"), code=code)


def public_agenda(request: HttpRequest, code: str) -> HttpResponse:
    territory = _territory(code)
    sessions = selectors.public_sessions(territory).filter(ends_at__gte=timezone.now())[:200]
    return render(request, "events/public_agenda.html", {"territory": territory, "sessions": sessions})


def public_ics(request: HttpRequest, code: str) -> HttpResponse:
    territory = _territory(code)
    since = timezone.now() - timedelta(days=90)
    sessions = selectors.public_sessions(territory).filter(ends_at__gte=since)[:1000]
    data = documents.ics_feed(sessions, name=_("Animation du réseau — %(t)s") % {"t": territory.name})
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="agenda-{territory.code}.ics"'
    return response


REGISTRATIONS_PER_HOUR = 30


def _rate_limited(request: HttpRequest) -> bool:
    """At most ``REGISTRATIONS_PER_HOUR`` public registrations per client address (shared cache)."""
    from django.core.cache import caches

    from maillage.accounts.throttle import CACHE_ALIAS, client_ip

    cache = caches[CACHE_ALIAS]
    key = f"events-register:{client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        return int(cache.incr(key)) > REGISTRATIONS_PER_HOUR
    except ValueError:
        return False


@require_http_methods(["GET", "POST"])
def public_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_public_session(pk)
    form = OutsiderRegistrationForm(request.POST or None)
    done = None
    open_ = session.status == SessionStatus.SCHEDULED and session.ends_at >= timezone.now()
    if request.method == "POST" and open_ and form.is_valid():
        data = form.cleaned_data
        if data.get("website"):
            raise Http404  # honeypot filled: a robot
        if _rate_limited(request):
            return render(
                request,
                "events/public_session.html",
                {
                    "session": session,
                    "form": form,
                    "limited": True,
                    "done": None,
                    "open": open_,
                    "registered": services.registered_count(session),
                },
                status=429,
            )
        try:
            done, _created = services.register(
                session_id=session.pk,
                full_name=data["full_name"],
                structure_name=data["structure_name"],
                email=data["email"],
                accessibility_needs=data["accessibility_needs"],
            )
        except ValidationError as exc:
            show_refusal(form, exc)
    context = {
        "session": session,
        "form": form,
        "done": done,
        "open": open_,
        "registered": services.registered_count(session),
    }
    return render(request, "events/public_session.html", context)


@require_http_methods(["GET", "POST"])
def evaluation(request: HttpRequest, token: str) -> HttpResponse:
    registration = services.registration_from_token(token)
    if registration is None:
        raise Http404
    answered = hasattr(registration, "evaluation")
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and not answered and form.is_valid():
        try:
            services.submit_evaluation(registration=registration, answers=form.cleaned_data)
        except ValidationError as exc:
            show_refusal(form, exc)
        else:
            answered = True
    return render(
        request,
        "events/evaluation.html",
        {"registration": registration, "session": registration.session, "form": form, "answered": answered},
    )
