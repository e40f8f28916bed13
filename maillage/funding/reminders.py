"""E-mail digest of the funding opportunities whose deadline comes (``maillage remind_funding_deadlines``,
daily from cron; a background job can call ``send_deadline_digests`` as is).

Each coordinator and action lead gets, at most once per opportunity, the opportunities they can see
whose deadline falls within ``DAYS_BEFORE`` days; one e-mail per person listing them. Messages go
through the job queue like every e-mail (``maillage.core.mail``); the ``DeadlineReminder`` rows are
written in the same transaction, so a second run the same day sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from maillage.funding.models import DeadlineReminder, Opportunity
from maillage.funding.permissions import opportunities_q

DAYS_BEFORE = 21
ROLES = ("coordinator", "action_lead")


@dataclass
class Digest:
    recipient: Any
    opportunities: list[Opportunity]

    @property
    def subject(self) -> str:
        return f"[Maillage] {len(self.opportunities)} appel(s) à financement bientôt clos"

    def body(self, base_url: str) -> str:
        lines = [
            "Bonjour,",
            "",
            "Ces opportunités de financement de votre territoire arrivent à échéance :",
            "",
        ]
        for o in self.opportunities:
            url = base_url + reverse("funding:opportunity", args=[o.pk])
            funder = o.funder.name if o.funder else "financeur non renseigné"
            lines.append(
                f"- {o.title} ({o.get_programme_display()}, {funder}) : avant le {o.deadline:%d/%m/%Y}\n  {url}"
            )
        lines += ["", "— Maillage (rappel automatique, une fois par opportunité)"]
        return "\n".join(lines)


def deadline_digests(*, today: date, days: int = DAYS_BEFORE) -> list[Digest]:
    from maillage.accounts.models import Membership

    users = {
        m.user
        for m in Membership.objects.filter(
            role__in=ROLES, is_active=True, user__is_active=True
        ).select_related("user")
    }
    digests = []
    for user in sorted(users, key=lambda u: u.pk):
        if not user.email:
            continue
        due = list(
            Opportunity.objects.filter(
                opportunities_q(user), deadline__range=(today, today + timedelta(days=days))
            )
            .exclude(reminders__recipient=user)
            .select_related("funder")
            .order_by("deadline", "pk")
        )
        if due:
            digests.append(Digest(recipient=user, opportunities=due))
    return digests


def send_deadline_digests(*, today: date | None = None, dry_run: bool = False) -> list[Digest]:
    today = today or timezone.localdate()
    base_url = getattr(settings, "SITE_URL", "").rstrip("/")
    sent = []
    for digest in deadline_digests(today=today):
        if dry_run:
            sent.append(digest)
            continue
        try:
            with transaction.atomic():
                DeadlineReminder.objects.bulk_create(
                    [
                        DeadlineReminder(opportunity=o, recipient=digest.recipient)
                        for o in digest.opportunities
                    ]
                )
                send_mail(digest.subject, digest.body(base_url), None, [digest.recipient.email])
        except IntegrityError:  # another run reminded them meanwhile
            continue
        sent.append(digest)
    return sent
