"""Figures of the animation of the network for computed roadmap indicators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import Value, family, register
from maillage.events.models import Attendance, Evaluation, Registration, RegistrationStatus, SessionKind
from maillage.events.selectors import held_sessions


def _scope(territory: Any, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}territory": territory})
        | Q(**{f"{prefix}territory__department": territory})
        | Q(**{f"{prefix}territory__epci": territory})
        | Q(**{f"{prefix}territory__region": territory})
    )


@register(
    "events.sessions_held",
    label=_("Nombre de sessions réalisées (formations, rencontres, sensibilisations)"),
    unit=_("sessions"),
)
def sessions_held(territory: Any, start: date, end: date) -> int:
    return held_sessions(_scope(territory), start, end).count()


@register(
    "events.sensibilisations_held",
    label=_("Nombre de sensibilisations réalisées"),
    unit=_("sensibilisations"),
)
def sensibilisations_held(territory: Any, start: date, end: date) -> int:
    return held_sessions(_scope(territory), start, end).filter(kind=SessionKind.SENSIBILISATION).count()


@register(
    "events.network_meetings_held", label=_("Nombre de rencontres du réseau réalisées"), unit=_("rencontres")
)
def network_meetings_held(territory: Any, start: date, end: date) -> int:
    return held_sessions(_scope(territory), start, end).filter(kind=SessionKind.NETWORK_MEETING).count()


def _present(territory: Any, start: date, end: date, kind: str = "") -> Any:
    sessions = held_sessions(_scope(territory), start, end)
    if kind:
        sessions = sessions.filter(kind=kind)
    return Registration.objects.filter(session__in=sessions, status=RegistrationStatus.REGISTERED)


@register(
    "events.participants", label=_("Nombre de participants aux sessions (présents)"), unit=_("participants")
)
def participants(territory: Any, start: date, end: date) -> int:
    return _present(territory, start, end).filter(attendance=Attendance.PRESENT).count()


def _rate(territory: Any, start: date, end: date, kind: str = "") -> float | None:
    """Present among the registrations whose attendance was taken; None (unknown) when none was."""
    row = _present(territory, start, end, kind).aggregate(
        present=Count("pk", filter=Q(attendance=Attendance.PRESENT)),
        taken=Count("pk", filter=~Q(attendance="")),
    )
    return round(100 * row["present"] / row["taken"], 1) if row["taken"] else None


@register(  # type: ignore[arg-type]  # None: unknown (see core.metrics.compute_metric)
    "events.participation_rate",
    label=_("Taux de participation aux sessions (présents / inscrits relevés)"),
    unit="%",
)
def participation_rate(territory: Any, start: date, end: date) -> float | None:
    return _rate(territory, start, end)


@register(  # type: ignore[arg-type]  # None: unknown (see core.metrics.compute_metric)
    "events.network_meeting_participation_rate",
    label=_("Taux de participation aux rencontres trimestrielles"),
    unit="%",
)
def network_meeting_participation_rate(territory: Any, start: date, end: date) -> float | None:
    return _rate(territory, start, end, SessionKind.NETWORK_MEETING)


@register(  # type: ignore[arg-type]  # None: unknown
    "events.satisfaction", label=_("Satisfaction moyenne des évaluations (sur 5)"), unit=_("sur 5")
)
def satisfaction(territory: Any, start: date, end: date) -> float | None:
    sessions = held_sessions(_scope(territory), start, end)
    mean = Evaluation.objects.filter(registration__session__in=sessions).aggregate(m=Avg("overall"))["m"]
    return round(float(mean), 2) if mean is not None else None  # no answer: unknown, not zero


# The family form: the session counts from one aggregate over the held sessions, the participation
# figures from one over their registrations, per territory (a dashboard asking for four of these
# figures sends two queries, not four). ``tests/roadmaps/test_metrics_batch.py`` keeps it equal to the
# single forms.
_NETWORK = Q(kind=SessionKind.NETWORK_MEETING)
SESSION_COUNTS: dict[str, Any] = {
    "events.sessions_held": Count("pk"),
    "events.sensibilisations_held": Count("pk", filter=Q(kind=SessionKind.SENSIBILISATION)),
    "events.network_meetings_held": Count("pk", filter=_NETWORK),
}
_PRESENT = Q(attendance=Attendance.PRESENT)
_TAKEN = ~Q(attendance="")
_IN_NETWORK = Q(session__kind=SessionKind.NETWORK_MEETING)
REGISTRATION_COUNTS: dict[str, Any] = {
    "present": Count("pk", filter=_PRESENT),
    "taken": Count("pk", filter=_TAKEN),
    "network_present": Count("pk", filter=_PRESENT & _IN_NETWORK),
    "network_taken": Count("pk", filter=_TAKEN & _IN_NETWORK),
}
REGISTRATION_KEYS = (
    "events.participants",
    "events.participation_rate",
    "events.network_meeting_participation_rate",
)


def _ratio(present: int, taken: int) -> float | None:
    return round(100 * present / taken, 1) if taken else None


@family(*SESSION_COUNTS, *REGISTRATION_KEYS)
def session_figures(
    keys: Sequence[str], territories: Sequence[Any], start: date, end: date
) -> dict[str, dict[int, Value]]:
    out: dict[str, dict[int, Value]] = {key: {} for key in keys}
    counted = [k for k in keys if k in SESSION_COUNTS]
    registrations = any(k in REGISTRATION_KEYS for k in keys)
    for territory in territories:
        sessions = held_sessions(_scope(territory), start, end)
        if counted:
            row = sessions.aggregate(**{f"f{i}": SESSION_COUNTS[k] for i, k in enumerate(counted)})
            for i, key in enumerate(counted):
                out[key][territory.pk] = row[f"f{i}"]
        if registrations:
            r = Registration.objects.filter(
                session__in=sessions, status=RegistrationStatus.REGISTERED
            ).aggregate(**REGISTRATION_COUNTS)
            values: dict[str, Value] = {
                "events.participants": r["present"],
                "events.participation_rate": _ratio(r["present"], r["taken"]),
                "events.network_meeting_participation_rate": _ratio(r["network_present"], r["network_taken"]),
            }
            for key in keys:
                if key in values:
                    out[key][territory.pk] = values[key]
    return out
