"""Reads for the team pages, scoped to the coordinator: 404 for anything outside their territories."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from maillage.accounts.models import AccessRequest, Invitation, Membership, Organisation, Role
from maillage.core.permissions import territories_for, territory_scope_q
from maillage.territories.models import Territory, TerritoryKind

COORDINATOR = (Role.COORDINATOR.value,)
INACTIVE_AFTER = timedelta(days=183)


def coordinated_territories(user: Any) -> list[Territory]:
    return territories_for(user, COORDINATOR)


def is_coordinator(user: Any) -> bool:
    return bool(coordinated_territories(user))


def grantable_territories(user: Any) -> list[Territory]:
    """Where ``user`` may give roles: the territories they coordinate and the EPCIs of their départements.

    Never above their own scope, and never a list of every commune of France.
    """
    own = coordinated_territories(user)
    departments = [t.pk for t in own if t.kind == TerritoryKind.DEPARTMENT]
    seen = {t.pk: t for t in own}
    if departments:
        for epci in Territory.objects.filter(kind=TerritoryKind.EPCI, department_id__in=departments).order_by(
            "name"
        ):
            seen.setdefault(epci.pk, epci)
    return sorted(seen.values(), key=lambda t: (t.kind != TerritoryKind.DEPARTMENT, t.name))


def can_grant(user: Any, territory: Territory) -> bool:
    return territory.pk in {t.pk for t in grantable_territories(user)}


def memberships_visible_to(user: Any) -> QuerySet[Membership]:
    return Membership.objects.filter(territory_scope_q(user, roles=COORDINATOR))


def organisations_visible_to(user: Any) -> QuerySet[Organisation]:
    """Organisations attached to the coordinator's territories, or with members on them."""
    scope = territory_scope_q(user, roles=COORDINATOR)
    if scope == Q(pk__in=[]):
        return Organisation.objects.none()
    member_orgs = memberships_visible_to(user).values("organisation_id")
    return Organisation.objects.filter(scope | Q(pk__in=member_orgs))


def organisations_editable_by(user: Any) -> QuerySet[Organisation]:
    """Only organisations attached to the coordinator's territories (a national body is not theirs)."""
    return Organisation.objects.filter(territory_scope_q(user, roles=COORDINATOR))


def invitations_visible_to(user: Any) -> QuerySet[Invitation]:
    return Invitation.objects.filter(territory_scope_q(user, roles=COORDINATOR))


def access_requests_visible_to(user: Any) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(territory_scope_q(user, roles=COORDINATOR))


def get_membership_for_user(user: Any, pk: int) -> Membership:
    return get_object_or_404(
        memberships_visible_to(user).select_related("user", "organisation", "territory"), pk=pk
    )


def get_organisation_for_user(user: Any, pk: int) -> Organisation:
    return get_object_or_404(organisations_editable_by(user), pk=pk)


def get_invitation_for_user(user: Any, pk: int) -> Invitation:
    return get_object_or_404(invitations_visible_to(user).select_related("organisation", "territory"), pk=pk)


def get_access_request_for_user(user: Any, pk: int) -> AccessRequest:
    return get_object_or_404(access_requests_visible_to(user).select_related("territory"), pk=pk)


def member_rows(
    user: Any, *, query: str = "", role: str = "", status: str = "", organisation: int | None = None
) -> QuerySet[Membership]:
    """The members table: one row per membership, filtered, with what the table shows and nothing more."""
    rows = memberships_visible_to(user).select_related("user", "organisation", "territory")
    if query:
        for word in query.split()[:5]:
            rows = rows.filter(
                Q(user__email__icontains=word)
                | Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(organisation__name__icontains=word)
            )
    if role in Role.values:
        rows = rows.filter(role=role)
    if organisation:
        rows = rows.filter(organisation_id=organisation)
    now = timezone.now()
    if status == "never":
        rows = rows.filter(is_active=True, user__last_login__isnull=True)
    elif status == "dormant":
        rows = rows.filter(is_active=True, user__last_login__lt=now - INACTIVE_AFTER)
    elif status == "inactive":
        rows = rows.filter(is_active=False)
    elif status != "all":
        rows = rows.filter(is_active=True)
    return rows.only(
        "id",
        "role",
        "is_active",
        "user__id",
        "user__email",
        "user__first_name",
        "user__last_name",
        "user__last_login",
        "user__is_active",
        "organisation__id",
        "organisation__name",
        "territory__id",
        "territory__name",
        "territory__kind",
        "territory__code",
    ).order_by("user__last_name", "user__first_name", "user__email", "pk")
