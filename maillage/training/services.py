"""Writes of the training of aidants: aidants, modules done, needs, habilitations, targets.

A module done comes from attendance « présent » at a training session of that module (called by
``maillage.events.services.mark_attendance``) or is typed by a coordinator. The aidant is found by
account, then by work e-mail, in the session's territory; when none exists yet it is created from the
registration (its structure is matched by name in the territory, or created).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.audit import model_values, record_change
from maillage.core.permissions import territories_for
from maillage.training.models import (
    Aidant,
    Habilitation,
    RecordSource,
    StructureKind,
    TrainingNeed,
    TrainingRecord,
    TrainingTarget,
    normalise_email,
)

MANAGE_ROLES = ("coordinator", "action_lead")
READ_ROLES = ("coordinator", "action_lead", "viewer")
NEED_ROLES = ("coordinator", "action_lead", "mediator", "prescriber")

ORGANISATION_TO_STRUCTURE = {
    "france_services": StructureKind.FRANCE_SERVICES,
    "collectivite": StructureKind.MAIRIE,
    "social": StructureKind.SOCIAL,
    "association": StructureKind.ASSOCIATION,
    "emploi": StructureKind.EMPLOYMENT,
}


class TrainingError(ValidationError):
    """A broken rule, with a French message."""


def check_territory(actor: Any, territory: Any, roles: tuple[str, ...] = MANAGE_ROLES) -> None:
    if territory.pk not in {t.pk for t in territories_for(actor, roles)}:
        raise PermissionDenied(_("Vous n'agissez pas sur ce territoire."))


def _epci_of(commune: Any, organisation: Any) -> Any:
    if commune is not None and commune.epci_id:
        return commune.epci
    territory = getattr(organisation, "territory", None)
    if territory is None:
        return None
    if territory.kind == "epci":
        return territory
    if territory.kind == "commune" and territory.epci_id:
        return territory.epci
    return None


def _commune_of(organisation: Any) -> Any:
    territory = getattr(organisation, "territory", None)
    return territory if territory is not None and territory.kind == "commune" else None


@transaction.atomic
def create_aidant(
    *,
    actor: Any,
    territory: Any,
    first_name: str,
    last_name: str,
    organisation: Any,
    email: str = "",
    structure_kind: str = "",
    commune: Any = None,
    user: Any = None,
    check: bool = True,
) -> Aidant:
    if check:
        check_territory(actor, territory)
    normalised = normalise_email(email)
    if normalised and Aidant.objects.filter(territory=territory, email_normalised=normalised).exists():
        raise TrainingError(_("Un aidant de ce territoire a déjà cette adresse e-mail."))
    commune = commune or _commune_of(organisation)
    aidant = Aidant.objects.create(
        territory=territory,
        first_name=" ".join(first_name.split()),
        last_name=" ".join(last_name.split()),
        email=email.strip(),
        organisation=organisation,
        structure_kind=structure_kind
        or ORGANISATION_TO_STRUCTURE.get(organisation.kind, StructureKind.OTHER),
        commune=commune,
        epci=_epci_of(commune, organisation),
        user=user,
    )
    record_change(actor=actor, action="create", instance=aidant, territory_code=territory.code)
    return aidant


@transaction.atomic
def update_aidant(*, actor: Any, aidant: Aidant, **fields: Any) -> Aidant:
    check_territory(actor, aidant.territory)
    before = model_values(aidant, list(fields))
    for name, value in fields.items():
        setattr(aidant, name, value)
    aidant.epci = _epci_of(aidant.commune, aidant.organisation)
    aidant.save()
    record_change(
        actor=actor,
        action="update",
        instance=aidant,
        territory_code=aidant.territory.code,
        changes={k: [before[k], v] for k, v in fields.items() if before[k] != v},
    )
    return aidant


@transaction.atomic
def add_record(
    *, actor: Any, aidant: Aidant, module: Any, completed_on: date, note: str = ""
) -> TrainingRecord:
    check_territory(actor, aidant.territory)
    if completed_on > timezone.localdate():
        raise TrainingError(_("La date du module suivi est dans le futur."))
    record = TrainingRecord.objects.create(
        aidant=aidant, module=module, completed_on=completed_on, source=RecordSource.MANUAL, note=note.strip()
    )
    record_change(actor=actor, action="create", instance=record, territory_code=aidant.territory.code)
    return record


def _organisation_for(registration: Any, territory: Any) -> Any:
    from maillage.accounts.models import Organisation

    if registration.user_id:
        membership = (
            registration.user.memberships.filter(is_active=True).select_related("organisation").first()
        )
        if membership is not None:
            return membership.organisation
    name = " ".join(registration.structure_name.split())
    if not name:
        return None
    found = Organisation.objects.filter(name__iexact=name).filter(
        Q(territory=territory) | Q(territory__department=territory) | Q(territory__epci=territory)
    )
    return found.first() or Organisation.objects.create(name=name, territory=territory)


def find_aidant(*, territory: Any, user: Any = None, email: str = "") -> Aidant | None:
    if user is not None:
        aidant = Aidant.objects.filter(territory=territory, user=user).first()
        if aidant is not None:
            return aidant
    normalised = normalise_email(email)
    if normalised:
        return Aidant.objects.filter(territory=territory, email_normalised=normalised).first()
    return None


def record_attendance(*, registration: Any, session: Any, present: bool) -> TrainingRecord | None:
    """Called inside ``mark_attendance``'s transaction: keep the module done in step with « présent »."""
    territory = session.territory
    if not present:
        TrainingRecord.objects.filter(
            session=session, aidant__in=_aidants_of(registration, territory)
        ).delete()
        return None
    aidant = find_aidant(territory=territory, user=registration.user, email=registration.email)
    if aidant is None:
        organisation = _organisation_for(registration, territory)
        if organisation is None:
            return None
        first, _sep, last = registration.full_name.partition(" ")
        aidant = create_aidant(
            actor=None,
            territory=territory,
            first_name=first,
            last_name=last or first,
            organisation=organisation,
            email=registration.email,
            user=registration.user,
            check=False,
        )
    record, _created = TrainingRecord.objects.get_or_create(
        aidant=aidant,
        session=session,
        defaults={
            "module": session.module,
            "completed_on": session.starts_at.date(),
            "source": RecordSource.ATTENDANCE,
        },
    )
    return record


