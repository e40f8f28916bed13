"""« Relancer » : e-mail the people responsible for a place that has not been verified for six months.

Recipients: the place's managers (accounts), the active mediators working there, and the place's own
contact addresses. The e-mail goes through Django's mail backend (console by default, SMTP by settings);
the reminder is recorded in the audit log, which is where the « relancé le » date comes from.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.places.models import Place, PlaceManager
from maillage.places.selectors import REMINDER_KEY


def reminder_recipients(place: Place) -> list[str]:
    emails: list[str] = []
    manager_emails = PlaceManager.objects.filter(place=place, user__is_active=True).values_list(
        "user__email", flat=True
    )
    emails.extend(manager_emails)
    emails.extend(place.mediators.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    emails.extend(place.emails or [])
    seen: dict[str, None] = {}
    for email in emails:
        if email and email.lower() not in seen:
            seen[email.lower()] = None
    return list(seen)


@transaction.atomic
def send_reminder(*, actor: Any, place: Place, base_url: str = "") -> list[str]:
    """Send the reminder; returns the recipients (empty: nobody to remind, nothing sent or recorded)."""
    recipients = reminder_recipients(place)
    if not recipients:
        return []
    edit_path = reverse("places:edit", args=[place.pk])
    context = {
        "place": place,
        "edit_url": f"{base_url}{edit_path}",
        "sender": actor,
        "site_name": "Maillage",
    }
    subject = render_to_string("places/email/reminder_subject.txt", context).strip()
    body = render_to_string("places/email/reminder_body.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipients[0]],
        bcc=recipients[1:],
        reply_to=[actor.email] if getattr(actor, "email", "") else None,
    )
    message.send()
    record_change(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=place,
        changes={REMINDER_KEY: len(recipients)},
        territory_code=place.insee_code or "",
        message=f"Relance envoyée le {timezone.localdate():%d/%m/%Y} à {len(recipients)} destinataire(s)",
    )
    return recipients
