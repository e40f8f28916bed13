"""Reads of the refurbishment loop, scoped to the user's territories (other territories: 404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from maillage.core.permissions import territories_for, territory_scope_q
from maillage.equipment import versions
from maillage.equipment.models import (
    COMPUTER_KINDS,
    Allocation,
    AllocationStatus,
    Device,
    DeviceKind,
    DeviceState,
    Donation,
    FollowUp,
    ScrapReason,
)
from maillage.equipment.services import READ_ROLES, WORKSHOP_ROLES

S = DeviceState


def workshop_territories(user: Any) -> list[Any]:
    return territories_for(user, WORKSHOP_ROLES)


def reading_territories(user: Any) -> list[Any]:
    return territories_for(user, READ_ROLES)


def devices_visible_to(user: Any) -> QuerySet[Device]:
    return Device.objects.filter(territory_scope_q(user, roles=WORKSHOP_ROLES))


def get_device_for_user(user: Any, pk: int) -> Device:
    return get_object_or_404(
        devices_visible_to(user).select_related(
            "territory", "donation__donor", "workshop_place", "erased_by"
        ),
        pk=pk,
    )


def get_device_by_tag_for_user(user: Any, asset_tag: str) -> Device:
    return get_object_or_404(devices_visible_to(user), asset_tag=asset_tag.strip().upper())


def donations_visible_to(user: Any) -> QuerySet[Donation]:
    return Donation.objects.filter(territory_scope_q(user, roles=WORKSHOP_ROLES))


def get_donation_for_user(user: Any, pk: int) -> Donation:
    return get_object_or_404(donations_visible_to(user).select_related("donor", "territory"), pk=pk)


def allocations_visible_to(user: Any) -> QuerySet[Allocation]:
    return Allocation.objects.filter(territory_scope_q(user, roles=WORKSHOP_ROLES))


def get_allocation_for_user(user: Any, pk: int) -> Allocation:
    return get_object_or_404(
        allocations_visible_to(user).select_related(
            "device", "territory", "commune", "referral", "diagnostic", "training_session"
        ),
        pk=pk,
    )


def training_sessions(user: Any, *, now: Any) -> QuerySet[Any]:
    """Sessions of the agenda (events) where a handover's compulsory training may have taken place:
    training or awareness sessions the user sees, held in the last year, not cancelled."""
    from datetime import timedelta

    from maillage.events.models import SessionKind, SessionStatus
    from maillage.events.selectors import sessions_visible_to

    return (
        sessions_visible_to(user)
        .filter(
            kind__in=[SessionKind.TRAINING, SessionKind.SENSIBILISATION],
            status=SessionStatus.SCHEDULED,
            starts_at__lte=now,
            starts_at__gte=now - timedelta(days=365),
        )
        .order_by("-starts_at", "pk")
    )


def follow_ups_due(user: Any, *, today: date) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(
            Q(done_at__isnull=True),
            due_on__lte=today,
            allocation__in=allocations_visible_to(user).filter(status=AllocationStatus.GIVEN),
        )
        .select_related("allocation__device", "allocation__commune")
        .order_by("due_on", "pk")
    )


def workshop_queue(
    user: Any, *, state: str = "", place_id: int | None = None, kind: str = ""
) -> QuerySet[Device]:
    """The devices waiting in the workshop, oldest change first (only the columns the list shows)."""
    devices = (
        devices_visible_to(user)
        .select_related("workshop_place")
        .only(
            "pk", "asset_tag", "kind", "brand", "state", "state_changed_at", "erased_at",
            "workshop_place", "workshop_place__name",
        )
    )  # fmt: skip
    if state:
        devices = devices.filter(state=state)
    if place_id:
        devices = devices.filter(workshop_place_id=place_id)
    if kind:
        devices = devices.filter(kind=kind)
    return devices.order_by("state_changed_at", "pk")


StockCounts = dict[tuple[int | None, str, str], int]


def stock_counts(user: Any) -> StockCounts:
    """The workshop's devices counted by (place, state, kind): one GROUP BY, kept per data version.

    The stock table and the list's count (whatever its filters) are both read from it.
    """
    territories = workshop_territories(user)

    def compute() -> StockCounts:
        rows = (
            Device.objects.filter(territory_id__in=_scope_ids(territories))
            .values_list("workshop_place_id", "state", "kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {(place, state, kind): n for place, state, kind, n in rows}

    if not territories:
        return {}
    return versions.kept("stock", territories, compute)


def stock_count(counts: StockCounts, *, state: str = "", place_id: int | None = None, kind: str = "") -> int:
    """How many devices ``workshop_queue`` lists with these filters, read from ``stock_counts``."""
    return sum(
        n
        for (place, state_, kind_), n in counts.items()
        if (not state or state_ == state)
        and (not place_id or place == place_id)
        and (not kind or kind_ == kind)
    )


def state_counts_by_place(counts: StockCounts) -> list[dict[str, Any]]:
    """Stock by workshop place and state, places by name (their names read now, not kept)."""
    from maillage.places.models import Place

    ids = {place for place, _state, _kind in counts if place}
    names = dict(Place.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    by_place: dict[Any, dict[str, Any]] = {}
    for (place, state, _kind), n in counts.items():
        if place not in names:
            place = None  # a place deleted since: its devices lost their place (SET_NULL)
        entry = by_place.setdefault(
            place, {"place_id": place, "name": names.get(place) if place else None, "states": {}, "total": 0}
        )
        entry["states"][state] = entry["states"].get(state, 0) + n
        entry["total"] += n
    return sorted(by_place.values(), key=lambda e: (e["name"] is None, e["name"] or ""))


@dataclass(frozen=True)
class DonationHead:
    pk: int
    donor: str
    label: str
    declared_count: int | None

    def __str__(self) -> str:
        return self.label


@dataclass
class DonationRow:
    received: int
    given: int
    scrapped: int


@dataclass
class Figures:
    """The loop's figures for a territory (and optionally one donation)."""

    received: int = 0
    declared: int | None = None  # the initial donations as announced (None: nobody said)
    refurbished: int = 0  # reached « prêt » at least once, scrapped ones excluded
    given: int = 0
    given_computers: int = 0
    scrapped: int = 0
    in_stock: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_donor: list[tuple[str, int]] = field(default_factory=list)
    scrap_reasons: list[tuple[str, int]] = field(default_factory=list)
    parts_cost_known: Decimal | None = None
    parts_without_cost: int = 0
    devices_with_parts: int = 0
    minutes_logged: int | None = None
    devices_with_time: int = 0
    people_by_commune: list[tuple[str, int]] = field(default_factory=list)
    people_by_epci: list[tuple[str, int]] = field(default_factory=list)
    people_by_criterion: list[tuple[str, int]] = field(default_factory=list)
    follow_ups_due: int = 0
    follow_ups_done: int = 0
    still_used: list[tuple[str, int]] = field(default_factory=list)
    problems: list[tuple[str, int]] = field(default_factory=list)
    by_donation: dict[int, DonationRow] = field(default_factory=dict)
    donations: list[DonationHead] = field(default_factory=list)

    @property
    def loss_ratio(self) -> float | None:
        """Devices lost (scrapped) against the devices received; None when nothing was received."""
        return None if not self.received else self.scrapped / self.received

    @property
    def loss_ratio_declared(self) -> float | None:
        """Devices not redistributable against the initial donation as announced (missing ones count)."""
        if not self.declared:
            return None
        return (self.declared - (self.received - self.scrapped)) / self.declared

    @property
    def average_parts_cost(self) -> Decimal | None:
        if self.parts_cost_known is None or not self.devices_with_parts:
            return None
        return (self.parts_cost_known / self.devices_with_parts).quantize(Decimal("0.01"))

    @property
    def average_minutes(self) -> float | None:
        if not self.devices_with_time or self.minutes_logged is None:
            return None
        return self.minutes_logged / self.devices_with_time


