"""Monthly digest to action leads of their actions without update for 3 months.

``send_stale_digests`` is the one entry point (``maillage remind_stale_actions`` from cron today; a
background job can call it as is). One e-mail per lead and roadmap a month at most, recorded as a
``StaleReminder`` that coordinators see on the dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from maillage.roadmaps.models import Action, Roadmap, StaleReminder
from maillage.roadmaps.reporting import CLOSED_STATUSES, STALE_AFTER


@dataclass
class Digest:
    recipient: Any
    roadmap: Roadmap
    actions: list[Action]

    @property
    def subject(self) -> str:
        return f"[Maillage] {len(self.actions)} action(s) à mettre à jour — {self.roadmap.title}"

    def body(self, base_url: str) -> str:
        lines = [
            "Bonjour,",
            "",
            f"Ces actions de la feuille de route « {self.roadmap.title} » que votre structure porte n'ont pas "
            "été mises à jour depuis plus de 3 mois :",
            "",
        ]
        for action in self.actions:
            last = f"{action.last_update_at:%d/%m/%Y}" if action.last_update_at else "jamais"
            url = base_url + reverse("roadmaps:action_update", args=[action.pk])
            lines.append(f"- {action.label}. {action.title} (dernière mise à jour : {last})\n  {url}")
        lines += [
            "",
            "Un point d'avancement, même court, permet au comité de pilotage de suivre la feuille de route.",
            "",
            "— Maillage (message automatique mensuel)",
        ]
        return "\n".join(lines)


def stale_digests(*, now: Any = None) -> list[Digest]:
    """Who should be reminded of what: every active action lead, per roadmap, their stale actions."""
    from maillage.accounts.models import Membership
    from maillage.roadmaps.selectors import actions_led_by

    now = now or timezone.now()
    users = {
        m.user
        for m in Membership.objects.filter(
            role="action_lead", is_active=True, user__is_active=True
        ).select_related("user")
    }
    digests = []
    for user in sorted(users, key=lambda u: u.pk):
        by_roadmap: dict[int, list[Action]] = defaultdict(list)
        roadmaps: dict[int, Roadmap] = {}
        for action in actions_led_by(user):
            if action.status in CLOSED_STATUSES:
                continue
            if action.last_update_at is None or now - action.last_update_at > STALE_AFTER:
                by_roadmap[action.roadmap_id].append(action)
                roadmaps[action.roadmap_id] = action.roadmap
        for roadmap_id, actions in by_roadmap.items():
            digests.append(Digest(recipient=user, roadmap=roadmaps[roadmap_id], actions=actions))
    return digests


def send_stale_digests(*, today: date | None = None, dry_run: bool = False) -> list[Digest]:
    """Send this month's digests not sent yet; returns what was (or would be) sent."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    base_url = getattr(settings, "SITE_URL", "").rstrip("/")
    sent = []
    for digest in stale_digests():
        already = StaleReminder.objects.filter(
            roadmap=digest.roadmap, recipient=digest.recipient, month=month
        ).exists()
        if already or not digest.recipient.email:
            continue
        if dry_run:
            sent.append(digest)
            continue
        try:
            with transaction.atomic():
                reminder = StaleReminder.objects.create(
                    roadmap=digest.roadmap, recipient=digest.recipient, month=month
                )
                reminder.actions.set(digest.actions)
                send_mail(
                    digest.subject,
                    digest.body(base_url),
                    None,
                    [digest.recipient.email],
                )
        except IntegrityError:  # another run sent it meanwhile
            continue
        sent.append(digest)
    return sent


def recent_reminders(roadmap: Roadmap, *, months: int = 3) -> list[StaleReminder]:
    since = timezone.now() - STALE_AFTER * (months / 3)
    return list(
        StaleReminder.objects.filter(roadmap=roadmap, sent_at__gte=since)
        .select_related("recipient")
        .prefetch_related("actions")
        .order_by("-sent_at")
    )
