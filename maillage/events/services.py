"""Writes of the animation of the network. Every rule is checked here, in French.

Rules: a session belongs to one territory and is managed by its coordinators and action leads; a person
registered twice is one (same account or same e-mail, case and spaces ignored); past capacity a
registration goes to the waiting list, never over it — the session row is locked (PostgreSQL
``SELECT … FOR UPDATE``; SQLite transactions are ``IMMEDIATE``, so writers are serialised); a cancelled
place is given to the first person waiting. Attendance « présent » at a training session records the
module done for the aidant (``maillage.training``). E-mails leave through the job queue (``send_mail``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.core.audit import model_values, record_change
from maillage.core.permissions import territories_for
from maillage.events.models import (
    Attendance,
    BudgetLine,
    ChecklistItem,
    CommitteeMember,
    Evaluation,
    EventProject,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)

R = RegistrationStatus
MANAGE_ROLES = ("coordinator", "action_lead")
ATTENDANCE_ROLES = ("coordinator", "action_lead", "mediator")
READ_ROLES = ("coordinator", "action_lead", "mediator", "prescriber", "viewer")
LINK_SALT = "maillage.events.evaluation"
SESSION_FIELDS = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "is_remote",
    "remote_url",
    "capacity",
    "speakers",
    "visibility",
    "organiser",
    "module",
    "project",
    "status",
)


class EventsError(ValidationError):
    """A broken rule, with a French message saying which."""


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def _check_territory(actor: Any, territory: Any, roles: tuple[str, ...] = MANAGE_ROLES) -> None:
    allowed = {t.pk for t in territories_for(actor, roles)}
    if territory.pk not in allowed and not (
        territory.department_id in allowed or territory.epci_id in allowed or territory.region_id in allowed
    ):
        raise PermissionDenied(_("Vous n'agissez pas sur ce territoire."))


def _check_fields(fields: Mapping[str, Any]) -> None:
    if fields.get("ends_at") and fields.get("starts_at") and fields["ends_at"] < fields["starts_at"]:
        raise EventsError(_("La fin de la session précède son début."))
    if not fields.get("is_remote") and not fields.get("place"):
        raise EventsError(_("Choisissez un lieu de l'annuaire ou indiquez que la session est à distance."))


# --- Sessions --------------------------------------------------------------------------------------


@transaction.atomic
def create_session(*, actor: Any, territory: Any, **fields: Any) -> Session:
    _check_territory(actor, territory)
    _check_fields(fields)
    session = Session.objects.create(territory=territory, created_by=actor, **fields)
    record_change(actor=actor, action="create", instance=session, territory_code=territory.code)
    return session


@transaction.atomic
def update_session(*, actor: Any, session_id: int, **fields: Any) -> Session:
    session = Session.objects.select_for_update(of=("self",)).select_related("territory").get(pk=session_id)
    _check_territory(actor, session.territory)
    merged = {**model_values(session, SESSION_FIELDS), **fields}
    _check_fields(merged)
    before = model_values(session, [f for f in SESSION_FIELDS if f in fields])
    for name, value in fields.items():
        setattr(session, name, value)
    session.save()
    changes = {k: [before[k], v] for k, v in fields.items() if before.get(k) != v}
    if changes:
        record_change(
            actor=actor,
            action="update",
            instance=session,
            territory_code=session.territory.code,
            changes=changes,
        )
    _promote(session)
    return session


def registered_count(session: Session) -> int:
    return session.registrations.filter(status=R.REGISTERED).count()


def _promote(session: Session) -> list[Registration]:
    """Give free places to the people waiting, in order of registration (call with the session locked)."""
    if session.status == SessionStatus.CANCELLED:
        return []
    waiting = session.registrations.filter(status=R.WAITING).order_by("created_at", "pk")
    if session.capacity is not None:
        free = session.capacity - registered_count(session)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    for registration in promoted:
        registration.status = R.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        transaction.on_commit(partial(notify, registration.pk, "promoted"))
    return promoted


# --- Registrations ---------------------------------------------------------------------------------


@transaction.atomic
def register(
    *,
    session_id: int,
    user: Any = None,
    full_name: str = "",
    structure_name: str = "",
    email: str = "",
    accessibility_needs: str = "",
    notify_person: bool = True,
) -> tuple[Registration, bool]:
    """Register a professional (``user``) or an outsider; returns (registration, created).

    Twice the same person (account or e-mail) returns the existing registration; a cancelled one is
    re-opened, on the list or the waiting list as the capacity allows.
    """
    session = Session.objects.select_for_update().get(pk=session_id)
    if session.status == SessionStatus.CANCELLED:
        raise EventsError(_("Cette session est annulée : les inscriptions sont closes."))
    if session.ends_at < timezone.now():
        raise EventsError(_("Cette session est passée : les inscriptions sont closes."))
    if user is not None:
        full_name = full_name or user.get_full_name() or user.email
        email = user.email
        if not structure_name:
            membership = user.memberships.filter(is_active=True).select_related("organisation").first()
            structure_name = membership.organisation.name if membership else ""
    full_name = " ".join((full_name or "").split())
    normalised = normalise_email(email)
    if not full_name:
        raise EventsError(_("Indiquez votre nom et prénom."))
    if user is None and not normalised:
        raise EventsError(_("Indiquez votre adresse e-mail."))
    existing = None
    if user is not None:
        existing = session.registrations.filter(user=user).first()
    if existing is None and normalised:
        existing = session.registrations.filter(email_normalised=normalised).first()
    if existing is not None and existing.status != R.CANCELLED:
        if user is not None and existing.user_id is None:
            existing.user = user
            existing.save(update_fields=["user", "updated_at"])
        return existing, False
    full = session.capacity is not None and registered_count(session) >= session.capacity
    status = R.WAITING if full else R.REGISTERED
    if existing is not None:
        existing.status = status
        existing.user = existing.user or user
        existing.accessibility_needs = accessibility_needs or existing.accessibility_needs
        existing.save(update_fields=["status", "user", "accessibility_needs", "updated_at"])
        registration = existing
    else:
        registration = Registration.objects.create(
            session=session,
            user=user,
            full_name=full_name[:200],
            structure_name=" ".join(structure_name.split())[:250],
            email=email.strip(),
            email_normalised=normalised,
            accessibility_needs=accessibility_needs.strip(),
            status=status,
        )
    if notify_person:
        transaction.on_commit(partial(notify, registration.pk, "registered"))
    return registration, True


@transaction.atomic
def cancel_registration(*, registration_id: int, actor: Any = None, actor_label: str = "") -> Registration:
    registration = Registration.objects.select_related("session__territory").get(pk=registration_id)
    session = Session.objects.select_for_update().get(pk=registration.session_id)
    registration.refresh_from_db()
    if registration.status == R.CANCELLED:
        return registration
    before = registration.status
    registration.status = R.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    record_change(
        actor=actor,
        actor_label=actor_label,
        action="transition",
        instance=registration,
        territory_code=registration.session.territory.code,
        changes={"status": [before, R.CANCELLED]},
    )
    _promote(session)
    return registration


def cancel_own(*, session: Session, user: Any) -> Registration | None:
    registration = session.registrations.filter(user=user).exclude(status=R.CANCELLED).first()
    if registration is None:
        return None
    return cancel_registration(registration_id=registration.pk, actor=user)


# --- Attendance ------------------------------------------------------------------------------------


@transaction.atomic
def mark_attendance(*, actor: Any, session_id: int, marks: Mapping[int, str]) -> int:
    """``marks``: registration id → present / excused / absent / "" (not taken). Returns rows changed."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("territory", "module")
        .get(pk=session_id)
    )
    _check_territory(actor, session.territory, ATTENDANCE_ROLES)
    if session.starts_at.date() > timezone.localdate():
        raise EventsError(_("La présence se relève le jour de la session ou après."))
    valid = {"", *Attendance.values}
    now = timezone.now()
    changed = 0
    registrations = {
        r.pk: r for r in session.registrations.filter(pk__in=list(marks)).exclude(status=R.CANCELLED)
    }
    for pk, value in marks.items():
        registration = registrations.get(pk)
        if registration is None or value not in valid or registration.attendance == value:
            continue
        registration.attendance = value
        registration.attendance_marked_at = now
        registration.save(update_fields=["attendance", "attendance_marked_at", "updated_at"])
        changed += 1
        if session.module_id:
            from maillage.training import services as training

            training.record_attendance(registration=registration, session=session, present=value == "present")
    if changed:
        record_change(
            actor=actor,
            action="update",
            instance=session,
            territory_code=session.territory.code,
            changes={"attendance": changed},
            message="présences relevées",
        )
    return changed


