"""Retention: referral identities are anonymised ``REFERRAL_IDENTITY_RETENTION_DAYS`` (default 730)
after the referral was created. Counts, statuses and dates stay, so statistics are unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from maillage.core.audit import record_change
from maillage.pathways.models import Referral, ReferralEvent


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    days = getattr(settings, "REFERRAL_IDENTITY_RETENTION_DAYS", 730)
    limit = now - timedelta(days=days)
    due = Referral.objects.filter(created_at__lt=limit, identity_anonymised_at__isnull=True).filter(
        ~Q(first_name="") | ~Q(phone="") | ~Q(email="") | ~Q(message="") | ~Q(refusal_message="")
    )
    count = due.count()
    if dry_run or not count:
        return {"orientations": count}
    with transaction.atomic():
        ids = list(due.values_list("pk", flat=True))
        Referral.objects.filter(pk__in=ids).update(
            first_name="", phone="", email="", message="", refusal_message="", identity_anonymised_at=now
        )
        # Free-text reasons in the log may quote the person: blank them too.
        ReferralEvent.objects.filter(referral_id__in=ids).exclude(reason="").update(reason="")
        record_change(
            actor=None,
            action="anonymise",
            object_type=Referral._meta.label,
            object_id="retention",
            changes={
                "count": count,
                "fields": ["first_name", "phone", "email", "message", "refusal_message"],
            },
        )
    return {"orientations": count}
