"""Writes of the professional directory pages: edit a place, mark it verified, send a reminder.

Each write is atomic and leaves an audit entry (``maillage.core.audit.record_change``), from which the
page shows the change history.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from maillage.core.audit import diff_fields, model_values, record_change
from maillage.core.models import AuditAction
from maillage.places.models import Place

#: Fields a professional may change from the edit page.
EDITABLE_FIELDS = (
    "name",
    "address",
    "address_complement",
    "postcode",
    "commune_name",
    "latitude",
    "longitude",
    "phone",
    "emails",
    "websites",
    "opening_hours",
    "summary",
    "description",
    "services",
    "publics",
    "specific_support",
    "fees",
    "support_modes",
    "access_modes",
    "national_programmes",
    "labels",
    "mobility",
    "accessibility_url",
    "booking_url",
    "is_published",
)


def _territory_code(place: Place) -> str:
    return place.insee_code or ""


@transaction.atomic
def update_place(*, actor: Any, place: Place, values: dict[str, Any], verified: bool) -> dict[str, Any]:
    """Apply ``values`` (cleaned form data) to ``place``; mark it verified when asked.

    Returns the field-level diff written to the audit log (empty when nothing changed and not verified).
    """
    locked = Place.objects.select_for_update().get(pk=place.pk)
    before = model_values(locked, EDITABLE_FIELDS)
    for name in EDITABLE_FIELDS:
        if name in values:
            setattr(locked, name, values[name])
    after = model_values(locked, EDITABLE_FIELDS)
    changes = diff_fields(before, after)
    now = timezone.now()
    if changes:
        locked.data_updated_on = timezone.localdate()
    if verified:
        changes["verified_at"] = [
            locked.verified_at.isoformat() if locked.verified_at else None,
            now.isoformat(),
        ]
        locked.verified_at = now
        locked.verified_by = actor
        locked.data_updated_on = timezone.localdate()
    if not changes:
        return {}
    locked.save()
    record_change(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=locked,
        changes=changes,
        territory_code=_territory_code(locked),
        message="Informations vérifiées" if verified else "",
    )
    place.refresh_from_db()
    return changes


#: At most this many places confirmed in one « rien n'a changé » (a page of « Mes lieux » is 50 rows).
CONFIRM_LIMIT = 200


@transaction.atomic
def confirm_unchanged(*, actor: Any, places: Any) -> list[Place]:
    """« Rien n'a changé » for several places at once: each is verified as of now by ``actor``, with one
    audit entry per place (who, when, the previous verification date).

    ``places`` is a queryset the caller has already scoped to what ``actor`` may edit
    (:func:`maillage.places.selectors.places_editable_by`); rows are locked, in id order (no deadlock
    with a concurrent bulk confirmation). Returns the confirmed places.
    """
    now = timezone.now()
    today = timezone.localdate()
    confirmed: list[Place] = []
    ids = list(places.order_by("pk").values_list("pk", flat=True)[:CONFIRM_LIMIT])
    for locked in Place.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        before = locked.verified_at
        locked.verified_at = now
        locked.verified_by = actor
        locked.data_updated_on = today
        locked.save(update_fields=["verified_at", "verified_by", "data_updated_on", "updated_at"])
        record_change(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=locked,
            changes={"verified_at": [before.isoformat() if before else None, now.isoformat()]},
            territory_code=_territory_code(locked),
            message="Informations vérifiées sans changement (« Mes lieux », vérification groupée)",
        )
        confirmed.append(locked)
    return confirmed
