"""The place's side of a referral without an account: resend (and so revoke) the signed link, and send
a message back to the prescriber.

Every link carries the referral's ``link_version``; resending increments it, so every link sent before
(to a wrong address, forwarded…) stops working at once.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.audit import record_change
from maillage.pathways import workflow
from maillage.pathways.models import Referral, ReferralEvent, ReferralStatus

logger = logging.getLogger(__name__)

#: Statuses in which the place may still act, so a fresh link is worth sending.
RESENDABLE = (ReferralStatus.SENT, ReferralStatus.UNDER_REVIEW, ReferralStatus.ACCEPTED)
MESSAGE_MAX_LENGTH = 1000


@transaction.atomic
def resend_link(*, referral_id: int, actor: Any = None, actor_label: str = "") -> Referral:
    """New link version (all previous links dead), e-mailed to the place's addresses after commit."""
    referral = Referral.objects.select_for_update().select_related("place", "commune").get(pk=referral_id)
    if referral.status not in RESENDABLE:
        raise ValidationError(_("Cette orientation est close : aucun nouveau lien n'est envoyé."))
    if not workflow.recipients_for(referral):
        raise ValidationError(_("Ce lieu n'a ni e-mail de contact ni gestionnaire : aucun lien envoyé."))
    referral.link_version += 1
    referral.save(update_fields=["link_version"])
    record_change(
        actor=actor,
        actor_label=actor_label,
        action="update",
        instance=referral,
        territory_code=referral.commune.code if referral.commune_id else "",
        changes={"link_version": [referral.link_version - 1, referral.link_version]},
        message="lien renvoyé, anciens liens révoqués",
    )
    transaction.on_commit(partial(workflow.notify, referral.pk, "resend"))
    return referral


@transaction.atomic
def message_prescriber(*, referral_id: int, text: str, actor: Any = None, actor_label: str = "") -> None:
    """A message from the place to the prescriber: kept in the referral's log and e-mailed."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Écrivez votre message."))
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            _("Message trop long : %(max)d caractères au plus.") % {"max": MESSAGE_MAX_LENGTH}
        )
    referral = Referral.objects.select_for_update().select_related("place", "commune").get(pk=referral_id)
    label = actor_label or str(actor)
    ReferralEvent.objects.create(
        referral=referral,
        at=timezone.now(),
        from_status=referral.status,
        to_status=referral.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=label[:200],
        reason=_("Message du lieu : %(text)s") % {"text": text},
    )
    record_change(
        actor=actor,
        actor_label=actor_label,
        action="update",
        instance=referral,
        territory_code=referral.commune.code if referral.commune_id else "",
        changes={"message_to_prescriber": "•••"},
        message="message du lieu au prescripteur",
    )
    transaction.on_commit(partial(_mail_prescriber, referral.pk, text))


def _mail_prescriber(referral_pk: int, text: str) -> None:
    referral = Referral.objects.select_related("place", "prescriber").filter(pk=referral_pk).first()
    if referral is None or referral.prescriber is None or not referral.prescriber.email:
        return
    body = render_to_string(
        "pathways/email/message_to_prescriber.txt",
        {
            "referral": referral,
            "place": referral.place,
            "text": text,
            "site_url": settings.SITE_URL.rstrip("/"),
        },
    )
    subject = _("Orientation n° %(pk)s : message de %(place)s") % {
        "pk": referral.pk,
        "place": referral.place.name,
    }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [referral.prescriber.email])
    except Exception:  # noqa: BLE001 — provider down: the message stays in the referral's log
        logger.exception("Échec d'envoi du message du lieu pour l'orientation %s", referral_pk)
