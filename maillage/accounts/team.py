"""Team services for coordinators (writes, audited): memberships, organisations and place managers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from maillage.accounts.models import Membership, Organisation, Role
from maillage.accounts.selectors import can_grant, memberships_visible_to, organisations_editable_by
from maillage.core.audit import diff_fields, model_values, record_change
from maillage.core.models import AuditAction

ORGANISATION_FIELDS = ["name", "kind", "siret", "rna", "territory_id", "email", "website"]


@transaction.atomic
def change_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    membership = memberships_visible_to(actor).select_for_update().get(pk=membership.pk)
    if role not in Role.values or not can_grant(actor, membership.territory):
        raise PermissionDenied
    if membership.user_id == actor.pk:
        raise ValidationError(
            _("Vous ne pouvez pas modifier votre propre rôle : demandez à un autre coordinateur.")
        )
    if role == membership.role:
        return membership
    if Membership.objects.filter(
        user_id=membership.user_id,
        organisation_id=membership.organisation_id,
        territory_id=membership.territory_id,
        role=role,
    ).exists():
        raise ValidationError(_("Cette personne a déjà ce rôle dans cette structure sur ce territoire."))
    before = model_values(membership, ["role"])
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    record_change(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=membership,
        changes=diff_fields(before, model_values(membership, ["role"])),
        territory_code=membership.territory.code,
        message=_("Rôle modifié."),
    )
    return membership


@transaction.atomic
def set_membership_active(*, actor: Any, membership: Membership, active: bool) -> Membership:
    membership = memberships_visible_to(actor).select_for_update().get(pk=membership.pk)
    if not can_grant(actor, membership.territory):
        raise PermissionDenied
    if membership.user_id == actor.pk and not active:
        raise ValidationError(
            _(
                "Vous ne pouvez pas désactiver votre propre habilitation : quittez la structure depuis votre compte."
            )
        )
    if membership.is_active == active:
        return membership
    membership.is_active = active
    membership.save(update_fields=["is_active", "updated_at"])
    record_change(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=membership,
        changes={"is_active": [not active, active]},
        territory_code=membership.territory.code,
        message=_("Habilitation réactivée.") if active else _("Habilitation désactivée."),
    )
    return membership


@transaction.atomic
def leave_membership(*, user: Any, membership: Membership) -> Membership:
    """A person leaves an organisation from their account page."""
    membership = (
        Membership.objects.select_for_update().select_related("territory").get(pk=membership.pk, user=user)
    )
    if membership.is_active:
        membership.is_active = False
        membership.save(update_fields=["is_active", "updated_at"])
        record_change(
            actor=user,
            action=AuditAction.UPDATE,
            instance=membership,
            changes={"is_active": [True, False]},
            territory_code=membership.territory.code,
            message=_("La personne a quitté la structure."),
        )
    return membership


@transaction.atomic
def save_organisation(*, actor: Any, organisation: Organisation) -> Organisation:
    """Create or update an organisation attached to one of the coordinator's territories."""
    if organisation.territory is None or not can_grant(actor, organisation.territory):
        raise PermissionDenied
    if organisation.pk is None:
        organisation.save()
        record_change(
            actor=actor,
            action=AuditAction.CREATE,
            instance=organisation,
            changes=model_values(organisation, ORGANISATION_FIELDS),
            territory_code=organisation.territory.code,
            message=_("Structure créée."),
        )
        return organisation
    current = organisations_editable_by(actor).select_for_update().get(pk=organisation.pk)
    before = model_values(current, ORGANISATION_FIELDS)
    organisation.save()
    record_change(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=organisation,
        changes=diff_fields(before, model_values(organisation, ORGANISATION_FIELDS)),
        territory_code=organisation.territory.code,
        message=_("Structure modifiée."),
    )
    return organisation


@transaction.atomic
def set_place_managers(*, actor: Any, organisation: Organisation, place: Any, user_ids: set[int]) -> None:
    """The managers of a place run by ``organisation``: active members of that organisation only."""
    from maillage.places.models import PlaceManager

    organisation = organisations_editable_by(actor).get(pk=organisation.pk)
    if place.organisation_id != organisation.pk:
        raise PermissionDenied
    allowed = set(
        Membership.objects.filter(organisation=organisation, is_active=True).values_list("user_id", flat=True)
    )
    if not user_ids <= allowed:
        raise ValidationError(_("Seuls les membres actifs de la structure peuvent gérer ses lieux."))
    current = set(PlaceManager.objects.filter(place=place).values_list("user_id", flat=True))
    # Managers who are not (or no longer) members here were set elsewhere: this page leaves them alone.
    added, removed = user_ids - current, (current & allowed) - user_ids
    if not added and not removed:
        return
    PlaceManager.objects.filter(place=place, user_id__in=removed).delete()
    PlaceManager.objects.bulk_create(
        [PlaceManager(place=place, user_id=pk, created_by=actor) for pk in sorted(added)]
    )
    record_change(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=place,
        changes={"managers": [sorted(current), sorted((current - removed) | added)]},
        territory_code=organisation.territory.code if organisation.territory else "",
        message=_("Gestionnaires du lieu modifiés."),
    )
