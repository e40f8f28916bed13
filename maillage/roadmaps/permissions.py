"""Who may read or edit a roadmap and its actions (the chokepoint used by every view).

- read: any professional member (coordinator, action lead, mediator, prescriber, viewer) of the
  roadmap's territory or of a territory containing it; others get 404;
- edit everything: coordinators of that territory (or of a containing territory), superusers;
- edit an action: also action leads of that territory whose organisation is one of the action's
  lead organisations.
"""

from __future__ import annotations

from typing import Any

from maillage.core.permissions import organisation_ids_for, territory_scope_q
from maillage.roadmaps.models import Action, Roadmap


def _superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def roadmaps_q(user: Any, roles: tuple[str, ...] | None = None) -> Any:
    return territory_scope_q(user, field="territory", roles=roles)


def can_edit_roadmap(user: Any, roadmap: Roadmap) -> bool:
    if _superuser(user):
        return True
    cache = getattr(user, "_roadmap_coordinator_ids", None)
    if cache is None:
        cache = set(Roadmap.objects.filter(roadmaps_q(user, ("coordinator",))).values_list("pk", flat=True))
        user._roadmap_coordinator_ids = cache
    return roadmap.pk in cache


def _lead_roadmap_ids(user: Any) -> set[int]:
    cache = getattr(user, "_roadmap_lead_ids", None)
    if cache is None:
        cache = set(Roadmap.objects.filter(roadmaps_q(user, ("action_lead",))).values_list("pk", flat=True))
        user._roadmap_lead_ids = cache
    return cache


def lead_organisation_ids(user: Any) -> set[int]:
    return organisation_ids_for(user, ("action_lead",))


def can_edit_action(user: Any, action: Action, *, lead_ids: set[int] | None = None) -> bool:
    """``lead_ids``: the action's lead organisation ids when already known (avoids a query)."""
    if can_edit_roadmap(user, action.roadmap):
        return True
    orgs = lead_organisation_ids(user)
    if not orgs or action.roadmap_id not in _lead_roadmap_ids(user):
        return False
    if lead_ids is None:
        lead_ids = {o.pk for o in action.lead_organisations.all()}
    return bool(orgs & lead_ids)
