"""Retention: referral identities are anonymised ``REFERRAL_IDENTITY_RETENTION_DAYS`` (default 730)
after the referral was created, with every free text that may quote the person (messages, refusal
details, event reasons, follow-up comments). Counts, statuses and dates stay, so statistics are unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from maillage.core.audit import record_change
from maillage.pathways.models import FollowUp, Referral, ReferralEvent


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    days = getattr(settings, "REFERRAL_IDENTITY_RETENTION_DAYS", 730)
    limit = now - timedelta(days=days)
    due = Referral.objects.filter(created_at__lt=limit, identity_anonymised_at__isnull=True).filter(
        ~Q(first_name="") | ~Q(phone="") | ~Q(email="") | ~Q(message="") | ~Q(refusal_message="")
    )
    # Comments of follow-ups of expired referrals (also those anonymised before comments were purged).
    comments = FollowUp.objects.filter(referral__created_at__lt=limit).exclude(comment="")
    events = ReferralEvent.objects.filter(referral__created_at__lt=limit).exclude(reason="")
    count = due.count()
    if dry_run:
        return {
            "orientations": count,
            "follow_up_comments": comments.count(),
            "event_reasons": events.count(),
        }
    with transaction.atomic():
        ids = list(due.values_list("pk", flat=True))
        if ids:
            Referral.objects.filter(pk__in=ids).update(
                first_name="", phone="", email="", message="", refusal_message="", identity_anonymised_at=now
            )
        # Free-text reasons in the log and follow-up comments may quote the person: blank them too.
        reasons = events.update(reason="")
        blanked = comments.update(comment="")
        if ids or reasons or blanked:
            record_change(
                actor=None,
                action="anonymise",
                object_type=Referral._meta.label,
                object_id="retention",
                changes={
                    "count": count,
                    "fields": ["first_name", "phone", "email", "message", "refusal_message"],
                    "event_reasons": reasons,
                    "follow_up_comments": blanked,
                },
            )
    return {"orientations": count, "follow_up_comments": blanked, "event_reasons": reasons}
