"""Retention: outsiders' registrations (name, structure, e-mail, accessibility needs typed in the public
form) are blanked ``EVENTS_RETENTION_DAYS`` (default 365) after the session ended. Professionals with an
account keep their registration (it proves the training they attended). Status and attendance stay:
they are the session's figures and say nothing about who came. Evaluations are anonymous answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from maillage.core.audit import record_change
from maillage.events.models import Registration


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    days = getattr(settings, "EVENTS_RETENTION_DAYS", 365)
    due = Registration.objects.filter(
        user__isnull=True, anonymised_at__isnull=True, session__ends_at__lt=now - timedelta(days=days)
    )
    count = due.count()
    if dry_run or not count:
        return {"inscriptions de personnes extérieures": count}
    with transaction.atomic():
        Registration.objects.filter(pk__in=list(due.values_list("pk", flat=True))).update(
            full_name="Personne anonymisée",
            structure_name="",
            email="",
            email_normalised="",
            accessibility_needs="",
            anonymised_at=now,
        )
        record_change(
            actor=None,
            action="anonymise",
            object_type=Registration._meta.label,
            object_id="retention",
            changes={
                "count": count,
                "fields": ["full_name", "structure_name", "email", "accessibility_needs"],
            },
        )
    return {"inscriptions de personnes extérieures": count}
