"""Figures of the refurbishment loop for computed roadmap indicators."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import Value, batch, register
from maillage.equipment.models import COMPUTER_KINDS, Allocation, AllocationStatus, Device, DeviceState


def _scope(territory: Any, prefix: str = "") -> Q:
    """Rows of the loop run by this territory, or by a territory inside it (an EPCI of a département)."""
    return (
        Q(**{f"{prefix}territory": territory})
        | Q(**{f"{prefix}territory__department": territory})
        | Q(**{f"{prefix}territory__epci": territory})
        | Q(**{f"{prefix}territory__region": territory})
    )


def _many(territories: Sequence[Any], queryset: Any, prefix: str = "") -> dict[int, Value]:
    """The batch form of ``_scope``: one GROUP BY on the row's territory and its parents, each row
    counted once for every requested territory it lies in."""
    pks = [t.pk for t in territories]
    paths = [f"{prefix}territory_id"] + [
        f"{prefix}territory__{p}_id" for p in ("department", "epci", "region")
    ]
    q = Q()
    for path in paths:
        q |= Q(**{f"{path}__in": pks})
    counts: Counter[int] = Counter()
    for *ids, n in queryset.filter(q).order_by().values_list(*paths).annotate(n=Count("id")):
        for pk in set(ids) & set(pks):
            counts[pk] += n
    return {pk: counts.get(pk, 0) for pk in pks}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.max, tz)


@register("equipment.collected", label=_("Nombre d'équipements collectés"), unit=_("appareils"))
def collected(territory: Any, start: date, end: date) -> int:
    low, high = _bounds(start, end)
    return Device.objects.filter(_scope(territory), created_at__range=(low, high)).count()


@batch("equipment.collected")
def collected_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _many(territories, Device.objects.filter(created_at__range=_bounds(start, end)))


@register(
    "equipment.computers_given",
    label=_("Nombre d'ordinateurs reconditionnés et redistribués"),
    unit=_("ordinateurs"),
)
def computers_given(territory: Any, start: date, end: date) -> int:
    low, high = _bounds(start, end)
    return Allocation.objects.filter(
        _scope(territory),
        status=AllocationStatus.GIVEN,
        given_at__range=(low, high),
        device__kind__in=COMPUTER_KINDS,
    ).count()


@batch("equipment.computers_given")
def computers_given_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    given = Allocation.objects.filter(
        status=AllocationStatus.GIVEN, given_at__range=_bounds(start, end), device__kind__in=COMPUTER_KINDS
    )
    return _many(territories, given)


@register("equipment.given", label=_("Appareils remis à des personnes"), unit=_("appareils"))
def given(territory: Any, start: date, end: date) -> int:
    low, high = _bounds(start, end)
    return Allocation.objects.filter(
        _scope(territory), status=AllocationStatus.GIVEN, given_at__range=(low, high)
    ).count()


@batch("equipment.given")
def given_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    given = Allocation.objects.filter(status=AllocationStatus.GIVEN, given_at__range=_bounds(start, end))
    return _many(territories, given)


@register("equipment.scrapped", label=_("Appareils mis au rebut"), unit=_("appareils"))
def scrapped(territory: Any, start: date, end: date) -> int:
    low, high = _bounds(start, end)
    return Device.objects.filter(
        _scope(territory), state=DeviceState.SCRAPPED, state_changed_at__range=(low, high)
    ).count()


@batch("equipment.scrapped")
def scrapped_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    scrapped = Device.objects.filter(state=DeviceState.SCRAPPED, state_changed_at__range=_bounds(start, end))
    return _many(territories, scrapped)


def _collected_computers(start: date, end: date) -> Any:
    return Device.objects.filter(created_at__range=_bounds(start, end), kind__in=COMPUTER_KINDS)


def _given_computers(start: date, end: date) -> Any:
    return Allocation.objects.filter(
        status=AllocationStatus.GIVEN, given_at__range=_bounds(start, end), device__kind__in=COMPUTER_KINDS
    )


@register(  # type: ignore[arg-type]  # None: nothing collected, the ratio is unknown (never 0 %)
    "equipment.redistribution_rate",
    label=_("Ratio ordinateurs distribués / ordinateurs récupérés"),
    unit="%",
)
def redistribution_rate(territory: Any, start: date, end: date) -> float | None:
    return redistribution_rate_many([territory], start, end)[territory.pk]


@batch("equipment.redistribution_rate")
def redistribution_rate_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    collected = _many(territories, _collected_computers(start, end))
    given = _many(territories, _given_computers(start, end))
    return {pk: round(100.0 * (given[pk] or 0) / n, 1) if n else None for pk, n in collected.items()}
