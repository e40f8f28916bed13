"""Retention of followed beneficiaries: anonymised BENEFICIARY_RETENTION_DAYS after their last activity.

Identity and contact (names, birth year, phone, e-mail) are erased; the coarse categories (gender,
age band, social status, commune) stay so statistics do not change. Team exports waiting for their
mapping are deleted after a day. Run daily by ``maillage purge``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q

from maillage.activities.models import Activity, Beneficiary, PendingTeamImport
from maillage.activities.services import anonymise_beneficiary, purge_activity_free_text


def expired(*, now: datetime) -> Q:
    days = int(getattr(settings, "BENEFICIARY_RETENTION_DAYS", 365))
    cutoff = now - timedelta(days=days)
    return Q(anonymised_at__isnull=True) & (
        Q(last_activity_date__lt=cutoff.date()) | Q(last_activity_date__isnull=True, created_at__lt=cutoff)
    )


def _old_free_text(now: datetime) -> Any:
    """Activities past retention whose free text (« précisions sur la démarche », tags) is not blank:
    it may name someone even when no followed beneficiary is attached (a one-off accompaniment)."""
    days = int(getattr(settings, "BENEFICIARY_RETENTION_DAYS", 365))
    return Activity.objects.filter(date__lt=(now - timedelta(days=days)).date()).filter(
        ~Q(procedure_details="") | ~Q(tags=[])
    )


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    from maillage.activities.team import PENDING_HOURS, purge_pending

    candidates = Beneficiary.objects.filter(expired(now=now))
    if dry_run:
        stale = PendingTeamImport.objects.filter(created_at__lt=now - timedelta(hours=PENDING_HOURS))
        return {
            "beneficiaries": candidates.count(),
            "activity_free_texts": _old_free_text(now).count(),
            "pending_team_imports": stale.count(),
        }
    count = 0
    for beneficiary in candidates.iterator():
        anonymise_beneficiary(actor=None, beneficiary=beneficiary, now=now)
        count += 1
    return {
        "beneficiaries": count,
        "activity_free_texts": purge_activity_free_text(_old_free_text(now)),
        "pending_team_imports": purge_pending(now=now),
    }
