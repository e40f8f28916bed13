"""Reads of the animation of the network, scoped to the user's territories (other territories: 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from maillage.core.permissions import territories_for, territory_scope_q
from maillage.events.models import (
    Attendance,
    BudgetKind,
    Evaluation,
    EventProject,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
    Visibility,
)
from maillage.events.services import ATTENDANCE_ROLES, MANAGE_ROLES, READ_ROLES

R = RegistrationStatus


def reading_territories(user: Any) -> list[Any]:
    return territories_for(user, READ_ROLES)


def managing_territories(user: Any) -> list[Any]:
    return territories_for(user, MANAGE_ROLES)


def can_manage(user: Any, session_or_project: Any) -> bool:
    ids = {t.pk for t in territories_for(user, MANAGE_ROLES)}
    t = session_or_project.territory
    return bool(ids & {t.pk, t.department_id, t.epci_id, t.region_id})


def can_take_attendance(user: Any, session: Session) -> bool:
    ids = {t.pk for t in territories_for(user, ATTENDANCE_ROLES)}
    t = session.territory
    return bool(ids & {t.pk, t.department_id, t.epci_id, t.region_id})


def sessions_visible_to(user: Any) -> QuerySet[Session]:
    return Session.objects.filter(territory_scope_q(user, roles=READ_ROLES))


def with_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.annotate(
        n_registered=Count("registrations", filter=Q(registrations__status=R.REGISTERED)),
        n_waiting=Count("registrations", filter=Q(registrations__status=R.WAITING)),
        n_present=Count("registrations", filter=Q(registrations__attendance=Attendance.PRESENT)),
    )


def session_list(user: Any, *, kind: str = "", period: str = "upcoming", q: str = "") -> QuerySet[Session]:
    sessions = sessions_visible_to(user).select_related("place", "territory", "module")
    now = timezone.now()
    if period == "upcoming":
        sessions = sessions.filter(ends_at__gte=now).order_by("starts_at", "pk")
    elif period == "past":
        sessions = sessions.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        sessions = sessions.order_by("-starts_at", "-pk")
    if kind:
        sessions = sessions.filter(kind=kind)
    if q:
        sessions = sessions.filter(title__icontains=q)
    return with_counts(sessions)


def get_session_for_user(user: Any, pk: int) -> Session:
    return get_object_or_404(
        sessions_visible_to(user).select_related("territory", "place", "organiser", "module", "project"),
        pk=pk,
    )


def public_sessions(territory: Any) -> QuerySet[Session]:
    return (
        Session.objects.filter(
            Q(territory=territory) | Q(territory__department=territory) | Q(territory__epci=territory),
            visibility=Visibility.PUBLIC,
        )
        .select_related("place", "territory")
        .order_by("starts_at", "pk")
    )


def get_public_session(pk: int) -> Session:
    return get_object_or_404(
        Session.objects.select_related("place", "territory", "organiser", "project"),
        pk=pk,
        visibility=Visibility.PUBLIC,
    )


def registrations_of(session: Session) -> QuerySet[Registration]:
    return session.registrations.exclude(status=R.CANCELLED).order_by("status", "full_name", "pk")


def get_registration_for_user(user: Any, session: Session, pk: int) -> Registration:
    return get_object_or_404(Registration.objects.filter(session=session), pk=pk)


def projects_visible_to(user: Any) -> QuerySet[EventProject]:
    return EventProject.objects.filter(territory_scope_q(user, roles=READ_ROLES))


def get_project_for_user(user: Any, pk: int) -> EventProject:
    return get_object_or_404(projects_visible_to(user).select_related("territory", "organiser"), pk=pk)


@dataclass
class Figures:
    registered: int
    waiting: int
    present: int
    excused: int
    absent: int
    not_taken: int
    participation_rate: float | None  # present / registered, None while attendance is not taken
    evaluations: int
    satisfaction: float | None  # mean « satisfaction générale » out of 5


def session_figures(sessions: QuerySet[Session] | list[Session]) -> Figures:
    regs = Registration.objects.filter(session__in=sessions)
    row = regs.aggregate(
        registered=Count("pk", filter=Q(status=R.REGISTERED)),
        waiting=Count("pk", filter=Q(status=R.WAITING)),
        present=Count("pk", filter=Q(status=R.REGISTERED, attendance=Attendance.PRESENT)),
        excused=Count("pk", filter=Q(status=R.REGISTERED, attendance=Attendance.EXCUSED)),
        absent=Count("pk", filter=Q(status=R.REGISTERED, attendance=Attendance.ABSENT)),
        not_taken=Count("pk", filter=Q(status=R.REGISTERED, attendance="")),
    )
    taken = row["present"] + row["excused"] + row["absent"]
    evaluations = Evaluation.objects.filter(registration__session__in=sessions).aggregate(
        n=Count("pk"), mean=Avg("overall")
    )
    return Figures(
        registered=row["registered"],
        waiting=row["waiting"],
        present=row["present"],
        excused=row["excused"],
        absent=row["absent"],
        not_taken=row["not_taken"],
        participation_rate=(row["present"] / taken) if taken else None,
        evaluations=evaluations["n"],
        satisfaction=float(evaluations["mean"]) if evaluations["mean"] is not None else None,
    )


def evaluation_summary(session: Session) -> dict[str, Any]:
    answers = Evaluation.objects.filter(registration__session=session)
    means = answers.aggregate(
        overall=Avg("overall"),
        usefulness=Avg("usefulness"),
        organisation=Avg("organisation"),
        speakers=Avg("speakers"),
    )
    comments = list(answers.exclude(comment="").values_list("comment", flat=True)[:50])
    return {"count": answers.count(), "means": means, "comments": comments}


@dataclass
class BudgetTotals:
    costs: Decimal
    funding: Decimal
    unknown_costs: int
    unknown_funding: int


def budget_totals(project: EventProject) -> BudgetTotals:
    lines = list(project.budget_lines.all())
    return BudgetTotals(
        costs=sum(
            (b.amount for b in lines if b.kind == BudgetKind.COST and b.amount is not None), Decimal(0)
        ),
        funding=sum(
            (b.amount for b in lines if b.kind == BudgetKind.FUNDING and b.amount is not None), Decimal(0)
        ),
        unknown_costs=sum(1 for b in lines if b.kind == BudgetKind.COST and b.amount is None),
        unknown_funding=sum(1 for b in lines if b.kind == BudgetKind.FUNDING and b.amount is None),
    )


def held_sessions(territory_q: Q, start: date, end: date) -> QuerySet[Session]:
    return Session.objects.filter(
        territory_q,
        status=SessionStatus.SCHEDULED,
        starts_at__date__gte=start,
        starts_at__date__lte=end,
        ends_at__lt=timezone.now(),
    )
