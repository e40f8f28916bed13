"""The running totals a device keeps of its own log (first time ready, time spent, parts and their cost).

The services update them in the transaction that writes the log row; ``rebuild`` recomputes them from
the log (used by the migration that introduced them, by the benchmark's bulk fill and by the tests that
check the totals never drift from the log).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

READY = "ready"


def rebuild(device_model: Any, event_model: Any, part_model: Any, devices: Any = None) -> int:
    """Recompute every total of ``devices`` (all devices by default) from the log; returns the row count.

    Takes the model classes so that a migration can pass its historical models.
    """
    devices = device_model.objects.all() if devices is None else devices
    events = event_model.objects.filter(device_id=OuterRef("pk")).order_by().values("device_id")
    parts = part_model.objects.filter(device_id=OuterRef("pk")).order_by().values("device_id")
    cost = ExpressionWrapper(
        F("unit_cost") * F("quantity"), output_field=DecimalField(max_digits=10, decimal_places=2)
    )
    return devices.update(
        refurbished_at=Subquery(events.filter(to_state=READY).annotate(v=Min("at")).values("v")[:1]),
        minutes_spent=Subquery(
            events.filter(minutes_spent__isnull=False).annotate(v=Sum("minutes_spent")).values("v")[:1],
            output_field=IntegerField(),
        ),
        parts_count=Coalesce(
            Subquery(parts.annotate(v=Count("pk")).values("v")[:1], output_field=IntegerField()), Value(0)
        ),
        parts_without_cost=Coalesce(
            Subquery(
                parts.filter(unit_cost__isnull=True).annotate(v=Count("pk")).values("v")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        parts_cost_known=Subquery(
            parts.filter(unit_cost__isnull=False).annotate(v=Sum(cost)).values("v")[:1],
            output_field=DecimalField(max_digits=10, decimal_places=2),
        ),
    )


def add_event(device: Any, *, to_state: str, at: Any, minutes_spent: int | None) -> None:
    """Fold one new log row into the device's totals (the device row is locked by the caller)."""
    changes: dict[str, Any] = {}
    if to_state == READY and device.refurbished_at is None:
        changes["refurbished_at"] = device.refurbished_at = at
    if minutes_spent is not None:
        changes["minutes_spent"] = Coalesce(F("minutes_spent"), Value(0)) + minutes_spent
        device.minutes_spent = (device.minutes_spent or 0) + minutes_spent
    if changes:
        type(device).objects.filter(pk=device.pk).update(**changes)


def add_part(device: Any, *, quantity: int, unit_cost: Decimal | None) -> None:
    changes: dict[str, Any] = {"parts_count": F("parts_count") + 1}
    device.parts_count += 1
    if unit_cost is None:
        changes["parts_without_cost"] = F("parts_without_cost") + 1
        device.parts_without_cost += 1
    else:
        total = unit_cost * quantity
        changes["parts_cost_known"] = Coalesce(F("parts_cost_known"), Value(Decimal("0"))) + total
        device.parts_cost_known = (device.parts_cost_known or Decimal("0")) + total
    type(device).objects.filter(pk=device.pk).update(**changes)
