"""Figures of the refurbishment loop for computed roadmap indicators."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import register
from maillage.equipment.models import COMPUTER_KINDS, Allocation, AllocationStatus, Device, DeviceState


def _scope(territory: Any, prefix: str = "") -> Q:
    """Rows of the loop run by this territory, or by a territory inside it (an EPCI of a département)."""
    return (
        Q(**{f"{prefix}territory": territory})
        | Q(**{f"{prefix}territory__department": territory})
        | Q(**{f"{prefix}territory__epci": territory})
        | Q(**{f"{prefix}territory__region": territory})
    )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.max, tz)


@register("equipment.collected", label=_("Nombre d'équipements collectés"), unit=_("appareils"))
def collected(territory: Any, start: date, end: date) -> int:
    low, high = _bounds(start, end)
    return Device.objects.filter(_scope(territory), created_at__range=(low, high)).count()


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


@register("equipment.given", label=_("Appareils remis à des personnes"), unit=_("appareils"))
def given(territory: Any, start: date, end: date) -> int:
    low, high = _bounds(start, end)
    return Allocation.objects.filter(
        _scope(territory), status=AllocationStatus.GIVEN, given_at__range=(low, high)
    ).count()


@register("equipment.scrapped", label=_("Appareils mis au rebut"), unit=_("appareils"))
def scrapped(territory: Any, start: date, end: date) -> int:
    low, high = _bounds(start, end)
    return Device.objects.filter(
        _scope(territory), state=DeviceState.SCRAPPED, state_changed_at__range=(low, high)
    ).count()
