"""Retention of the directory's public reports: the reporter's e-mail, the report's text (which may quote
someone) and the keyed hash of their address are blanked ``PLACE_REPORT_RETENTION_DAYS`` (default 365)
after the report; the hash alone after one day (it only serves the per-minute rate limit). The place,
the dates and the decision stay: they are the queue's history."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from maillage.core.audit import record_change
from maillage.places.models import ChangeStatus, ErrorReport

ANONYMISED = "(texte effacé au terme de la durée de conservation)"


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    days = getattr(settings, "PLACE_REPORT_RETENTION_DAYS", 365)
    limit = now - timedelta(days=days)
    due = (
        ErrorReport.objects.filter(created_at__lt=limit)
        .exclude(status=ChangeStatus.PENDING)
        .filter(~Q(email="") | ~Q(message=ANONYMISED))
    )
    keys = ErrorReport.objects.filter(created_at__lt=now - timedelta(days=1)).exclude(client_key="")
    counts = {"signalements d'erreur": due.count(), "empreintes d'adresse IP": keys.count()}
    if dry_run or not any(counts.values()):
        return counts
    with transaction.atomic():
        keys.update(client_key="")
        if counts["signalements d'erreur"]:
            due.update(email="", message=ANONYMISED)
            record_change(
                actor=None,
                action="anonymise",
                object_type=ErrorReport._meta.label,
                object_id="retention",
                changes={"reports": counts["signalements d'erreur"]},
                message=f"Signalements antérieurs au {limit:%d/%m/%Y} anonymisés",
            )
    return counts
