"""Retention: the first name or initials of a person equipped, and the free-text reasons that may quote
them, are blanked ``EQUIPMENT_IDENTITY_RETENTION_DAYS`` (default 730) after the allocation ended (handed
over or cancelled) or was last changed. Devices, dates, communes and follow-up answers stay: they are
the loop's statistics and say nothing about who the person is."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from maillage.core.audit import record_change
from maillage.equipment import versions
from maillage.equipment.models import Allocation, DeviceEvent, EventKind


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    days = getattr(settings, "EQUIPMENT_IDENTITY_RETENTION_DAYS", 730)
    limit = now - timedelta(days=days)
    due = Allocation.objects.filter(updated_at__lt=limit, identity_anonymised_at__isnull=True).filter(
        ~Q(person_label="") | ~Q(cancelled_reason="")
    )
    count = due.count()
    if dry_run or not count:
        return {"attributions d'équipement": count}
    with transaction.atomic():
        ids = list(due.values_list("pk", flat=True))
        touched = list(Allocation.objects.filter(pk__in=ids).values_list("device_id", "territory_id"))
        device_ids = [device_id for device_id, _territory_id in touched]
        Allocation.objects.filter(pk__in=ids).update(
            person_label="", cancelled_reason="", identity_anonymised_at=now
        )
        DeviceEvent.objects.filter(device_id__in=device_ids, kind=EventKind.ALLOCATION).exclude(
            note=""
        ).update(note="")
        record_change(
            actor=None,
            action="anonymise",
            object_type=Allocation._meta.label,
            object_id="retention",
            changes={"count": count, "fields": ["person_label", "cancelled_reason"]},
        )
        versions.bump(*{territory_id for _device_id, territory_id in touched})
    return {"attributions d'équipement": count}