# --- E-mails ---------------------------------------------------------------------------------------


def session_url(session: Session) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("events:public", args=[session.pk])


def evaluation_token(registration: Registration) -> str:
    return signing.dumps(
        {"r": registration.pk, "v": registration.link_version}, salt=LINK_SALT, compress=True
    )


def registration_from_token(token: str) -> Registration | None:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=timedelta(days=120))
    except signing.BadSignature:
        return None
    registration = (
        Registration.objects.select_related("session__territory", "session__place")
        .filter(pk=data.get("r"), link_version=data.get("v"))
        .first()
    )
    if registration is None or registration.status == R.CANCELLED or registration.anonymised_at:
        return None
    return registration


def evaluation_url(registration: Registration) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("events:evaluation", args=[evaluation_token(registration)])


SUBJECTS = {
    "registered": gettext_lazy("Inscription enregistrée : {title}"),
    "promoted": gettext_lazy("Une place s'est libérée : {title}"),
    "reminder": gettext_lazy("Rappel : {title}"),
    "evaluation": gettext_lazy("Votre avis sur : {title}"),
}


def notify(registration_id: int, what: str) -> None:
    registration = Registration.objects.select_related("session__place").filter(pk=registration_id).first()
    if registration is None or not registration.email:
        return
    context = {
        "registration": registration,
        "session": registration.session,
        "what": what,
        "url": session_url(registration.session),
        "evaluation_url": evaluation_url(registration) if what == "evaluation" else "",
    }
    send_mail(
        subject=str(SUBJECTS[what]).format(title=registration.session.title),
        message=render_to_string("events/email/notice.txt", context),
        from_email=None,
        recipient_list=[registration.email],
    )


