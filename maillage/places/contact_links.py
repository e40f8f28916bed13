"""Signed, expiring links that let a place's contact act without an account.

A reminder (:class:`~maillage.places.models.PlaceReminder`) is sent to each recipient with a link of its
own: the token signs the reminder and the recipient's position in its list, so that every confirmation or
correction is audited with the address it was sent to. From the link the contact confirms « rien n'a
changé » in one click, or corrects the public fields of the place (hours, services, contact,
accessibility). The territory chooses (:class:`~maillage.places.models.DirectorySettings`) whether a
correction is applied at once or queued for the coordination.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from maillage.core.audit import diff_fields, model_values, record_change
from maillage.core.models import AuditAction
from maillage.places.models import (
    ChangeStatus,
    ContactChangesMode,
    DirectorySettings,
    Place,
    PlaceChangeRequest,
    PlaceReminder,
)

LINK_SALT = "maillage.places.contact-link"

#: The public fields a place's contact may correct from the link (hours, services, contact, accessibility).
CONTACT_FIELDS = (
    "opening_hours",
    "phone",
    "emails",
    "websites",
    "booking_url",
    "services",
    "support_modes",
    "fees",
    "access_modes",
    "specific_support",
    "accessibility_url",
)


def link_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "PLACE_CONTACT_LINK_MAX_AGE_DAYS", 30)))


class LinkError(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "expired" or "invalid"


@dataclass
class ContactLink:
    reminder: PlaceReminder
    place: Place
    email: str

    @property
    def actor_label(self) -> str:
        return f"{self.email} (lien de relance, sans compte)"[:200]


def make_token(reminder: PlaceReminder, index: int) -> str:
    return signing.dumps({"r": reminder.pk, "i": index}, salt=LINK_SALT, compress=True)


def link_url(reminder: PlaceReminder, index: int, *, base_url: str = "") -> str:
    base = (base_url or settings.SITE_URL).rstrip("/")
    return base + reverse("places:contact_link", kwargs={"token": make_token(reminder, index)})


def read_token(token: str) -> ContactLink:
    """The reminder and recipient behind ``token``; :class:`LinkError` when forged, altered or expired."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=link_max_age())
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("i"), int):
        raise LinkError("invalid")
    reminder = PlaceReminder.objects.select_related("place").filter(pk=data["r"]).first()
    if reminder is None or not 0 <= data["i"] < len(reminder.recipients or []):
        raise LinkError("invalid")
    place = reminder.place
    if place.merged_into_id is not None:
        raise LinkError("invalid")
    return ContactLink(reminder=reminder, place=place, email=str(reminder.recipients[data["i"]]))


# --- the territory's choice ----------------------------------------------------------------------------


def settings_for(place: Place) -> DirectorySettings | None:
    """The most local settings that apply to ``place`` (commune, then EPCI, département, région)."""
    commune = place.commune
    if commune is None:
        return None
    candidates = [commune.pk, commune.epci_id, commune.department_id, commune.region_id]
    ids = [pk for pk in candidates if pk]
    found = {s.territory_id: s for s in DirectorySettings.objects.filter(territory_id__in=ids)}
    for pk in ids:
        if pk in found:
            return found[pk]
    return None


def contact_changes_mode(place: Place) -> str:
    found = settings_for(place)
    return found.contact_changes if found else ContactChangesMode.APPLY


# --- what the contact does -------------------------------------------------------------------------


def mark_opened(link: ContactLink, *, now: datetime | None = None) -> None:
    if link.reminder.opened_at is None:
        PlaceReminder.objects.filter(pk=link.reminder.pk, opened_at__isnull=True).update(
            opened_at=now or timezone.now()
        )


@transaction.atomic
def confirm_unchanged(link: ContactLink, *, now: datetime | None = None) -> None:
    """« Rien n'a changé » : the place is verified as of now, by the link's recipient."""
    now = now or timezone.now()
    place = Place.objects.select_for_update().get(pk=link.place.pk)
    before = place.verified_at
    place.verified_at = now
    place.verified_by = None
    place.data_updated_on = timezone.localdate(now)
    place.save(update_fields=["verified_at", "verified_by", "data_updated_on", "updated_at"])
    PlaceReminder.objects.filter(pk=link.reminder.pk).update(
        confirmed_at=now, opened_at=link.reminder.opened_at or now
    )
    record_change(
        actor=None,
        actor_label=link.actor_label,
        action=AuditAction.UPDATE,
        instance=place,
        changes={"verified_at": [before.isoformat() if before else None, now.isoformat()]},
        territory_code=place.insee_code or "",
        message="Informations confirmées sans changement depuis le lien de relance",
    )