def donation_rows(
    territories: list[Any], *, fig: Figures | None = None
) -> list[tuple[DonationHead, DonationRow]]:
    """Each donation with its devices received, given and scrapped.

    With the territory's ``fig`` (from ``figures``), the donations and counts are the ones it already
    read; otherwise one GROUP BY for all donations.
    """
    if fig is not None:
        heads, counts = fig.donations, fig.by_donation
    else:
        scope = _scope_ids(territories)
        heads = _donation_heads(Donation.objects.filter(territory_id__in=scope))
        counts = {
            row["donation_id"]: DonationRow(row["received"], row["given"], row["scrapped"])
            for row in Device.objects.filter(territory_id__in=scope)
            .values("donation_id")
            .annotate(
                received=Count("pk"),
                given=Count("pk", filter=Q(state=S.GIVEN)),
                scrapped=Count("pk", filter=Q(state=S.SCRAPPED)),
            )
            .order_by()
        }
    return [(head, counts.get(head.pk, DonationRow(0, 0, 0))) for head in heads]


def _donation_heads(donations: QuerySet[Donation]) -> list[DonationHead]:
    """What a donation's row shows (no model instances: the list is kept in the cache)."""
    return [
        DonationHead(pk, name, Donation.label_for(name, received_on), declared)
        for pk, name, received_on, declared in donations.order_by("received_on", "pk").values_list(
            "pk", "donor__name", "received_on", "declared_count"
        )
    ]


