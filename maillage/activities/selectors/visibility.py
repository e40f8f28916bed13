"""Visibility chokepoints: a mediator sees only their own activities and followed beneficiaries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from maillage.activities.models import (
    Activity,
    Beneficiary,
    CoordinationActivity,
)
from maillage.core.permissions import active_memberships, has_role, territories_for, territory_scope_q
from maillage.territories.models import Territory

AGGREGATE_ROLES = ("coordinator", "action_lead", "viewer")


# --- Visibility chokepoints -------------------------------------------------------------------


def _is_active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def _acts_as_mediator(user: Any) -> bool:
    """Decided at each request from the ACTIVE memberships: a removed mediator sees nothing any more."""
    return _is_active(user) and has_role(user, "mediator")


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    if not _acts_as_mediator(user):
        return Activity.objects.none()
    return Activity.objects.filter(mediator=user)


def get_activity_for_user(user: Any, pk: int) -> Activity:
    try:
        return activities_visible_to(user).get(pk=pk)
    except Activity.DoesNotExist as exc:
        raise Http404 from exc


def beneficiaries_visible_to(user: Any) -> QuerySet[Beneficiary]:
    if not _acts_as_mediator(user):
        return Beneficiary.objects.none()
    return Beneficiary.objects.filter(mediator=user, anonymised_at__isnull=True)


def get_beneficiary_for_user(user: Any, pk: int) -> Beneficiary:
    try:
        return beneficiaries_visible_to(user).select_related("residence_commune").get(pk=pk)
    except Beneficiary.DoesNotExist as exc:
        raise Http404 from exc


def coordination_visible_to(user: Any) -> QuerySet[CoordinationActivity]:
    if not _is_active(user) or not has_role(user, "coordinator"):
        return CoordinationActivity.objects.none()
    return CoordinationActivity.objects.filter(coordinator=user).filter(
        territory_scope_q(user, field="territory", roles=["coordinator"])
    )


def is_mediator(user: Any) -> bool:
    return any(m.role == "mediator" for m in active_memberships(user))


def coordinator_territories(user: Any) -> list[Territory]:
    return territories_for(user, ["coordinator"])


def last_activity(user: Any) -> Activity | None:
    """The most recent activity by date (then the last recorded that day): what « Dupliquer la
    dernière » copies — an activity recorded today for last month is not « the last »."""
    return activities_visible_to(user).order_by("-date", "-created_at", "-id").first()


def recent_durations(user: Any, limit: int = 50) -> list[int]:
    return list(
        activities_visible_to(user).order_by("-id").values_list("duration_minutes", flat=True)[:limit]
    )


def followed_people_count(user: Any) -> int:
    return beneficiaries_visible_to(user).count()
