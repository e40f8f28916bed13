"""Who reads and who changes the funding watch (the chokepoint of every view and service).

- opportunities: every professional of the territory, of a territory inside it (an EPCI's porteurs see
  the département's watch) or containing it reads them; coordinators of the territory (or of a
  containing one) add and change them;
- applications: whoever reads the action's roadmap reads them; the action's editors (coordinators, the
  action leads of its porteurs) add and change them;
- conseillers numériques posts: coordinators, action leads and viewers of the territory read them;
  coordinators change them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from maillage.core.permissions import PROFESSIONAL_ROLES, territories_for, territory_scope_q

EDIT_ROLES = ("coordinator",)
POST_READ_ROLES = ("coordinator", "action_lead", "viewer")


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def opportunities_q(user: Any) -> Q:
    """Rows of the user's territories, of territories inside them, and of the territories containing
    them (a département's watch is shared with its EPCIs' porteurs)."""
    territories = territories_for(user, PROFESSIONAL_ROLES)
    if not territories:
        return Q(pk__in=[])
    above = {pk for t in territories for pk in (t.department_id, t.region_id) if pk is not None}
    return territory_scope_q(user, field="territory", roles=PROFESSIONAL_ROLES) | Q(territory_id__in=above)


def editable_territories_q(user: Any, field: str = "territory") -> Q:
    return territory_scope_q(user, field=field, roles=EDIT_ROLES)


def can_edit_in(user: Any, territory: Any) -> bool:
    """Coordinator of ``territory`` or of a territory containing it."""
    if is_superuser(user):
        return True
    ids = {t.pk for t in territories_for(user, EDIT_ROLES)}
    return bool(ids & {territory.pk, territory.department_id, territory.epci_id, territory.region_id})