@transaction.atomic
def send_reminders(*, session_id: int, actor: Any = None, now: datetime | None = None) -> int:
    """Remind every registered person not reminded yet (idempotent)."""
    now = now or timezone.now()
    session = Session.objects.select_for_update().get(pk=session_id)
    if session.status == SessionStatus.CANCELLED or session.starts_at < now:
        return 0
    due = list(session.registrations.filter(status=R.REGISTERED, reminded_at__isnull=True).exclude(email=""))
    for registration in due:
        transaction.on_commit(partial(notify, registration.pk, "reminder"))
    session.registrations.filter(pk__in=[r.pk for r in due]).update(reminded_at=now)
    session.reminder_sent_at = now
    session.save(update_fields=["reminder_sent_at"])
    return len(due)


def remind_upcoming(*, now: datetime | None = None, days: int = 2) -> int:
    """For the scheduler (``maillage events_remind``): sessions starting within ``days``."""
    now = now or timezone.now()
    total = 0
    for pk in Session.objects.filter(
        status=SessionStatus.SCHEDULED, starts_at__gte=now, starts_at__lte=now + timedelta(days=days)
    ).values_list("pk", flat=True):
        total += send_reminders(session_id=pk, now=now)
    return total


@transaction.atomic
def send_evaluations(*, actor: Any, session_id: int) -> int:
    """Send the evaluation link to everyone marked present who has not answered (once per session)."""
    session = Session.objects.select_for_update(of=("self",)).select_related("territory").get(pk=session_id)
    _check_territory(actor, session.territory, ATTENDANCE_ROLES)
    if session.ends_at > timezone.now():
        raise EventsError(_("Le questionnaire s'envoie après la fin de la session."))
    due = list(
        session.registrations.filter(attendance=Attendance.PRESENT, evaluation__isnull=True)
        .exclude(status=R.CANCELLED)
        .exclude(email="")
    )
    for registration in due:
        transaction.on_commit(partial(notify, registration.pk, "evaluation"))
    session.evaluation_sent_at = timezone.now()
    session.save(update_fields=["evaluation_sent_at"])
    record_change(
        actor=actor,
        action="update",
        instance=session,
        territory_code=session.territory.code,
        changes={"evaluations_sent": len(due)},
    )
    return len(due)


@transaction.atomic
def submit_evaluation(*, registration: Registration, answers: Mapping[str, Any]) -> Evaluation:
    if Evaluation.objects.filter(registration=registration).exists():
        raise EventsError(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    return Evaluation.objects.create(
        registration=registration,
        overall=answers["overall"],
        usefulness=answers["usefulness"],
        organisation=answers["organisation"],
        speakers=answers["speakers"],
        comment=(answers.get("comment") or "").strip(),
    )


# --- Event projects --------------------------------------------------------------------------------


@transaction.atomic
def create_project(*, actor: Any, territory: Any, **fields: Any) -> EventProject:
    _check_territory(actor, territory)
    project = EventProject.objects.create(territory=territory, created_by=actor, **fields)
    record_change(actor=actor, action="create", instance=project, territory_code=territory.code)
    return project


@transaction.atomic
def update_project(*, actor: Any, project: EventProject, **fields: Any) -> EventProject:
    _check_territory(actor, project.territory)
    before = model_values(project, list(fields))
    for name, value in fields.items():
        setattr(project, name, value)
    project.save()
    record_change(
        actor=actor,
        action="update",
        instance=project,
        territory_code=project.territory.code,
        changes={k: [before[k], v] for k, v in fields.items() if before[k] != v},
    )
    return project


@transaction.atomic
def add_project_item(*, actor: Any, project: EventProject, item_kind: str, **fields: Any) -> Any:
    _check_territory(actor, project.territory)
    model: Any = {"committee": CommitteeMember, "budget": BudgetLine, "checklist": ChecklistItem}[item_kind]
    item = model.objects.create(project=project, **fields)
    record_change(actor=actor, action="create", instance=item, territory_code=project.territory.code)
    return item


@transaction.atomic
def mark_checklist_done(*, actor: Any, item: ChecklistItem, done: bool) -> ChecklistItem:
    _check_territory(actor, item.project.territory)
    item.done_on = timezone.localdate() if done else None
    item.save(update_fields=["done_on"])
    record_change(
        actor=actor,
        action="update",
        instance=item,
        territory_code=item.project.territory.code,
        changes={"done_on": item.done_on},
    )
    return item
