"""Reads, always scoped to the user: a roadmap of another territory is answered with 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from maillage.roadmaps.models import (
    Action,
    Attendance,
    Axis,
    BodyMember,
    BudgetLine,
    GovernanceBody,
    Indicator,
    Measurement,
    Meeting,
    Milestone,
    Objective,
    Roadmap,
    Step,
)
from maillage.roadmaps.permissions import roadmaps_q


def roadmaps_visible_to(user: Any) -> QuerySet[Roadmap]:
    qs = Roadmap.objects.select_related("territory", "carrier")
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return qs
    return qs.filter(roadmaps_q(user))


def list_roadmaps(user: Any) -> QuerySet[Roadmap]:
    return roadmaps_visible_to(user).annotate(action_count=Count("actions", distinct=True))


def get_roadmap_for_user(user: Any, pk: int) -> Roadmap:
    try:
        return roadmaps_visible_to(user).get(pk=pk)
    except Roadmap.DoesNotExist:
        raise Http404 from None


def actions_visible_to(user: Any) -> QuerySet[Action]:
    return Action.objects.filter(roadmap__in=roadmaps_visible_to(user).values("pk")).select_related(
        "roadmap", "roadmap__territory", "axis", "objective"
    )


def get_action_for_user(user: Any, pk: int) -> Action:
    try:
        return actions_visible_to(user).get(pk=pk)
    except Action.DoesNotExist:
        raise Http404 from None


def get_action_by_number(user: Any, roadmap_pk: int, number: int) -> Action:
    try:
        return actions_visible_to(user).get(roadmap_id=roadmap_pk, number=number)
    except Action.DoesNotExist:
        raise Http404 from None


def roadmap_tree(roadmap: Roadmap) -> Roadmap:
    """The roadmap with axes, objectives and actions (and their leads) prefetched."""
    actions = Action.objects.prefetch_related("leads__organisation").select_related("objective")
    return (
        Roadmap.objects.select_related("territory", "carrier")
        .prefetch_related(
            "versions",
            "carriers__organisation",
            "key_figures",
            "concertation",
            "fund_contributions__funder",
            "axes__objectives",
            Prefetch("axes__actions", queryset=actions),
        )
        .get(pk=roadmap.pk)
    )


def action_detail(action: Action) -> Action:
    measurements = Measurement.objects.select_related("author").order_by("period_start")
    return (
        Action.objects.select_related(
            "roadmap", "roadmap__territory", "axis", "objective", "introduced_by", "parent"
        )
        .prefetch_related(
            "leads__organisation",
            "sub_actions",
            "target_territories",
            "partners",
            "steps",
            "milestones",
            "budget_lines__funder",
            Prefetch(
                "indicators",
                queryset=Indicator.objects.prefetch_related(Prefetch("measurements", queryset=measurements)),
            ),
            "updates__author",
        )
        .get(pk=action.pk)
    )


def governance(roadmap: Roadmap) -> list[GovernanceBody]:
    meetings = Meeting.objects.prefetch_related(
        Prefetch("attendances", queryset=Attendance.objects.select_related("member"))
    ).order_by("-date")
    return list(
        GovernanceBody.objects.filter(roadmap=roadmap).prefetch_related(
            Prefetch("members", queryset=BodyMember.objects.select_related("organisation")),
            Prefetch("meetings", queryset=meetings),
        )
    )


def get_meeting_for_user(user: Any, pk: int) -> Meeting:
    try:
        return (
            Meeting.objects.select_related("body", "body__roadmap", "body__roadmap__territory")
            .filter(body__roadmap__in=roadmaps_visible_to(user).values("pk"))
            .get(pk=pk)
        )
    except Meeting.DoesNotExist:
        raise Http404 from None


def get_measurement_for_user(user: Any, pk: int) -> Measurement:
    try:
        return (
            Measurement.objects.select_related("indicator__action__roadmap")
            .filter(indicator__action__roadmap__in=roadmaps_visible_to(user).values("pk"))
            .get(pk=pk)
        )
    except Measurement.DoesNotExist:
        raise Http404 from None


def actions_led_by(user: Any) -> list[Action]:
    """Actions the user updates as an action lead (their organisation is among the porteurs)."""
    from maillage.roadmaps.permissions import lead_organisation_ids, roadmaps_q

    orgs = lead_organisation_ids(user)
    if not orgs:
        return []
    roadmaps = Roadmap.objects.filter(roadmaps_q(user, ("action_lead",))).values("pk")
    return list(
        Action.objects.filter(roadmap__in=roadmaps, lead_organisations__in=orgs)
        .select_related("roadmap")
        .distinct()
        .order_by("roadmap__title", "position", "number")
    )


def _visible_child(model: Any, path: str, user: Any, pk: int, related: tuple[str, ...]) -> Any:
    try:
        return (
            model.objects.select_related(*related)
            .filter(**{f"{path}__in": roadmaps_visible_to(user).values("pk")})
            .get(pk=pk)
        )
    except model.DoesNotExist:
        raise Http404 from None


def get_axis_for_user(user: Any, pk: int) -> Any:
    return _visible_child(Axis, "roadmap", user, pk, ("roadmap__territory",))


def get_objective_for_user(user: Any, pk: int) -> Any:
    return _visible_child(Objective, "axis__roadmap", user, pk, ("axis__roadmap__territory",))


def get_indicator_for_user(user: Any, pk: int) -> Indicator:
    return _visible_child(Indicator, "action__roadmap", user, pk, ("action__roadmap__territory",))


def get_budget_line_for_user(user: Any, pk: int) -> Any:
    return _visible_child(BudgetLine, "action__roadmap", user, pk, ("action__roadmap__territory",))


def get_step_for_user(user: Any, pk: int) -> Any:
    return _visible_child(Step, "action__roadmap", user, pk, ("action__roadmap__territory",))


def get_milestone_for_user(user: Any, pk: int) -> Milestone:
    return _visible_child(Milestone, "action__roadmap", user, pk, ("action__roadmap__territory",))


def get_context_item_for_user(model: Any, user: Any, pk: int) -> Any:
    """A co-carrier, key figure, concertation phase or fund contribution of a visible roadmap, else 404."""
    return _visible_child(model, "roadmap", user, pk, ("roadmap__territory",))
