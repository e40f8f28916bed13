"""Writes of the refurbishment loop. Every rule the workshop must respect is checked here, in French.

Rules: a device follows ``TRANSITIONS``; it is reserved only when ready, given only once, after its
data erasure is recorded, the compulsory training is done and the agreement is signed; a scrapped or
given device comes back only through ``correct_state`` (coordinators, with a reason, audited). Every
change writes a ``DeviceEvent`` (the workshop's log) and an audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core import bulk
from maillage.core.audit import record_change
from maillage.core.permissions import has_role, territories_for
from maillage.equipment import totals, versions
from maillage.equipment.models import (
    Allocation,
    AllocationStatus,
    Device,
    DeviceEvent,
    DeviceState,
    Donation,
    Donor,
    EventKind,
    FollowUp,
    PartUsage,
)

S = DeviceState

WORKSHOP_ROLES = ("coordinator", "mediator")
READ_ROLES = ("coordinator", "mediator", "viewer", "action_lead")
FOLLOW_UP_DAYS = 182

# Ordinary workshop moves. Reserved/given go through reserve()/hand_over(); leaving « scrapped » or
# « given » is a correction.
TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.DIAGNOSED, S.REFURBISHING, S.SCRAPPED},
    S.DIAGNOSED: {S.REFURBISHING, S.READY, S.SCRAPPED},
    S.REFURBISHING: {S.READY, S.SCRAPPED},
    S.READY: {S.REFURBISHING, S.SCRAPPED},
    S.RESERVED: set(),
    S.GIVEN: set(),
    S.SCRAPPED: set(),
}


class EquipmentError(ValidationError):
    """A broken workshop rule, with a French message saying which."""


@dataclass(frozen=True)
class NewDevice:
    kind: str
    brand: str = ""
    model: str = ""
    serial_number: str = ""
    declared_state: str = ""
    source_key: str = ""


def _actor_label(actor: Any) -> str:
    if actor is None:
        return _("système")
    return actor.get_full_name() or actor.email


def _check_territory(actor: Any, territory: Any, roles: Sequence[str] = WORKSHOP_ROLES) -> None:
    allowed = {t.pk for t in territories_for(actor, roles)}
    if territory.pk not in allowed:
        raise PermissionDenied(_("Vous n'agissez pas sur ce territoire."))


def _event(device: Device, *, actor: Any, kind: str, at: datetime, **fields: Any) -> DeviceEvent:
    event = DeviceEvent.objects.create(
        device=device, kind=kind, actor=actor, actor_label=_actor_label(actor), at=at, **fields
    )
    totals.add_event(
        device, to_state=fields.get("to_state", ""), at=at, minutes_spent=fields.get("minutes_spent")
    )
    return event


def normalise_serial(value: str) -> str:
    return "".join(value.split()).upper()


def serial_duplicates(*, territory: Any, serial_number: str, exclude_pk: int | None = None) -> list[Device]:
    """Devices of the territory already registered with this serial number (spaces and case ignored)."""
    serial = normalise_serial(serial_number)
    if not serial:
        return []
    found = Device.objects.filter(territory=territory, serial_number=serial)
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return list(found)


# --- Donations and devices ------------------------------------------------------------------------


@transaction.atomic
def get_or_create_donor(
    *, actor: Any, territory: Any, name: str, kind: str, organisation: Any = None
) -> Donor:
    name = " ".join(name.split())
    if not name:
        raise EquipmentError(_("Le nom du donateur est obligatoire."))
    donor, created = Donor.objects.get_or_create(
        territory=territory, name=name, defaults={"kind": kind, "organisation": organisation}
    )
    if created:
        record_change(actor=actor, action="create", instance=donor, territory_code=territory.code)
        versions.bump(territory.pk)
    return donor


@transaction.atomic
def create_donation(
    *,
    actor: Any,
    territory: Any,
    donor: Donor,
    received_on: date | None,
    legal_frame: str = "",
    reference: str = "",
    decided_on: date | None = None,
    declared_count: int | None = None,
    notes: str = "",
    document: Any = None,
) -> Donation:
    _check_territory(actor, territory)
    if donor.territory_id != territory.pk:
        raise EquipmentError(_("Ce donateur est enregistré sur un autre territoire."))
    donation = Donation.objects.create(
        territory=territory,
        donor=donor,
        received_on=received_on,
        legal_frame=legal_frame,
        reference=reference,
        decided_on=decided_on,
        declared_count=declared_count,
        notes=notes,
        document=document or "",
        created_by=actor,
    )
    record_change(
        actor=actor,
        action="create",
        instance=donation,
        territory_code=territory.code,
        changes={"donor": donor.name, "declared_count": declared_count, "legal_frame": legal_frame},
    )
    versions.bump(territory.pk)
    return donation


def create_devices(
    items: list[tuple[Donation, NewDevice, dict[str, Any]]], *, actor: Any, now: datetime
) -> list[Device]:
    """Insert devices in bulk with their inventory tags (``EQ-`` + id) and their first log entries.

    ``items`` holds (donation, spec, extra fields such as a state or an erasure read from a file).
    Three statements per thousand devices, whatever the number of devices.
    """
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat, LPad

    if bulk.available(Device) and bulk.available(DeviceEvent):
        return _create_devices_postgresql(items, actor=actor, now=now)
    token = uuid.uuid4().hex[:16]
    devices = [
        Device(
            territory_id=donation.territory_id,
            donation=donation,
            asset_tag=f"tmp-{token}-{index}",
            source_key=spec.source_key,
            kind=spec.kind,
            brand=spec.brand.strip(),
            model=spec.model.strip(),
            serial_number=normalise_serial(spec.serial_number),
            declared_state=spec.declared_state,
            **{"state": S.RECEIVED, "state_changed_at": now, **extra},
            refurbished_at=now if extra.get("state") == S.READY else None,
        )
        for index, (donation, spec, extra) in enumerate(items)
    ]
    created = Device.objects.bulk_create(devices, batch_size=1000)
    Device.objects.filter(asset_tag__startswith=f"tmp-{token}-").update(
        asset_tag=Concat(Value("EQ-"), LPad(Cast("pk", output_field=CharField()), 6, Value("0")))
    )
    label = _actor_label(actor)
    events = []
    for device in created:
        device.asset_tag = f"EQ-{device.pk:06d}"
        events.append(
            DeviceEvent(
                device=device,
                kind=EventKind.CREATED,
                actor=actor,
                actor_label=label,
                at=now,
                to_state=S.RECEIVED,
            )
        )
        if device.state != S.RECEIVED:
            events.append(
                DeviceEvent(
                    device=device,
                    kind=EventKind.TRANSITION,
                    actor=actor,
                    actor_label=label,
                    at=now,
                    from_state=S.RECEIVED,
                    to_state=device.state,
                    note=_("Import de l'inventaire"),
                )
            )
    DeviceEvent.objects.bulk_create(events, batch_size=2000)
    return created


def _create_devices_postgresql(
    items: list[tuple[Donation, NewDevice, dict[str, Any]]], *, actor: Any, now: datetime
) -> list[Device]:
    """The same rows as ``create_devices``, in three statements whatever the count: ids reserved
    first (so the tag is written with the row), then one INSERT per table from column arrays."""
    ids = bulk.reserve_ids(Device, len(items))
    devices = []
    for pk, (donation, spec, extra) in zip(ids, items, strict=True):
        state = extra.get("state", S.RECEIVED)
        devices.append(
            Device(
                pk=pk,
                territory_id=donation.territory_id,
                donation=donation,
                asset_tag=f"EQ-{pk:06d}",
                source_key=spec.source_key,
                kind=spec.kind,
                brand=spec.brand.strip(),
                model=spec.model.strip(),
                serial_number=normalise_serial(spec.serial_number),
                declared_state=spec.declared_state,
                state=state,
                state_changed_at=now,
                scrap_reason=extra.get("scrap_reason", ""),
                operating_system=extra.get("operating_system", ""),
                erased_at=extra.get("erased_at"),
                erasure_method=extra.get("erasure_method", ""),
                refurbished_at=now if state == S.READY else None,
                created_at=now,
                updated_at=now,
            )
        )
    names = [
        "id", "territory_id", "donation_id", "asset_tag", "source_key", "kind", "brand", "model",
        "serial_number", "declared_state", "state", "state_changed_at", "scrap_reason", "operating_system",
        "erased_at", "erasure_method", "refurbished_at", "created_at", "updated_at",
    ]  # fmt: skip
    bulk.insert_columns(Device, {name: [getattr(d, name) for d in devices] for name in names})
    label = _actor_label(actor)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    moved = [d for d in devices if d.state != S.RECEIVED]
    note = str(_("Import de l'inventaire"))
    bulk.insert_columns(
        DeviceEvent,
        {
            "device_id": [d.pk for d in devices] + [d.pk for d in moved],
            "kind": [EventKind.CREATED.value] * len(devices) + [EventKind.TRANSITION.value] * len(moved),
            "from_state": [""] * len(devices) + [S.RECEIVED.value] * len(moved),
            "to_state": [S.RECEIVED.value] * len(devices) + [d.state for d in moved],
            "actor_id": [actor_id] * (len(devices) + len(moved)),
            "actor_label": [label] * (len(devices) + len(moved)),
            "at": [now] * (len(devices) + len(moved)),
            "minutes_spent": [None] * (len(devices) + len(moved)),
            "note": [""] * len(devices) + [note] * len(moved),
        },
    )
    return devices


@transaction.atomic
def add_devices(
    *, actor: Any, donation: Donation, devices: Iterable[NewDevice]
) -> tuple[list[Device], list[str]]:
    """Register devices received with a donation. Returns the devices and warnings about serials
    already registered on the territory (flagged, not refused: a serial can be mistyped)."""
    _check_territory(actor, donation.territory)
    now = timezone.now()
    specs = list(devices)
    serials = [normalise_serial(spec.serial_number) for spec in specs]
    known: dict[str, list[str]] = {}
    for tag, serial in Device.objects.filter(
        territory=donation.territory, serial_number__in=[s for s in serials if s]
    ).values_list("asset_tag", "serial_number"):
        known.setdefault(serial, []).append(tag)
    created = create_devices([(donation, spec, {}) for spec in specs], actor=actor, now=now)
    warnings: list[str] = []
    for device in created:
        if device.serial_number in known:
            warnings.append(
                _("%(tag)s : le numéro de série %(serial)s est déjà enregistré (%(others)s).")
                % {
                    "tag": device.asset_tag,
                    "serial": device.serial_number,
                    "others": ", ".join(known[device.serial_number]),
                }
            )
    record_change(
        actor=actor,
        action="create",
        object_type=Donation._meta.label,
        object_id=donation.pk,
        territory_code=donation.territory.code,
        changes={"devices": [d.asset_tag for d in created], "count": len(created)},
        message="devices_added",
    )
    versions.bump(donation.territory_id)
    return created, warnings


# --- Workshop -------------------------------------------------------------------------------------


def _locked(device_id: int) -> Device:
    return Device.objects.select_for_update().select_related("territory").get(pk=device_id)


@transaction.atomic
def transition(
    *,
    actor: Any,
    device_id: int,
    to_state: str,
    note: str = "",
    minutes_spent: int | None = None,
    scrap_reason: str = "",
    workshop_place: Any = None,
    operating_system: str | None = None,
) -> Device:
    device = _locked(device_id)
    _check_territory(actor, device.territory)
    if device.state == S.RESERVED:
        raise EquipmentError(_("Cet appareil est réservé : annulez d'abord la réservation."))
    if to_state not in TRANSITIONS.get(device.state, set()):
        if device.state == S.SCRAPPED:
            raise EquipmentError(
                _(
                    "Cet appareil est au rebut : seule une correction par la coordination peut le remettre en circuit."
                )
            )
        if device.state == S.GIVEN:
            raise EquipmentError(
                _("Cet appareil a déjà été remis : il ne peut plus changer d'état à l'atelier.")
            )
        if to_state in (S.RESERVED, S.GIVEN):
            raise EquipmentError(_("Réservez ou remettez un appareil depuis sa fiche « Attribuer »."))
        raise EquipmentError(
            _("Passage impossible de « %(old)s » à « %(new)s ».")
            % {"old": S(device.state).label, "new": S(to_state).label}
        )
    if to_state == S.SCRAPPED and not scrap_reason:
        raise EquipmentError(_("Indiquez le motif de mise au rebut."))
    now = timezone.now()
    old = device.state
    device.state = to_state
    device.state_changed_at = now
    device.scrap_reason = scrap_reason if to_state == S.SCRAPPED else ""
    if workshop_place is not None:
        device.workshop_place = workshop_place
    if operating_system is not None:
        device.operating_system = operating_system.strip()
    device.save()
    _event(
        device,
        actor=actor,
        kind=EventKind.TRANSITION,
        at=now,
        from_state=old,
        to_state=to_state,
        note=note[:500],
        minutes_spent=minutes_spent,
    )
    record_change(
        actor=actor,
        action="update",
        instance=device,
        territory_code=device.territory.code,
        changes={"state": [old, to_state], **({"scrap_reason": scrap_reason} if scrap_reason else {})},
    )
    versions.bump(device.territory_id)
    return device


@transaction.atomic
def record_erasure(
    *, actor: Any, device_id: int, method: str, erased_on: date, reference: str = ""
) -> Device:
    device = _locked(device_id)
    _check_territory(actor, device.territory)
    if device.state in (S.GIVEN, S.SCRAPPED):
        raise EquipmentError(_("L'effacement se note avant la remise ou la mise au rebut."))
    if not method:
        raise EquipmentError(_("Indiquez la méthode d'effacement."))
    if erased_on > timezone.localdate():
        raise EquipmentError(_("La date d'effacement ne peut pas être dans le futur."))
    device.erased_at = erased_on
    device.erasure_method = method
    device.erasure_reference = reference.strip()
    device.erased_by = actor
    device.save(update_fields=["erased_at", "erasure_method", "erasure_reference", "erased_by", "updated_at"])
    _event(
        device, actor=actor, kind=EventKind.ERASURE, at=timezone.now(), note=f"{method} {reference}".strip()
    )
    record_change(
        actor=actor,
        action="update",
        instance=device,
        territory_code=device.territory.code,
        changes={"erased_at": str(erased_on), "erasure_method": method},
    )
    versions.bump(device.territory_id)
    return device


@transaction.atomic
def add_part(
    *,
    actor: Any,
    device_id: int,
    kind: str,
    description: str = "",
    quantity: int = 1,
    unit_cost: Decimal | None = None,
    minutes_spent: int | None = None,
) -> PartUsage:
    device = _locked(device_id)
    _check_territory(actor, device.territory)
    if device.state in (S.GIVEN, S.SCRAPPED):
        raise EquipmentError(_("On n'ajoute plus de pièce à un appareil remis ou au rebut."))
    if quantity < 1:
        raise EquipmentError(_("La quantité doit être d'au moins 1."))
    if unit_cost is not None and unit_cost < 0:
        raise EquipmentError(_("Le coût ne peut pas être négatif."))
    now = timezone.now()
    part = PartUsage.objects.create(
        device=device,
        kind=kind,
        description=description.strip(),
        quantity=quantity,
        unit_cost=unit_cost,
        added_by=actor,
        added_at=now,
    )
    totals.add_part(device, quantity=quantity, unit_cost=unit_cost)
    _event(
        device,
        actor=actor,
        kind=EventKind.PART,
        at=now,
        note=part.get_kind_display(),
        minutes_spent=minutes_spent,
    )
    record_change(
        actor=actor,
        action="create",
        instance=part,
        territory_code=device.territory.code,
        changes={"device": device.asset_tag, "kind": kind, "quantity": quantity, "unit_cost": unit_cost},
    )
    versions.bump(device.territory_id)
    return part


@transaction.atomic
def correct_state(*, actor: Any, device_id: int, to_state: str, reason: str) -> Device:
    """The only way back from « au rebut » or « remis »: coordinators, with a reason, audited."""
    device = _locked(device_id)
    _check_territory(actor, device.territory, roles=("coordinator",))
    reason = reason.strip()
    if not reason:
        raise EquipmentError(_("Une correction doit être motivée."))
    if to_state in (S.RESERVED, S.GIVEN):
        raise EquipmentError(_("Une correction ne peut pas réserver ni remettre un appareil."))
    if to_state == S.SCRAPPED:
        raise EquipmentError(_("Pour mettre au rebut, utilisez le changement d'état ordinaire."))
    live = device.allocations.exclude(status=AllocationStatus.CANCELLED).first()
    if live is not None:
        live.status = AllocationStatus.CANCELLED
        live.cancelled_reason = _("Correction : %(reason)s") % {"reason": reason[:150]}
        live.save(update_fields=["status", "cancelled_reason", "updated_at"])
    now = timezone.now()
    old = device.state
    device.state = to_state
    device.scrap_reason = ""
    device.state_changed_at = now
    device.save()
    _event(
        device,
        actor=actor,
        kind=EventKind.CORRECTION,
        at=now,
        from_state=old,
        to_state=to_state,
        note=reason[:500],
    )
    record_change(
        actor=actor,
        action="update",
        instance=device,
        territory_code=device.territory.code,
        changes={"state": [old, to_state]},
        message=_("Correction : %(reason)s") % {"reason": reason},
    )
    versions.bump(device.territory_id)
    return device


# --- Allocation -----------------------------------------------------------------------------------


@transaction.atomic
def reserve(
    *,
    actor: Any,
    device_id: int,
    person_label: str,
    commune: Any = None,
    criteria: Iterable[Any] = (),
    referral: Any = None,
    diagnostic: Any = None,
) -> Allocation:
    device = _locked(device_id)
    _check_territory(actor, device.territory)
    if device.state != S.READY:
        raise EquipmentError(
            _("Seul un appareil « Prêt » peut être réservé (celui-ci est « %(state)s »).")
            % {"state": S(device.state).label}
        )
    if referral is None and diagnostic is None:
        raise EquipmentError(
            _("Un appareil est réservé pour une personne orientée : indiquez l'orientation ou le diagnostic.")
        )
    department_id = device.territory.department_id or device.territory.pk
    for source in (referral, diagnostic):
        if source is not None and source.department_id != department_id:
            raise EquipmentError(_("Cette orientation ou ce diagnostic n'est pas de votre territoire."))
    if commune is not None and commune.department_id != department_id:
        raise EquipmentError(_("La commune de la personne doit être dans le territoire."))
    if commune is None:
        source = referral or diagnostic
        commune = source.commune
    now = timezone.now()
    allocation = Allocation.objects.create(
        device=device,
        territory=device.territory,
        referral=referral,
        diagnostic=diagnostic,
        person_label=person_label.strip()[:60],
        commune=commune,
        reserved_at=now,
        reserved_by=actor,
    )
    allocation.criteria.set(list(criteria))
    old = device.state
    device.state = S.RESERVED
    device.state_changed_at = now
    device.save(update_fields=["state", "state_changed_at", "updated_at"])
    _event(device, actor=actor, kind=EventKind.ALLOCATION, at=now, from_state=old, to_state=S.RESERVED)
    record_change(
        actor=actor,
        action="create",
        instance=allocation,
        territory_code=device.territory.code,
        changes={
            "device": device.asset_tag,
            "person_label": "•••",
            "commune": commune.code if commune else None,
        },
    )
    versions.bump(device.territory_id)
    return allocation


@transaction.atomic
def cancel_reservation(*, actor: Any, allocation_id: int, reason: str) -> Allocation:
    allocation = Allocation.objects.select_for_update().get(pk=allocation_id)
    device = _locked(allocation.device_id)
    _check_territory(actor, device.territory)
    if allocation.status != AllocationStatus.RESERVED:
        raise EquipmentError(_("Seule une réservation en cours peut être annulée."))
    allocation.status = AllocationStatus.CANCELLED
    allocation.cancelled_reason = reason.strip()[:200]
    allocation.save(update_fields=["status", "cancelled_reason", "updated_at"])
    now = timezone.now()
    device.state = S.READY
    device.state_changed_at = now
    device.save(update_fields=["state", "state_changed_at", "updated_at"])
    _event(
        device,
        actor=actor,
        kind=EventKind.ALLOCATION,
        at=now,
        from_state=S.RESERVED,
        to_state=S.READY,
        note=reason[:500],
    )
    record_change(
        actor=actor,
        action="update",
        instance=allocation,
        territory_code=device.territory.code,
        changes={"status": ["reserved", "cancelled"]},
    )
    versions.bump(device.territory_id, allocation.territory_id)
    return allocation


@transaction.atomic
def hand_over(
    *,
    actor: Any,
    allocation_id: int,
    given_on: date,
    training_completed_on: date | None,
    agreement_kind: str,
    agreement_signed: bool,
    follow_up_consent: bool,
    training_activity: Any = None,
    training_session: Any = None,
) -> Allocation:
    """Hand the device over. ``training_session`` is a session of the territory's agenda (events) where
    the compulsory training took place: its date is the training's date unless another is given."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation_id)
    device = _locked(allocation.device_id)
    _check_territory(actor, device.territory)
    problems = []
    if training_session is not None:
        training_completed_on, session_problem = _training_session_check(
            training_session,
            territory=device.territory,
            given_on=given_on,
            completed_on=training_completed_on,
        )
        if session_problem:
            problems.append(session_problem)
    if allocation.status == AllocationStatus.GIVEN or device.state == S.GIVEN:
        raise EquipmentError(_("Cet appareil a déjà été remis : il ne peut pas l'être deux fois."))
    if allocation.status != AllocationStatus.RESERVED or device.state != S.RESERVED:
        raise EquipmentError(_("Cette réservation n'est plus en cours."))
    if not device.is_erased:
        problems.append(_("l'effacement certifié des données n'est pas enregistré"))
    if training_completed_on is None:
        problems.append(_("la formation obligatoire à l'usage n'a pas eu lieu"))
    if not agreement_kind:
        problems.append(_("la nature de la remise (don ou prêt) n'est pas indiquée"))
    if not agreement_signed:
        problems.append(_("la convention de don ou de prêt n'est pas signée"))
    if given_on > timezone.localdate():
        problems.append(_("la date de remise est dans le futur"))
    if problems:
        raise EquipmentError(
            _("Remise impossible : %(problems)s.") % {"problems": " ; ".join(str(p) for p in problems)}
        )
    now = timezone.now()
    given_at = timezone.make_aware(datetime.combine(given_on, datetime.min.time().replace(hour=12)))
    allocation.status = AllocationStatus.GIVEN
    allocation.given_at = given_at
    allocation.given_by = actor
    allocation.training_completed_on = training_completed_on
    allocation.training_activity = training_activity
    allocation.training_session = training_session
    allocation.agreement_kind = agreement_kind
    allocation.agreement_signed = True
    allocation.follow_up_consent = follow_up_consent
    allocation.save()
    device.state = S.GIVEN
    device.state_changed_at = now
    device.save(update_fields=["state", "state_changed_at", "updated_at"])
    _event(device, actor=actor, kind=EventKind.ALLOCATION, at=now, from_state=S.RESERVED, to_state=S.GIVEN)
    if follow_up_consent:
        FollowUp.objects.create(allocation=allocation, due_on=given_on + timedelta(days=FOLLOW_UP_DAYS))
    record_change(
        actor=actor,
        action="update",
        instance=allocation,
        territory_code=device.territory.code,
        changes={
            "status": ["reserved", "given"],
            "given_on": str(given_on),
            "training_session": training_session.pk if training_session is not None else None,
            "follow_up_consent": follow_up_consent,
        },
    )
    versions.bump(device.territory_id, allocation.territory_id)
    return allocation


