"""Reads of the funding watch, always scoped to the user: other territories answer 404."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404

from maillage.core.permissions import territories_for, territory_scope_q
from maillage.funding.models import (
    AdvisorPost,
    Application,
    ApplicationDocument,
    Instalment,
    Opportunity,
    PostYear,
)
from maillage.funding.permissions import POST_READ_ROLES, is_superuser, opportunities_q


def opportunities_visible_to(user: Any) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.select_related("territory", "funder")
    return qs if is_superuser(user) else qs.filter(opportunities_q(user))


def get_opportunity_for_user(user: Any, pk: int) -> Opportunity:
    try:
        return opportunities_visible_to(user).get(pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404 from None


def list_opportunities(
    user: Any, *, open_only: bool = False, today: date | None = None
) -> QuerySet[Opportunity]:
    qs = opportunities_visible_to(user)
    if open_only and today is not None:
        qs = qs.filter(Q(deadline__isnull=True) | Q(deadline__gte=today))
    return qs.order_by("deadline", "title", "pk")


def applications_visible_to(user: Any) -> QuerySet[Application]:
    from maillage.roadmaps.selectors import roadmaps_visible_to

    qs = Application.objects.select_related(
        "action", "action__roadmap", "action__roadmap__territory", "funder", "opportunity"
    )
    return qs.filter(action__roadmap__in=roadmaps_visible_to(user).values("pk"))


def get_application_for_user(user: Any, pk: int) -> Application:
    try:
        return applications_visible_to(user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def list_applications(user: Any, *, status: str = "", action_id: int | None = None) -> QuerySet[Application]:
    qs = applications_visible_to(user).annotate(received=Sum("instalments__amount"))
    if status:
        qs = qs.filter(status=status)
    if action_id:
        qs = qs.filter(action_id=action_id)
    return qs.order_by("-created_at", "-pk")


def application_detail(application: Application) -> Application:
    return (
        Application.objects.select_related(
            "action", "action__roadmap", "action__roadmap__territory", "funder", "opportunity", "budget_line"
        )
        .prefetch_related(
            Prefetch("instalments", queryset=Instalment.objects.order_by("received_on", "pk")),
            Prefetch("documents", queryset=ApplicationDocument.objects.select_related("uploaded_by")),
        )
        .get(pk=application.pk)
    )


def get_instalment_for_user(user: Any, pk: int) -> Instalment:
    try:
        return Instalment.objects.select_related("application").get(
            pk=pk, application__in=applications_visible_to(user).values("pk")
        )
    except Instalment.DoesNotExist:
        raise Http404 from None


def get_document_for_user(user: Any, pk: int) -> ApplicationDocument:
    try:
        return ApplicationDocument.objects.select_related("application").get(
            pk=pk, application__in=applications_visible_to(user).values("pk")
        )
    except ApplicationDocument.DoesNotExist:
        raise Http404 from None


@dataclass
class Totals:
    """Sums of the applications, with how many amounts nobody typed (never counted as 0)."""

    requested: Decimal = Decimal(0)
    requested_unknown: int = 0
    granted: Decimal = Decimal(0)
    granted_unknown: int = 0
    received: Decimal = Decimal(0)
    count: int = 0


def application_totals(applications: list[Application]) -> Totals:
    totals = Totals()
    for a in applications:
        totals.count += 1
        if a.amount_requested is None:
            totals.requested_unknown += 1
        else:
            totals.requested += a.amount_requested
        if a.is_granted:
            if a.granted_amount is None:
                totals.granted_unknown += 1
            else:
                totals.granted += a.granted_amount
        totals.received += getattr(a, "received", None) or Decimal(0)
    return totals


# --- Conseillers numériques posts ------------------------------------------------------------------


def post_territories(user: Any) -> list[Any]:
    from maillage.territories.models import Territory

    if is_superuser(user):
        return list(Territory.objects.filter(kind__in=["department", "epci"]).order_by("kind", "name"))
    return territories_for(user, POST_READ_ROLES)


def posts_visible_to(user: Any) -> QuerySet[AdvisorPost]:
    qs = AdvisorPost.objects.select_related("territory", "employer")
    return qs if is_superuser(user) else qs.filter(territory_scope_q(user, roles=POST_READ_ROLES))


def get_post_for_user(user: Any, pk: int) -> AdvisorPost:
    try:
        return posts_visible_to(user).prefetch_related("years").get(pk=pk)
    except AdvisorPost.DoesNotExist:
        raise Http404 from None


def get_post_year_for_user(user: Any, pk: int) -> PostYear:
    try:
        return PostYear.objects.select_related("post__territory").get(
            pk=pk, post__in=posts_visible_to(user).values("pk")
        )
    except PostYear.DoesNotExist:
        raise Http404 from None


def get_territory_for_posts(user: Any, pk: int) -> Any:
    for territory in post_territories(user):
        if territory.pk == pk:
            return territory
    raise Http404


@dataclass
class YearTotal:
    year: int
    state: Decimal = Decimal(0)
    state_unknown: int = 0
    cost: Decimal = Decimal(0)
    cost_unknown: int = 0
    gap: Decimal = Decimal(0)
    gap_unknown: int = 0
    posts: int = 0


@dataclass
class Degressivity:
    territory: Any
    years: list[int]
    rows: list[tuple[AdvisorPost, list[PostYear | None]]]
    totals: list[YearTotal] = field(default_factory=list)


def degressivity(territory: Any) -> Degressivity:
    """Posts of ``territory`` (and of the territories inside it) by employer, one column per year of
    their declared schedules; a year a post has no row for is shown as not declared."""
    posts = list(
        AdvisorPost.objects.filter(_inside(territory))
        .select_related("employer", "territory")
        .prefetch_related(Prefetch("years", queryset=PostYear.objects.order_by("year")))
        .order_by("employer__name", "label", "pk")
    )
    years = sorted({y.year for p in posts for y in p.years.all()})
    totals: OrderedDict[int, YearTotal] = OrderedDict((y, YearTotal(y)) for y in years)
    rows = []
    for post in posts:
        by_year = {y.year: y for y in post.years.all()}
        cells: list[PostYear | None] = []
        for year in years:
            row = by_year.get(year)
            cells.append(row)
            if row is None:
                continue
            t = totals[year]
            t.posts += 1
            if row.state_amount is None:
                t.state_unknown += 1
            else:
                t.state += row.state_amount
            if row.cost is None:
                t.cost_unknown += 1
            else:
                t.cost += row.cost
            if row.gap is None:
                t.gap_unknown += 1
            else:
                t.gap += row.gap
        rows.append((post, cells))
    return Degressivity(territory=territory, years=years, rows=rows, totals=list(totals.values()))


def _inside(territory: Any) -> Q:
    return (
        Q(territory_id=territory.pk)
        | Q(territory__department_id=territory.pk)
        | Q(territory__epci_id=territory.pk)
        | Q(territory__region_id=territory.pk)
    )