def _apply(
    place_pk: int, values: dict[str, Any], *, actor: Any, actor_label: str, message: str, now: datetime
) -> dict[str, Any]:
    """Write ``values`` on the place (locked), mark it verified, audit; returns the diff."""
    place = Place.objects.select_for_update().get(pk=place_pk)
    before = model_values(place, values.keys())
    for name, value in values.items():
        setattr(place, name, value)
    changes = diff_fields(before, model_values(place, values.keys()))
    changes["verified_at"] = [place.verified_at.isoformat() if place.verified_at else None, now.isoformat()]
    place.verified_at = now
    place.verified_by = actor if getattr(actor, "is_authenticated", False) else None
    place.data_updated_on = timezone.localdate(now)
    place.save()
    record_change(
        actor=actor,
        actor_label=actor_label,
        action=AuditAction.UPDATE,
        instance=place,
        changes=changes,
        territory_code=place.insee_code or "",
        message=message,
    )
    return changes


@transaction.atomic
def submit_changes(
    link: ContactLink, values: dict[str, Any], *, now: datetime | None = None
) -> PlaceChangeRequest | None:
    """Corrections sent from the link: applied at once or queued, as the territory chose.

    Returns the request (``status`` tells which), or None when nothing differs from the place.
    """
    now = now or timezone.now()
    place = Place.objects.select_for_update().get(pk=link.place.pk)
    values = {name: values[name] for name in CONTACT_FIELDS if name in values}
    changes = diff_fields(model_values(place, values.keys()), values)
    if not changes:
        return None
    request = PlaceChangeRequest.objects.create(
        place=place,
        reminder=link.reminder,
        submitted_at=now,
        submitted_by=link.email,
        changes=changes,
    )
    PlaceReminder.objects.filter(pk=link.reminder.pk).update(
        corrected_at=now, opened_at=link.reminder.opened_at or now
    )
    if contact_changes_mode(place) == ContactChangesMode.APPLY:
        _apply(
            place.pk,
            {name: values[name] for name in changes},
            actor=None,
            actor_label=link.actor_label,
            message=f"Corrections envoyées depuis le lien de relance (demande n° {request.pk}), appliquées",
            now=now,
        )
        request.status = ChangeStatus.ACCEPTED
        request.decided_at = now
        request.decision_reason = "Appliquée directement (réglage du territoire)."
        request.save(update_fields=["status", "decided_at", "decision_reason"])
    else:
        record_change(
            actor=None,
            actor_label=link.actor_label,
            action=AuditAction.CREATE,
            instance=request,
            changes=changes,
            territory_code=place.insee_code or "",
            message="Corrections en attente de validation",
        )
    return request


@transaction.atomic
def decide_change_request(
    *, actor: Any, request_pk: int, accept: bool, reason: str = "", now: datetime | None = None
) -> PlaceChangeRequest:
    """The coordination (or a manager of the place) accepts or declines a queued correction."""
    now = now or timezone.now()
    request = PlaceChangeRequest.objects.select_for_update().get(pk=request_pk)
    if request.status != ChangeStatus.PENDING:
        return request
    if accept:
        values = {name: pair[1] for name, pair in request.changes.items() if name in CONTACT_FIELDS}
        _apply(
            request.place_id,
            values,
            actor=actor,
            actor_label="",
            message=f"Corrections de {request.submitted_by} acceptées (demande n° {request.pk})",
            now=now,
        )
    request.status = ChangeStatus.ACCEPTED if accept else ChangeStatus.DECLINED
    request.decided_at = now
    request.decided_by = actor
    request.decision_reason = reason.strip()[:600]
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    record_change(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=request,
        changes={"status": [ChangeStatus.PENDING, request.status]},
        message=request.decision_reason,
    )
    return request