def _training_session_check(
    session: Any, *, territory: Any, given_on: date, completed_on: date | None
) -> tuple[date | None, str]:
    """The training's date taken from an agenda session, and what is wrong with that session if any."""
    from maillage.events.models import SessionStatus

    department_id = territory.department_id or territory.pk
    held_on = timezone.localdate(session.starts_at)
    if session.territory_id != department_id and session.territory.department_id != department_id:
        return completed_on, _("la séance de formation choisie n'est pas de votre territoire")
    if session.status == SessionStatus.CANCELLED:
        return completed_on, _("la séance de formation choisie a été annulée")
    if held_on > given_on:
        return completed_on, _("la séance de formation choisie a lieu après la remise")
    return completed_on or held_on, ""


@transaction.atomic
def record_follow_up(
    *, actor: Any, follow_up_id: int, still_used: str, uses: Sequence[str], problem: str
) -> FollowUp:
    follow_up = (
        FollowUp.objects.select_for_update().select_related("allocation__territory").get(pk=follow_up_id)
    )
    _check_territory(actor, follow_up.allocation.territory)
    if not still_used:
        raise EquipmentError(_("Indiquez si l'appareil est utilisé."))
    follow_up.still_used = still_used
    follow_up.uses = sorted(set(uses))
    follow_up.problem = problem
    follow_up.done_at = timezone.now()
    follow_up.done_by = actor
    follow_up.save()
    record_change(
        actor=actor,
        action="update",
        instance=follow_up,
        territory_code=follow_up.allocation.territory.code,
        changes={"still_used": still_used, "uses": follow_up.uses, "problem": problem},
    )
    versions.bump(follow_up.allocation.territory_id)
    return follow_up


