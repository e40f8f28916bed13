"""The permission chokepoint: which territories and organisations a user acts on, with which roles.

Every selector that returns private data starts from these helpers. Unknown objects and objects of
another territory are answered with 404 by the views (``get_object_or_404`` on a scoped QuerySet).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from maillage.accounts.models import Membership
    from maillage.territories.models import Territory

PROFESSIONAL_ROLES = ("coordinator", "action_lead", "mediator", "prescriber", "viewer")


def active_memberships(user: Any) -> list[Membership]:
    """Active memberships of ``user``, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_maillage_memberships", None)
    if cached is None:
        cached = list(user.memberships.filter(is_active=True).select_related("territory", "organisation"))
        user._maillage_memberships = cached
    return list(cached)


def grants_revoked(user: Any) -> bool:
    """True when ``user`` was removed: they hold memberships but none is active any more.

    Direct grants on one object (a place's manager, a mediator working in a place) hold only while the
    user is not removed: deactivating someone's last membership closes every door at the next request.
    A user who never had a membership (a place's outside manager) keeps their direct grants.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return True
    if active_memberships(user):
        return False
    cached = getattr(user, "_maillage_has_memberships", None)
    if cached is None:
        cached = user.memberships.exists()
        user._maillage_has_memberships = cached
    return bool(cached)


def refuse_if_revoked(user: Any) -> None:
    """For the lists of a role (which show « nothing » to someone without it): a removed member gets 404
    like on every object page, not an empty page."""
    from django.http import Http404

    if getattr(user, "is_authenticated", False) and grants_revoked(user):
        raise Http404


def territories_for(user: Any, roles: Iterable[str] | None = None) -> list[Territory]:
    wanted = set(roles) if roles is not None else set(PROFESSIONAL_ROLES)
    seen: dict[int, Territory] = {}
    for membership in active_memberships(user):
        if membership.role in wanted:
            seen[membership.territory.pk] = membership.territory
    return list(seen.values())


def territories_or_404(territories: list[Territory]) -> list[Territory]:
    """The territories a page acts on, or 404 when there are none: a page of a module the user has
    no role in does not exist for them (no hint that it exists elsewhere)."""
    if not territories:
        from django.http import Http404

        raise Http404
    return territories


def organisation_ids_for(user: Any, roles: Iterable[str] | None = None) -> set[int]:
    wanted = set(roles) if roles is not None else set(PROFESSIONAL_ROLES)
    return {m.organisation_id for m in active_memberships(user) if m.role in wanted}


def has_role(user: Any, *roles: str) -> bool:
    return any(m.role in roles for m in active_memberships(user))


def commune_scope_q(user: Any, *, prefix: str = "commune__", roles: Iterable[str] | None = None) -> Q:
    """Q matching rows whose commune (reached through ``prefix``) lies in the user's territories.

    With no territory the Q matches nothing: deny by default.
    """
    from maillage.territories.models import Territory

    territories = territories_for(user, roles)
    if not territories:
        return Q(pk__in=[])
    return Territory.communes_q(territories, prefix=prefix)


def territory_scope_q(user: Any, *, field: str = "territory", roles: Iterable[str] | None = None) -> Q:
    """Q matching rows attached to a territory (``field``) equal to or inside the user's territories.

    A row attached to a département is visible to that département's members; a row attached to an
    EPCI or a commune is visible to members of the EPCI, its département or its région.
    """
    territories = territories_for(user, roles)
    if not territories:
        return Q(pk__in=[])
    from maillage.territories.models import Territory

    ids = [t.pk for t in territories]
    # One semi-join on a subquery of territory ids (not an OR across a join), so that the row's own
    # index on the territory column is usable.
    inside = Territory.objects.filter(
        Q(pk__in=ids) | Q(department_id__in=ids) | Q(epci_id__in=ids) | Q(region_id__in=ids)
    ).values("pk")
    return Q(**{f"{field}_id__in": inside})
