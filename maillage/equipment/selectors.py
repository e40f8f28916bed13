"""Reads of the refurbishment loop, scoped to the user's territories (other territories: 404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from maillage.core.permissions import territories_for, territory_scope_q
from maillage.equipment.models import (
    COMPUTER_KINDS,
    Allocation,
    AllocationStatus,
    Device,
    DeviceEvent,
    DeviceKind,
    DeviceState,
    Donation,
    FollowUp,
    PartUsage,
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
            "device", "territory", "commune", "referral", "diagnostic"
        ),
        pk=pk,
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
    devices = devices_visible_to(user).select_related("workshop_place", "donation__donor")
    if state:
        devices = devices.filter(state=state)
    if place_id:
        devices = devices.filter(workshop_place_id=place_id)
    if kind:
        devices = devices.filter(kind=kind)
    return devices.order_by("state_changed_at", "pk")


def state_counts_by_place(user: Any) -> list[dict[str, Any]]:
    """Stock by state and workshop place: one GROUP BY."""
    rows = (
        devices_visible_to(user)
        .values("workshop_place_id", "workshop_place__name", "state")
        .annotate(n=Count("pk"))
        .order_by("workshop_place__name", "state")
    )
    by_place: dict[Any, dict[str, Any]] = {}
    for row in rows:
        entry = by_place.setdefault(
            row["workshop_place_id"],
            {
                "place_id": row["workshop_place_id"],
                "name": row["workshop_place__name"],
                "states": {},
                "total": 0,
            },
        )
        entry["states"][row["state"]] = row["n"]
        entry["total"] += row["n"]
    return list(by_place.values())


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


@dataclass
class DonationRow:
    received: int
    given: int
    scrapped: int


def donation_rows(territories: list[Any]) -> list[tuple[Donation, DonationRow]]:
    """Each donation with its devices received, given and scrapped: one GROUP BY for all donations."""
    ids = [t.pk for t in territories]
    scope = Q(territory_id__in=ids) | Q(territory__department_id__in=ids) | Q(territory__epci_id__in=ids)
    counts = {
        row["donation_id"]: DonationRow(row["received"], row["given"], row["scrapped"])
        for row in Device.objects.filter(scope)
        .values("donation_id")
        .annotate(
            received=Count("pk"),
            given=Count("pk", filter=Q(state=S.GIVEN)),
            scrapped=Count("pk", filter=Q(state=S.SCRAPPED)),
        )
        .order_by()
    }
    donations = Donation.objects.filter(scope).select_related("donor").order_by("received_on", "pk")
    return [(d, counts.get(d.pk, DonationRow(0, 0, 0))) for d in donations]


def figures(territories: list[Any], *, donation: Donation | None = None) -> Figures:
    ids = [t.pk for t in territories]
    scope = Q(territory_id__in=ids) | Q(territory__department_id__in=ids) | Q(territory__epci_id__in=ids)
    devices = Device.objects.filter(scope)
    donations = Donation.objects.filter(scope)
    if donation is not None:
        devices = devices.filter(donation=donation)
        donations = donations.filter(pk=donation.pk)
    fig = Figures()
    by_state = dict(devices.values_list("state").annotate(n=Count("pk")).order_by())
    fig.by_state = {s.value: by_state.get(s.value, 0) for s in S}
    fig.received = sum(by_state.values())
    fig.given = by_state.get(S.GIVEN, 0)
    fig.scrapped = by_state.get(S.SCRAPPED, 0)
    fig.in_stock = fig.received - fig.given - fig.scrapped
    declared = donations.aggregate(
        total=Sum("declared_count"), unknown=Count("pk", filter=Q(declared_count__isnull=True))
    )
    fig.declared = declared["total"] if declared["total"] is not None and not declared["unknown"] else None
    fig.refurbished = (
        DeviceEvent.objects.filter(device__in=devices.exclude(state=S.SCRAPPED), to_state=S.READY)
        .values("device_id")
        .distinct()
        .count()
    )
    fig.given_computers = devices.filter(state=S.GIVEN, kind__in=COMPUTER_KINDS).count()
    kinds = dict(DeviceKind.choices)
    fig.by_kind = [
        (str(kinds[k]), n)
        for k, n in devices.values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind")
    ]
    fig.by_donor = list(
        devices.values_list("donation__donor__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "donation__donor__name")
    )
    reasons = dict(ScrapReason.choices)
    fig.scrap_reasons = [
        (str(reasons.get(r, r)), n)
        for r, n in devices.filter(state=S.SCRAPPED)
        .values_list("scrap_reason")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    parts = PartUsage.objects.filter(device__in=devices)
    agg = parts.aggregate(
        known=Sum(F("unit_cost") * F("quantity")),
        unknown=Count("pk", filter=Q(unit_cost__isnull=True)),
        devices=Count("device_id", distinct=True),
    )
    fig.parts_cost_known = agg["known"]
    fig.parts_without_cost = agg["unknown"]
    fig.devices_with_parts = agg["devices"]
    time = DeviceEvent.objects.filter(device__in=devices, minutes_spent__isnull=False).aggregate(
        total=Sum("minutes_spent"), devices=Count("device_id", distinct=True)
    )
    fig.minutes_logged = time["total"]
    fig.devices_with_time = time["devices"]
    given = Allocation.objects.filter(device__in=devices, status=AllocationStatus.GIVEN)
    fig.people_by_commune = [
        (name or "—", n)
        for name, n in given.values_list("commune__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "commune__name")
    ]
    fig.people_by_epci = [
        (name or "—", n)
        for name, n in given.values_list("commune__epci__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "commune__epci__name")
    ]
    fig.people_by_criterion = list(
        given.values_list("criteria__label")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .exclude(criteria__label=None)
    )
    follow = FollowUp.objects.filter(allocation__in=given)
    fig.follow_ups_due = follow.filter(done_at__isnull=True).count()
    fig.follow_ups_done = follow.filter(done_at__isnull=False).count()
    from maillage.equipment.models import FollowUpProblem, StillUsed

    used = dict(StillUsed.choices)
    fig.still_used = [
        (str(used[k]), n)
        for k, n in follow.exclude(still_used="")
        .values_list("still_used")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    problems = dict(FollowUpProblem.choices)
    fig.problems = [
        (str(problems[k]), n)
        for k, n in follow.exclude(problem="").values_list("problem").annotate(n=Count("pk")).order_by("-n")
    ]
    return fig