@transaction.atomic
def add_criterion(*, actor: Any, territory: Any, label: str) -> Any:
    from django.utils.text import slugify

    from maillage.equipment.models import PriorityCriterion

    _check_territory(actor, territory, roles=("coordinator",))
    label = " ".join(label.split())
    if not label:
        raise EquipmentError(_("Le libellé du critère est obligatoire."))
    code = slugify(label)[:40] or "critere"
    if PriorityCriterion.objects.filter(territory=territory, code=code).exists():
        raise EquipmentError(_("Ce critère existe déjà."))
    position = PriorityCriterion.objects.filter(territory=territory).count()
    criterion = PriorityCriterion.objects.create(
        territory=territory, code=code, label=label, position=position
    )
    record_change(
        actor=actor,
        action="create",
        instance=criterion,
        territory_code=territory.code,
        changes={"label": label},
    )
    versions.bump(territory.pk)
    return criterion


@transaction.atomic
def toggle_criterion(*, actor: Any, criterion_id: int) -> Any:
    from maillage.equipment.models import PriorityCriterion

    criterion = PriorityCriterion.objects.select_for_update().select_related("territory").get(pk=criterion_id)
    _check_territory(actor, criterion.territory, roles=("coordinator",))
    criterion.is_active = not criterion.is_active
    criterion.save(update_fields=["is_active"])
    record_change(
        actor=actor,
        action="update",
        instance=criterion,
        territory_code=criterion.territory.code,
        changes={"is_active": [not criterion.is_active, criterion.is_active]},
    )
    versions.bump(criterion.territory_id)
    return criterion


def can_correct(user: Any) -> bool:
    return has_role(user, "coordinator")
