"""Retention of the funding watch: the record of who was reminded of a deadline goes a year after it."""

from __future__ import annotations

from datetime import datetime, timedelta

from maillage.funding.models import DeadlineReminder

KEEP = timedelta(days=365)


def purge(*, now: datetime, dry_run: bool) -> dict[str, int]:
    old = DeadlineReminder.objects.filter(opportunity__deadline__lt=(now - KEEP).date())
    count = old.count()
    if not dry_run and count:
        old.delete()
    return {"rappels de date limite": count}