def _scope_ids(territories: list[Any]) -> list[int]:
    """The territories and everything under them (as ``territory_scope_q``), as a list of ids read
    first (one small query).

    A literal list lets PostgreSQL estimate the rows from the column's statistics: with a subquery it
    guessed 1 % of a département's devices and sorted 50 000 rows on disk instead of hashing them.
    """
    from maillage.territories.models import Territory

    ids = [t.pk for t in territories]
    scope = Q(pk__in=ids) | Q(department_id__in=ids) | Q(epci_id__in=ids) | Q(region_id__in=ids)
    return list(Territory.objects.filter(scope).values_list("pk", flat=True))


def figures(territories: list[Any], *, donation: Donation | None = None) -> Figures:
    """The loop's figures in five grouped queries, whatever the number of devices.

    Devices carry running totals of their log (``totals.py``), so nothing here scans the workshop log.
    """
    from maillage.equipment.models import FollowUpProblem, StillUsed
    from maillage.territories.models import Territory

    scope = _scope_ids(territories)
    devices = Device.objects.filter(territory_id__in=scope)
    donations = Donation.objects.filter(territory_id__in=scope)
    given = Allocation.objects.filter(territory_id__in=scope, status=AllocationStatus.GIVEN)
    if donation is not None:
        devices = devices.filter(donation=donation)
        donations = donations.filter(pk=donation.pk)
        given = given.filter(device__donation=donation)
    fig = Figures()

    # 1. Devices: one GROUP BY (state, kind, donation, scrap reason) with the log's totals; by territory
    # too, so that PostgreSQL aggregates in the order of the index it reads (no hashing).
    rows = list(
        devices.values("territory_id", "state", "kind", "donation_id", "scrap_reason")
        .annotate(
            n=Count("pk"),
            refurbished=Count("pk", filter=Q(refurbished_at__isnull=False) & ~Q(state=S.SCRAPPED)),
            minutes=Sum("minutes_spent"),
            with_time=Count("minutes_spent"),
            cost=Sum("parts_cost_known"),
            without_cost=Sum("parts_without_cost"),
            with_parts=Count("pk", filter=Q(parts_count__gt=0)),
        )
        .order_by()
    )
    # 2. Donations: donors' names, dates and the counts announced.
    fig.donations = _donation_heads(donations)
    donor_of = {head.pk: head.donor for head in fig.donations}
    declared = [head.declared_count for head in fig.donations]
    known = [count for count in declared if count is not None]
    fig.declared = sum(known) if declared and len(known) == len(declared) else None

    by_state: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    by_donor: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    minutes: int | None = None
    cost: Decimal | None = None
    for row in rows:
        n = row["n"]
        by_state[row["state"]] = by_state.get(row["state"], 0) + n
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + n
        donor = donor_of.get(row["donation_id"], "")
        by_donor[donor] = by_donor.get(donor, 0) + n
        per_donation = fig.by_donation.setdefault(row["donation_id"], DonationRow(0, 0, 0))
        per_donation.received += n
        if row["state"] == S.GIVEN:
            per_donation.given += n
        elif row["state"] == S.SCRAPPED:
            per_donation.scrapped += n
        if row["state"] == S.SCRAPPED:
            by_reason[row["scrap_reason"]] = by_reason.get(row["scrap_reason"], 0) + n
        if row["state"] == S.GIVEN and row["kind"] in COMPUTER_KINDS:
            fig.given_computers += n
        fig.refurbished += row["refurbished"]
        if row["minutes"] is not None:
            minutes = (minutes or 0) + row["minutes"]
        fig.devices_with_time += row["with_time"]
        if row["cost"] is not None:
            cost = (cost or Decimal("0")) + row["cost"]
        fig.parts_without_cost += row["without_cost"] or 0
        fig.devices_with_parts += row["with_parts"]
    fig.by_state = {s.value: by_state.get(s.value, 0) for s in S}
    fig.received = sum(by_state.values())
    fig.given = by_state.get(S.GIVEN, 0)
    fig.scrapped = by_state.get(S.SCRAPPED, 0)
    fig.in_stock = fig.received - fig.given - fig.scrapped
    kinds = dict(DeviceKind.choices)
    fig.by_kind = [(str(kinds[k]), n) for k, n in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))]
    fig.by_donor = sorted(by_donor.items(), key=lambda kv: (-kv[1], kv[0]))
    reasons = dict(ScrapReason.choices)
    fig.scrap_reasons = [
        (str(reasons.get(r, r)), n) for r, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    fig.minutes_logged = minutes
    fig.parts_cost_known = cost

    # 3. People equipped by commune (then EPCI, from the communes' own row).
    by_commune = dict(given.values_list("commune_id").annotate(n=Count("pk")).order_by())
    names = {
        pk: (name, epci)
        for pk, name, epci in Territory.objects.filter(pk__in=[k for k in by_commune if k]).values_list(
            "pk", "name", "epci__name"
        )
    }
    epcis: dict[str, int] = {}
    communes: dict[str, int] = {}
    for commune_id, n in by_commune.items():
        name, epci = names.get(commune_id, (None, None))
        communes[name or "—"] = communes.get(name or "—", 0) + n
        epcis[epci or "—"] = epcis.get(epci or "—", 0) + n
    fig.people_by_commune = sorted(communes.items(), key=lambda kv: (-kv[1], kv[0]))
    fig.people_by_epci = sorted(epcis.items(), key=lambda kv: (-kv[1], kv[0]))
    # 4. Priority criteria met.
    fig.people_by_criterion = list(
        given.values_list("criteria__label")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .exclude(criteria__label=None)
    )
    # 5. Follow-ups at six months: one GROUP BY (done, still used, problem).
    used = dict(StillUsed.choices)
    problems = dict(FollowUpProblem.choices)
    still_used: dict[str, int] = {}
    problem_counts: dict[str, int] = {}
    for done, still, problem, n in (
        FollowUp.objects.filter(allocation__in=given)
        .annotate(done=ExpressionWrapper(Q(done_at__isnull=False), output_field=BooleanField()))
        .values_list("done", "still_used", "problem")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if done:
            fig.follow_ups_done += n
        else:
            fig.follow_ups_due += n
        if still:
            still_used[still] = still_used.get(still, 0) + n
        if problem:
            problem_counts[problem] = problem_counts.get(problem, 0) + n
    fig.still_used = [(str(used[k]), n) for k, n in sorted(still_used.items(), key=lambda kv: -kv[1])]
    fig.problems = [(str(problems[k]), n) for k, n in sorted(problem_counts.items(), key=lambda kv: -kv[1])]
    return fig


@dataclass
class Bilan:
    """What the figures pages and the bilan show: the figures and each donation's row."""

    fig: Figures
    donations: list[tuple[DonationHead, DonationRow]]


def kept_bilan(territories: list[Any]) -> Bilan:
    """``figures`` and ``donation_rows`` of the territories, kept per data version."""

    def compute() -> Bilan:
        fig = figures(territories)
        return Bilan(fig=fig, donations=donation_rows(territories, fig=fig))

    return versions.kept("bilan", territories, compute)


def kept_figures(territories: list[Any], *, donation: Donation) -> Figures:
    """``figures`` of one donation, kept per data version."""
    return versions.kept(
        "donation", territories, lambda: figures(territories, donation=donation), parts=[donation.pk]
    )
