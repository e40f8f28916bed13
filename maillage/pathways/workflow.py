"""Referral (orientation) workflow: the explicit transition table, the transition service, signed
links for places without an account, e-mail notifications, reminders and expiry.

Statuses (design note §5.4): proposed (address handed over only) → sent → under review → accepted →
taken up; or refused (with a reason), cancelled, expired.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from maillage.core.audit import record_change
from maillage.pathways.models import (
    Diagnostic,
    Referral,
    ReferralEvent,
    RefusalReason,
)
from maillage.pathways.models import ReferralStatus as S

logger = logging.getLogger(__name__)

#: Every allowed move, and nothing else. Final statuses have no way out.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PROPOSED: frozenset({S.SENT, S.TAKEN_UP, S.CANCELLED}),
    # The person may come before the place answered: the place then records the take-up directly.
    S.SENT: frozenset({S.UNDER_REVIEW, S.ACCEPTED, S.REFUSED, S.TAKEN_UP, S.CANCELLED, S.EXPIRED}),
    S.UNDER_REVIEW: frozenset({S.ACCEPTED, S.REFUSED, S.TAKEN_UP, S.CANCELLED, S.EXPIRED}),
    S.ACCEPTED: frozenset({S.TAKEN_UP, S.CANCELLED}),
    S.TAKEN_UP: frozenset(),
    S.REFUSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

#: Who may make each move: the prescriber's side, the receiving place (manager or signed link), cron.
PRESCRIBER_MOVES = frozenset({S.SENT, S.TAKEN_UP, S.CANCELLED})
PLACE_MOVES = frozenset({S.UNDER_REVIEW, S.ACCEPTED, S.REFUSED, S.TAKEN_UP})
SYSTEM_MOVES = frozenset({S.EXPIRED})
MOVES_BY_SIDE = {"prescriber": PRESCRIBER_MOVES, "place": PLACE_MOVES, "system": SYSTEM_MOVES}

#: Button labels (verbs) for each move.
ACTION_LABELS: dict[str, Any] = {
    S.SENT: _l("Envoyer la demande au lieu"),
    S.UNDER_REVIEW: _l("Mettre à l'étude"),
    S.ACCEPTED: _l("Accepter"),
    S.TAKEN_UP: _l("La personne est venue (prise en charge)"),
    S.REFUSED: _l("Décliner"),
    S.CANCELLED: _l("Annuler l'orientation"),
    S.EXPIRED: _l("Expirer"),
}

LINK_SALT = "maillage.pathways.referral-link"
REMINDER_EVERY = timedelta(days=10)
EXPIRE_SENT_AFTER = timedelta(days=30)
EXPIRE_REVIEW_AFTER = timedelta(days=60)


def link_max_age() -> timedelta:
    return timedelta(days=getattr(settings, "REFERRAL_LINK_MAX_AGE_DAYS", 15))


class TransitionError(ValidationError):
    pass


def allowed_moves(referral: Referral, side: str) -> list[str]:
    return [s for s in S.values if s in ALLOWED_TRANSITIONS[referral.status] and s in MOVES_BY_SIDE[side]]


@transaction.atomic
def transition(
    *,
    referral_id: int,
    to_status: str,
    side: str,
    actor: Any = None,
    actor_label: str = "",
    reason: str = "",
    refusal_reason: str = "",
    now: datetime | None = None,
    notify_parties: bool = True,
) -> Referral:
    """Move a referral to ``to_status`` under a row lock; log it, audit it, notify after commit."""
    now = now or timezone.now()
    referral = Referral.objects.select_for_update().select_related("place").get(pk=referral_id)
    current = referral.status
    if to_status not in ALLOWED_TRANSITIONS[current]:
        raise TransitionError(
            _("Impossible de passer de « %(from)s » à « %(to)s ».")
            % {"from": S(current).label, "to": S(to_status).label}
        )
    if to_status not in MOVES_BY_SIDE[side]:
        raise TransitionError(_("Ce changement de statut ne vous revient pas."))
    if to_status == S.REFUSED:
        if refusal_reason not in RefusalReason.values:
            raise TransitionError(_("Indiquez le motif du refus."))
        if not reason.strip():
            raise TransitionError(_("Précisez le motif du refus en quelques mots."))
        referral.refusal_reason = refusal_reason
        referral.refusal_message = reason.strip()
    if to_status == S.SENT:
        if not referral.person_informed:
            raise TransitionError(_("La personne doit avoir été informée avant l'envoi."))
        if not referral.has_identity and not referral.contact_preference:
            raise TransitionError(_("Indiquez comment joindre la personne."))
        if not recipients_for(referral):
            raise TransitionError(_("Ce lieu n'a ni e-mail de contact ni gestionnaire : remettez l'adresse."))
        referral.sent_at = now
    elif to_status == S.UNDER_REVIEW:
        referral.review_started_at = now
        referral.responded_at = referral.responded_at or now
    elif to_status in (S.ACCEPTED, S.REFUSED):
        referral.responded_at = referral.responded_at or now
    if to_status == S.TAKEN_UP:
        referral.taken_up_at = now
        if current != S.PROPOSED:
            referral.responded_at = referral.responded_at or now
    if to_status in (S.TAKEN_UP, S.REFUSED, S.CANCELLED, S.EXPIRED):
        referral.closed_at = now
    if referral.responded_at and referral.sent_at and referral.response_hours is None:
        referral.response_hours = max(
            int((referral.responded_at - referral.sent_at).total_seconds() // 3600), 0
        )
    referral.status = to_status
    referral.save()
    label = actor_label or _actor_label(actor)
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        from_status=current,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=label,
        reason=reason.strip()[:600],
    )
    record_change(
        actor=actor,
        action="transition",
        instance=referral,
        territory_code=referral.commune.code if referral.commune_id else "",
        changes={"status": [current, to_status]},
        message=label,
    )
    if notify_parties:
        transaction.on_commit(partial(notify, referral.pk, to_status))
    return referral


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _("Système")
    return str(actor)


@transaction.atomic
def create_referral(
    *,
    actor: Any,
    diagnostic: Diagnostic,
    place: Any,
    orientation: str,
    send: bool,
    first_name: str = "",
    phone: str = "",
    email: str = "",
    contact_preference: str = "",
    message: str = "",
    person_informed: bool = False,
    distance_km: float | None = None,
    now: datetime | None = None,
    notify_parties: bool = True,
) -> Referral:
    """Create a referral: ``proposed`` (address handed over only) or immediately ``sent`` to the place."""
    now = now or timezone.now()
    if send and not person_informed:
        raise TransitionError(_("Cochez l'engagement d'information de la personne."))
    referral = Referral.objects.create(
        diagnostic=diagnostic,
        place=place,
        orientation=orientation,
        status=S.PROPOSED,
        prescriber=actor,
        organisation=diagnostic.organisation,
        department_id=diagnostic.department_id,
        commune_id=diagnostic.commune_id,
        distance_km=distance_km,
        first_name=first_name.strip() if send else "",
        phone=phone.strip() if send else "",
        email=email.strip() if send else "",
        contact_preference=contact_preference if send else "",
        message=message.strip()[:600] if send else "",
        person_informed=person_informed,
        created_at=now,
    )
    ReferralEvent.objects.create(
        referral=referral, at=now, from_status="", to_status=S.PROPOSED, actor=actor, actor_label=str(actor)
    )
    record_change(
        actor=actor,
        action="create",
        instance=referral,
        territory_code=diagnostic.commune.code,
        changes={"place": place.pk, "orientation": orientation, "identity": "•••" if send else ""},
    )
    if send:
        referral = transition(
            referral_id=referral.pk,
            to_status=S.SENT,
            side="prescriber",
            actor=actor,
            now=now,
            notify_parties=notify_parties,
        )
    return referral


# --- Signed links ---------------------------------------------------------------------------------


class LinkError(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "expired" or "invalid"


def make_link_token(referral: Referral) -> str:
    return signing.dumps({"r": referral.pk, "v": referral.link_version}, salt=LINK_SALT, compress=True)


def link_url(referral: Referral) -> str:
    path = reverse("pathways:answer", kwargs={"token": make_link_token(referral)})
    return settings.SITE_URL.rstrip("/") + path


def referral_from_token(token: str) -> Referral:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=link_max_age())
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise LinkError("invalid")
    referral = (
        Referral.objects.select_related("place", "diagnostic__grid", "commune", "organisation", "prescriber")
        .filter(pk=data["r"])
        .first()
    )
    if referral is None or referral.link_version != data.get("v"):
        raise LinkError("invalid")
    return referral


# --- Notifications --------------------------------------------------------------------------------


def recipients_for(referral: Referral) -> list[str]:
    return recipients_for_place(referral.place)


def recipients_for_place(place: Any) -> list[str]:
    """The place's contact e-mails and its managers' e-mails."""
    from maillage.places.models import PlaceManager

    emails = [e for e in (place.emails or []) if e]
    emails += list(
        PlaceManager.objects.filter(place=place, user__is_active=True).values_list("user__email", flat=True)
    )
    return sorted(set(emails))


@dataclass
class Mail:
    subject: str
    body: str
    to: list[str]


def _mail_for(referral: Referral, event: str) -> Mail | None:
    context = {"referral": referral, "place": referral.place, "site_url": settings.SITE_URL.rstrip("/")}
    if event in (S.SENT, "reminder", "resend"):
        context["link"] = link_url(referral)
        context["max_age_days"] = link_max_age().days
        subject = (
            _("Nouvelle orientation vers %(place)s")
            if event == S.SENT
            else _("Nouveau lien – Orientation n° %(pk)s (%(place)s)")
            if event == "resend"
            else _("Relance – Demande d'orientation en attente (%(place)s)")
        ) % {"place": referral.place.name, "pk": referral.pk}
        return Mail(
            subject,
            render_to_string(
                "pathways/email/to_place.txt",
                {**context, "reminder": event == "reminder", "resend": event == "resend"},
            ),
            recipients_for(referral),
        )
    if event in (S.ACCEPTED, S.REFUSED, S.EXPIRED, S.UNDER_REVIEW, S.TAKEN_UP):
        prescriber = referral.prescriber
        if prescriber is None or not prescriber.email:
            return None
        return Mail(
            _("Orientation n° %(pk)s : %(status)s") % {"pk": referral.pk, "status": S(event).label},
            render_to_string("pathways/email/to_prescriber.txt", context),
            [prescriber.email],
        )
    return None


def notify(referral_pk: int, event: str) -> None:
    """Send the e-mail for ``event``; fail soft (logged) when the provider is down."""
    referral = (
        Referral.objects.select_related("place", "prescriber", "commune").filter(pk=referral_pk).first()
    )
    if referral is None:
        return
    mail = _mail_for(referral, event)
    if mail is None or not mail.to:
        return
    try:
        send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.to)
    except Exception:  # noqa: BLE001 — e-mail provider down: the referral is tracked anyway
        logger.exception("Échec d'envoi de l'e-mail d'orientation %s (%s)", referral_pk, event)


# --- Scheduled jobs -------------------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Remind places of referrals left open for 10 days since sending or the last reminder. Idempotent."""
    now = now or timezone.now()
    due_before = now - REMINDER_EVERY
    candidates = Referral.objects.filter(status__in=[S.SENT, S.UNDER_REVIEW], sent_at__lte=due_before)
    count = 0
    for pk in candidates.values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().get(pk=pk)
            last = referral.last_reminder_at or referral.sent_at
            if referral.status not in (S.SENT, S.UNDER_REVIEW) or last is None or last > due_before:
                continue
            count += 1
            if dry_run:
                continue
            referral.last_reminder_at = now
            referral.reminders_sent += 1
            referral.save(update_fields=["last_reminder_at", "reminders_sent"])
            record_change(
                actor=None,
                action="update",
                instance=referral,
                changes={"reminders_sent": [referral.reminders_sent - 1, referral.reminders_sent]},
                message="relance",
            )
            transaction.on_commit(partial(notify, pk, "reminder"))
    return count


def expire_referrals(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Expire referrals sent 30 days ago without answer, or under review for 60 days. Idempotent."""
    now = now or timezone.now()
    due = Referral.objects.filter(
        status=S.SENT, sent_at__lte=now - EXPIRE_SENT_AFTER
    ) | Referral.objects.filter(status=S.UNDER_REVIEW, review_started_at__lte=now - EXPIRE_REVIEW_AFTER)
    pks = list(due.values_list("pk", flat=True).order_by("pk"))
    if dry_run:
        return len(pks)
    count = 0
    for pk in pks:
        try:
            transition(
                referral_id=pk,
                to_status=S.EXPIRED,
                side="system",
                actor_label=_("Système (expiration automatique)"),
                reason=_("Sans réponse du lieu dans le délai."),
                now=now,
            )
            count += 1
        except TransitionError:  # answered meanwhile
            continue
    return count
