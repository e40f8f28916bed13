"""Statistics scopes (a mediator, a place, an organisation, an EPCI, a département, the nation) and who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from maillage.activities import rollup as rollup_module
from maillage.activities.selectors.visibility import (
    AGGREGATE_ROLES,
    _is_active,
    is_mediator,
)
from maillage.core.permissions import territories_for
from maillage.territories.models import Territory, TerritoryKind

# --- Statistics scopes ------------------------------------------------------------------------


@dataclass
class Scope:
    kind: str  # mediator | place | organisation | epci | department | national
    pk: int
    label: str
    activity_q: Q
    rollup_key: tuple[str, int | None, int | None] | None = None  # grain, department, epci

    @property
    def param(self) -> str:
        return f"{self.kind}:{self.pk}"


def _place_model() -> Any:
    try:
        return apps.get_model("places", "Place")
    except LookupError:
        return None


def _has_place() -> bool:
    return rollup_module._has_place_column()


def _territory_q(territories: list[Territory]) -> Q:
    """Activities located in ``territories`` (département / EPCI / région / commune)."""
    q = Q(pk__in=[])
    for territory in territories:
        if territory.kind == TerritoryKind.DEPARTMENT:
            q |= Q(department_id=territory.pk)
        elif territory.kind == TerritoryKind.EPCI:
            q |= Q(epci_id=territory.pk)
        elif territory.kind == TerritoryKind.REGION:
            q |= Q(department__region_id=territory.pk)
        else:
            q |= Q(commune_id=territory.pk)
    return q


def _inside(territory: Territory, territories: list[Territory]) -> bool:
    for parent in territories:
        if parent.pk == territory.pk:
            return True
        if parent.kind == TerritoryKind.DEPARTMENT and territory.department_id == parent.pk:
            return True
        if parent.kind == TerritoryKind.REGION and territory.region_id == parent.pk:
            return True
        if parent.kind == TerritoryKind.EPCI and territory.epci_id == parent.pk:
            return True
    return False


def scope_choices(user: Any) -> list[tuple[str, str]]:
    """Scopes offered to ``user`` in the statistics filter (value ``kind:pk``, label)."""
    from maillage.accounts.models import Membership, Organisation

    choices: list[tuple[str, str]] = []
    if is_mediator(user):
        choices.append((f"mediator:{user.pk}", str(_("Mes activités"))))
    territories = territories_for(user, AGGREGATE_ROLES)
    if getattr(user, "is_superuser", False):
        choices.append(("national:0", str(_("France entière"))))
    departments = [t.pk for t in territories if t.kind == TerritoryKind.DEPARTMENT]
    epcis_of: dict[int, list[tuple[int, str]]] = {}
    if departments:  # the EPCI of every département in one query
        for pk, name, department_id in (
            Territory.objects.epcis()
            .filter(department_id__in=departments)
            .order_by("name")
            .values_list("pk", "name", "department_id")
        ):
            epcis_of.setdefault(department_id, []).append((pk, name))
    for territory in territories:
        kind = "department" if territory.kind == TerritoryKind.DEPARTMENT else "epci"
        if territory.kind in (TerritoryKind.DEPARTMENT, TerritoryKind.EPCI):
            choices.append((f"{kind}:{territory.pk}", str(territory)))
        if territory.kind == TerritoryKind.DEPARTMENT:
            for pk, name in epcis_of.get(territory.pk, []):
                choices.append((f"epci:{pk}", f"— {name}"))
    if territories:
        membership_q = Q(pk__in=[])
        for territory in territories:
            membership_q |= Q(territory=territory) | Q(territory__department=territory)
        memberships = (
            Membership.objects.filter(membership_q, role="mediator", is_active=True)
            .select_related("user", "organisation")
            .order_by("user__last_name", "user__first_name")
        )
        orgs: dict[int, Organisation] = {}
        people: dict[int, Any] = {}
        for membership in memberships:
            orgs[membership.organisation_id] = membership.organisation
            people[membership.user_id] = membership.user
        for org in sorted(orgs.values(), key=lambda o: o.name):
            choices.append((f"organisation:{org.pk}", str(_("Structure : %(n)s") % {"n": org.name})))
        for person in people.values():
            choices.append((f"mediator:{person.pk}", str(_("Médiateur·rice : %(n)s") % {"n": person})))
    return choices


def resolve_scope(user: Any, param: str | None) -> Scope:
    """The statistics scope named ``kind:pk`` if ``user`` may see it, else 404."""
    from maillage.accounts.models import Membership, Organisation, User

    if not _is_active(user):
        raise Http404
    if not param:
        choices = scope_choices(user)
        if not choices:
            raise Http404
        param = choices[0][0]
    kind, _sep, raw_pk = param.partition(":")
    try:
        pk = int(raw_pk)
    except ValueError as exc:
        raise Http404 from exc
    territories = territories_for(user, AGGREGATE_ROLES)
    territory_q = _territory_q(territories)

    if kind == "national":
        if not getattr(user, "is_superuser", False):
            raise Http404
        return Scope("national", 0, str(_("France entière")), Q(), ("n", None, None))
    if kind in ("department", "epci"):
        territory = Territory.objects.filter(pk=pk, kind=TerritoryKind(kind)).first()
        if territory is None or not _inside(territory, territories):
            raise Http404
        if kind == "department":
            return Scope(kind, pk, str(territory), Q(department_id=pk), ("d", pk, None))
        return Scope(kind, pk, territory.name, Q(epci_id=pk))  # raw tables: small enough
    if kind == "mediator":
        if pk == user.pk and is_mediator(user):
            return Scope(kind, pk, str(_("Mes activités")), Q(mediator_id=pk))
        mediator = User.objects.filter(pk=pk).first()
        if mediator is None or not territories:
            raise Http404
        visible = Membership.objects.filter(user=mediator, role="mediator", is_active=True)
        if not any(_inside(m.territory, territories) for m in visible.select_related("territory")):
            raise Http404
        return Scope(kind, pk, str(mediator), Q(mediator_id=pk) & territory_q)
    if kind == "organisation":
        organisation = Organisation.objects.filter(pk=pk).first()
        if organisation is None or not territories:
            raise Http404
        members = Membership.objects.filter(organisation=organisation, is_active=True).select_related(
            "territory"
        )
        if not any(_inside(m.territory, territories) for m in members):
            raise Http404
        return Scope(kind, pk, organisation.name, Q(structure_id=pk) & territory_q)
    if kind == "place":
        place_model = _place_model()
        if place_model is None or not _has_place():
            raise Http404
        place = place_model.objects.select_related("commune").filter(pk=pk).first()
        if place is None:
            raise Http404
        if territories and place.commune is not None and _inside(place.commune, territories):
            return Scope(kind, pk, place.name, Q(place_id=pk))
        if is_mediator(user):  # a mediator: their own activities at this place
            return Scope(kind, pk, place.name, Q(place_id=pk, mediator_id=user.pk))
        raise Http404
    raise Http404