def _aidants_of(registration: Any, territory: Any) -> list[int]:
    aidant = find_aidant(territory=territory, user=registration.user, email=registration.email)
    return [aidant.pk] if aidant else []


@transaction.atomic
def save_habilitation(
    *,
    actor: Any,
    aidant: Aidant,
    organisation: Any,
    status: str,
    training_done_on: date | None = None,
    requested_on: date | None = None,
    granted_on: date | None = None,
    renewal_on: date | None = None,
    check: bool = True,
) -> tuple[Habilitation, str]:
    """Create or update (aidant, structure); returns the habilitation and created/updated/unchanged."""
    if check:
        check_territory(actor, aidant.territory)
    values = {
        "status": status,
        "training_done_on": training_done_on,
        "requested_on": requested_on,
        "granted_on": granted_on,
        "renewal_on": renewal_on,
    }
    habilitation = Habilitation.objects.filter(aidant=aidant, organisation=organisation).first()
    if habilitation is None:
        habilitation = Habilitation.objects.create(aidant=aidant, organisation=organisation, **values)
        record_change(
            actor=actor, action="create", instance=habilitation, territory_code=aidant.territory.code
        )
        return habilitation, "created"
    before = model_values(habilitation, list(values))
    if before == values:
        return habilitation, "unchanged"
    for name, value in values.items():
        setattr(habilitation, name, value)
    habilitation.save()
    record_change(
        actor=actor,
        action="update",
        instance=habilitation,
        territory_code=aidant.territory.code,
        changes={k: [before[k], v] for k, v in values.items() if before[k] != v},
    )
    return habilitation, "updated"


@transaction.atomic
def declare_need(
    *,
    actor: Any,
    territory: Any,
    organisation: Any,
    modules: list[Any],
    people_count: int | None,
    preferred_format: str,
    comment: str = "",
) -> TrainingNeed:
    check_territory(actor, territory, NEED_ROLES)
    need = TrainingNeed.objects.create(
        territory=territory,
        organisation=organisation,
        people_count=people_count,
        preferred_format=preferred_format,
        comment=comment.strip(),
        declared_by=actor,
    )
    need.modules.set(modules)
    record_change(actor=actor, action="create", instance=need, territory_code=territory.code)
    return need


@transaction.atomic
def set_target(
    *, actor: Any, territory: Any, label: str, count: int, start_year: int, end_year: int, module: Any = None
) -> TrainingTarget:
    check_territory(actor, territory)
    if end_year < start_year:
        raise TrainingError(_("L'année de fin précède l'année de début."))
    target = TrainingTarget.objects.create(
        territory=territory, label=label, count=count, start_year=start_year, end_year=end_year, module=module
    )
    record_change(actor=actor, action="create", instance=target, territory_code=territory.code)
    return target
