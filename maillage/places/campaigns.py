"""Freshness campaigns: « relancer tous les lieux non vérifiés » of an EPCI or of the whole territory as
one operation, its follow-up (sent, opened via the link, confirmed, corrected, no answer) and the
automatic second reminder.

:func:`run_campaign` is the one function that sends a campaign; it is idempotent (a place already
reminded by this campaign is skipped), so that a background worker may run it, or run it again after a
crash. Until the job runner is available it runs in the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.places import reminders, selectors
from maillage.places.models import FreshnessCampaign, Place, PlaceReminder
from maillage.territories.models import Territory

logger = logging.getLogger(__name__)

SECOND_REMINDER_AFTER = timedelta(days=14)

#: Follow-up states of a reminder, for the campaign page's filter.
STATES = {
    "sent": _("Envoyée, lien pas encore ouvert"),
    "opened": _("Lien ouvert, sans réponse"),
    "confirmed": _("Confirmée sans changement"),
    "corrected": _("Corrections envoyées"),
    "no_answer": _("Sans réponse (ouvert ou non)"),
}


def campaign_places(territory: Territory, *, now: datetime | None = None) -> QuerySet[Place]:
    """The published places of ``territory`` not verified for more than six months."""
    cutoff = selectors.stale_cutoff(now)
    return (
        selectors.public_places()
        .in_territory(territory)
        .filter(Q(verified_at__lt=cutoff) | Q(verified_at__isnull=True, data_updated_on__lt=cutoff.date()))
        .order_by("pk")
    )


@transaction.atomic
def start_campaign(*, actor: Any, territory: Territory) -> FreshnessCampaign:
    campaign = FreshnessCampaign.objects.create(
        territory=territory, created_by=actor, places_count=campaign_places(territory).count()
    )
    record_change(
        actor=actor,
        action=AuditAction.CREATE,
        instance=campaign,
        territory_code=territory.code,
        changes={"territory": territory.code, "places": campaign.places_count},
        message=f"Campagne de mise à jour : {territory}",
    )
    return campaign


def run_campaign(
    campaign_id: int,
    *,
    base_url: str = "",
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FreshnessCampaign:
    """Send the reminder of every stale place of the campaign's territory (idempotent)."""
    campaign = FreshnessCampaign.objects.select_related("territory", "created_by").get(pk=campaign_id)
    already = set(PlaceReminder.objects.filter(campaign=campaign).values_list("place_id", flat=True))
    skipped = 0
    places = campaign_places(campaign.territory, now=now)
    total = places.count()
    for done, place in enumerate(places.iterator(chunk_size=500)):
        if progress is not None:
            progress(done, total)
        if place.pk in already:
            continue
        try:
            sent = reminders.send_reminder(
                actor=campaign.created_by, place=place, base_url=base_url, campaign=campaign, now=now
            )
        except Exception:  # noqa: BLE001 — one place's mail failure must not stop the campaign
            logger.exception("Relance du lieu %s (campagne %s) en échec", place.pk, campaign.pk)
            sent = []
        if not sent:
            skipped += 1
    FreshnessCampaign.objects.filter(pk=campaign.pk).update(
        finished_at=now or timezone.now(), skipped_count=skipped
    )
    campaign.refresh_from_db()
    return campaign


@dataclass
class FollowUp:
    sent: int
    opened: int
    confirmed: int
    corrected: int
    no_answer: int
    second_sent: int


def follow_up(campaign: FreshnessCampaign) -> FollowUp:
    counts = PlaceReminder.objects.filter(campaign=campaign).aggregate(
        sent=Count("pk"),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        corrected=Count("pk", filter=Q(corrected_at__isnull=False)),
        no_answer=Count("pk", filter=Q(confirmed_at__isnull=True, corrected_at__isnull=True)),
        second_sent=Count("pk", filter=Q(second_sent_at__isnull=False)),
    )
    return FollowUp(**counts)


def reminder_state(reminder: PlaceReminder) -> str:
    if reminder.corrected_at:
        return "corrected"
    if reminder.confirmed_at:
        return "confirmed"
    if reminder.opened_at:
        return "opened"
    return "sent"


def send_second_reminders(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Second reminder for reminders left without answer for 14 days, when the place is still stale.

    Idempotent (each reminder is reminded once): meant for cron, e.g. daily.
    """
    now = now or timezone.now()
    cutoff = selectors.stale_cutoff(now)
    due = (
        PlaceReminder.objects.filter(
            sent_at__lte=now - SECOND_REMINDER_AFTER,
            second_sent_at__isnull=True,
            confirmed_at__isnull=True,
            corrected_at__isnull=True,
            place__is_published=True,
            place__merged_into__isnull=True,
        )
        .filter(
            Q(place__verified_at__lt=cutoff)
            | Q(place__verified_at__isnull=True, place__data_updated_on__lt=cutoff.date())
        )
        .select_related("place", "sent_by")
        .order_by("pk")
    )
    count = 0
    for reminder in due.iterator(chunk_size=200):
        # only the latest reminder of a place is reminded again
        if PlaceReminder.objects.filter(place_id=reminder.place_id, sent_at__gt=reminder.sent_at).exists():
            continue
        if dry_run:
            count += 1
            continue
        if reminders.send_second_reminder(reminder, now=now):
            count += 1
    return count
