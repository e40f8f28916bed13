"""Reads of the pathway context, always scoped to the user (the permission chokepoint).

* A prescriber (or mediator, coordinator…) sees the diagnostics and referrals of their own
  organisation, inside their territories.
* A place's managers see the referrals sent to their places (never the proposals kept by the
  prescriber, never the diagnostic answers).
* Coordinators and viewers see aggregates of their territories only (``statistics``).
Anything else is answered with 404 by the views.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from maillage.core.permissions import (
    commune_scope_q,
    grants_revoked,
    organisation_ids_for,
    territories_for,
)
from maillage.pathways.models import Diagnostic, Referral, ReferralStatus
from maillage.pathways.services import PRESCRIBING_ROLES

COORDINATION_ROLES = ("coordinator",)
STATS_ROLES = ("coordinator", "viewer", "action_lead", "prescriber", "mediator")


def _prescriber_q(user: Any) -> Q:
    orgs = organisation_ids_for(user, PRESCRIBING_ROLES)
    if not orgs:
        return Q(pk__in=[])
    return Q(organisation_id__in=orgs) & commune_scope_q(user, roles=PRESCRIBING_ROLES)


def diagnostics_visible_to(user: Any) -> QuerySet[Diagnostic]:
    return Diagnostic.objects.filter(_prescriber_q(user))


def get_diagnostic_for_user(user: Any, pk: int) -> Diagnostic:
    return get_object_or_404(
        diagnostics_visible_to(user).select_related("grid", "commune", "organisation"), pk=pk
    )


def managed_place_ids(user: Any) -> list[int]:
    from maillage.places.models import PlaceManager

    if not getattr(user, "is_authenticated", False) or not user.is_active or grants_revoked(user):
        return []
    return list(PlaceManager.objects.filter(user=user).values_list("place_id", flat=True))


def _place_q(user: Any) -> Q:
    ids = managed_place_ids(user)
    if not ids:
        return Q(pk__in=[])
    return Q(place_id__in=ids) & ~Q(status=ReferralStatus.PROPOSED)


def _territory_q(user: Any) -> Q:
    """Coordinators see the referrals of their territories: the person's commune or the place's."""
    if not territories_for(user, COORDINATION_ROLES):
        return Q(pk__in=[])
    return commune_scope_q(user, prefix="commune__", roles=COORDINATION_ROLES) | commune_scope_q(
        user, prefix="place__commune__", roles=COORDINATION_ROLES
    )


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    return Referral.objects.filter(_prescriber_q(user) | _place_q(user) | _territory_q(user))


def referrals_of_territory(user: Any) -> QuerySet[Referral]:
    """Every referral of the coordinator's territories (identity never shown from this side)."""
    return Referral.objects.filter(_territory_q(user))


def can_see_identity(side: str) -> bool:
    """Only the two parties of a referral see the person's first name and contact."""
    return side in ("prescriber", "place")


def referrals_sent_by_org(user: Any) -> QuerySet[Referral]:
    return Referral.objects.filter(_prescriber_q(user))


def referrals_received(user: Any) -> QuerySet[Referral]:
    return Referral.objects.filter(_place_q(user))


def get_referral_for_user(user: Any, pk: int) -> Referral:
    return get_object_or_404(
        referrals_visible_to(user).select_related(
            "place", "diagnostic__grid", "commune", "organisation", "prescriber"
        ),
        pk=pk,
    )


def side_of(user: Any, referral: Referral) -> str:
    """« prescriber » when the user's organisation sent it, « place » when the user manages the place."""
    if referral.organisation_id in organisation_ids_for(user, PRESCRIBING_ROLES):
        return "prescriber"
    if referral.place_id in managed_place_ids(user):
        return "place"
    return ""


def stats_scope(user: Any) -> tuple[list[Any], set[int] | None]:
    """Territories whose aggregates the user sees, and the organisations to restrict to (None: all).

    Coordinators, viewers and action leads see their territories; prescribers and mediators only
    their own organisations' figures.
    """
    wide = territories_for(user, ["coordinator", "viewer", "action_lead"])
    if wide:
        return wide, None
    own = territories_for(user, ["prescriber", "mediator"])
    return own, organisation_ids_for(user, ["prescriber", "mediator"])


def follow_ups_due(user: Any, *, now: Any) -> QuerySet[Referral]:
    """Referrals of the user's organisation taken up 30 days ago or more, without follow-up yet."""
    from datetime import timedelta

    from maillage.pathways.services import FOLLOW_UP_AFTER_DAYS

    return (
        referrals_sent_by_org(user)
        .filter(
            status=ReferralStatus.TAKEN_UP,
            taken_up_at__lte=now - timedelta(days=FOLLOW_UP_AFTER_DAYS),
            follow_up__isnull=True,
        )
        .select_related("place", "commune")
        .order_by("taken_up_at", "pk")
    )
