"""« Relancer » : e-mail the people responsible for a place that has not been verified for six months.

Recipients: the place's managers (accounts), the active mediators working there, and the place's own
contact addresses. Each recipient gets a message of their own carrying a signed, expiring link
(``maillage.places.contact_links``) where they confirm « rien n'a changé » in one click or correct the
public fields of the place, without an account. The reminder is stored (``PlaceReminder``: what happened
through its links) and recorded in the audit log, which is where the « relancé le » date comes from.

:func:`send_reminder` is the one function that sends: the « Relancer » button, freshness campaigns and
the automatic second reminder all go through it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.places import contact_links
from maillage.places.models import FreshnessCampaign, Place, PlaceManager, PlaceReminder
from maillage.places.selectors import REMINDER_KEY

logger = logging.getLogger(__name__)


def reminder_recipients(place: Place) -> list[str]:
    emails: list[str] = []
    manager_emails = PlaceManager.objects.filter(place=place, user__is_active=True).values_list(
        "user__email", flat=True
    )
    emails.extend(manager_emails)
    emails.extend(place.mediators.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    emails.extend(place.emails or [])
    seen: dict[str, str] = {}
    for email in emails:
        if email and email.lower() not in seen:
            seen[email.lower()] = email
    return list(seen.values())


def _messages(reminder: PlaceReminder, actor: Any, *, base_url: str, second: bool) -> list[EmailMessage]:
    place = reminder.place
    messages = []
    for index, email in enumerate(reminder.recipients):
        context = {
            "place": place,
            "link_url": contact_links.link_url(reminder, index, base_url=base_url),
            "max_age_days": contact_links.link_max_age().days,
            "second": second,
            "site_name": "Maillage",
        }
        subject = render_to_string("places/email/reminder_subject.txt", context).strip()
        body = render_to_string("places/email/reminder_body.txt", context)
        reply_to = getattr(actor, "email", "") if actor is not None else ""
        messages.append(
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email],
                reply_to=[reply_to] if reply_to else None,
            )
        )
    return messages


def send_reminder(
    *,
    actor: Any,
    place: Place,
    base_url: str = "",
    campaign: FreshnessCampaign | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Send the reminder; returns the recipients (empty: nobody to remind, nothing sent or recorded)."""
    recipients = reminder_recipients(place)
    if not recipients:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        reminder = PlaceReminder.objects.create(
            place=place,
            campaign=campaign,
            sent_at=now,
            sent_by=actor if getattr(actor, "is_authenticated", False) else None,
            recipients=recipients,
        )
        record_change(
            actor=actor,
            action=AuditAction.TRANSITION,
            instance=place,
            changes={REMINDER_KEY: len(recipients)},
            territory_code=place.insee_code or "",
            message=f"Relance envoyée le {timezone.localdate(now):%d/%m/%Y} à {len(recipients)} destinataire(s)",
        )
    _send(_messages(reminder, actor, base_url=base_url, second=False))
    return recipients


def send_second_reminder(reminder: PlaceReminder, *, now: datetime | None = None) -> bool:
    """Remind again, with the same links, a reminder left without answer. False when already done."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = PlaceReminder.objects.filter(
            pk=reminder.pk, second_sent_at__isnull=True, confirmed_at__isnull=True, corrected_at__isnull=True
        ).update(second_sent_at=now)
        if not updated:
            return False
        reminder.refresh_from_db()
        record_change(
            actor=None,
            action=AuditAction.TRANSITION,
            instance=reminder.place,
            changes={REMINDER_KEY: len(reminder.recipients)},
            territory_code=reminder.place.insee_code or "",
            message=f"Seconde relance automatique le {timezone.localdate(now):%d/%m/%Y}",
        )
    _send(_messages(reminder, reminder.sent_by, base_url="", second=True))
    return True


def _send(messages: list[EmailMessage]) -> None:
    if not messages:
        return
    connection = get_connection()
    connection.send_messages(messages)
