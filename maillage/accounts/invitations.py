"""Invitations and access requests (writes, audited): invite, resend, revoke, accept, approve, decline.

A link is ``signing.dumps({"i": id, "n": nonce})``: tampering breaks the signature; resending draws a new
nonce (older links die); accepting or revoking dates the invitation (the link then explains what to do);
``expires_at`` bounds it to ``INVITATION_MAX_AGE_DAYS`` (7) days.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.mail import send_account_email
from maillage.accounts.models import (
    AccessRequest,
    AccessRequestStatus,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    normalise_email,
)
from maillage.accounts.selectors import can_grant, organisations_visible_to
from maillage.core.audit import model_values, record_change
from maillage.core.models import AuditAction
from maillage.territories.models import Territory

SALT = "maillage.accounts.invitation"


def _max_age() -> timedelta:
    return timedelta(days=getattr(settings, "INVITATION_MAX_AGE_DAYS", 7))


def _territory_code(territory: Territory) -> str:
    return territory.code


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:invitation", args=[invitation_token(invitation)])


@dataclass
class TokenCheck:
    invitation: Invitation | None
    problem: str = ""  # "", "invalid", "expired", "used", "revoked"


def read_token(token: str) -> TokenCheck:
    """What a link points at, and why it cannot be used (without changing anything)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=_max_age() + timedelta(days=1))
        pk, nonce = int(data["i"]), str(data["n"])
    except signing.SignatureExpired:
        return TokenCheck(None, "expired")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return TokenCheck(None, "invalid")
    invitation = Invitation.objects.select_related("organisation", "territory").filter(pk=pk).first()
    if invitation is None or not secrets.compare_digest(invitation.nonce, nonce):
        # An older link of a resent invitation, or a deleted one.
        return TokenCheck(None, "invalid")
    if invitation.accepted_at is not None:
        return TokenCheck(invitation, "used")
    if invitation.revoked_at is not None:
        return TokenCheck(invitation, "revoked")
    if invitation.expires_at <= timezone.now():
        return TokenCheck(invitation, "expired")
    return TokenCheck(invitation)


@dataclass
class Invitee:
    email: str
    first_name: str = ""
    last_name: str = ""


@dataclass
class InviteResult:
    invited: list[Invitation] = field(default_factory=list)
    added: list[Membership] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def check_grant(actor: Any, *, organisation: Organisation, territory: Territory, role: str) -> None:
    """A coordinator gives roles only on their own territory (or its EPCIs), in an organisation they see."""
    if role not in Role.values:
        raise PermissionDenied
    if not can_grant(actor, territory):
        raise PermissionDenied
    if not organisations_visible_to(actor).filter(pk=organisation.pk).exists():
        raise PermissionDenied


def _send_invitation(invitation: Invitation, *, actor: Any) -> None:
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save(update_fields=["sent_at", "send_count", "updated_at"])
    send_account_email(
        to=invitation.email,
        template="invitation",
        context={
            "invitation": invitation,
            "url": invitation_url(invitation),
            "inviter": actor,
            "days": _max_age().days,
        },
    )


@transaction.atomic
def invite(
    *,
    actor: Any,
    invitees: list[Invitee],
    organisation: Organisation,
    territory: Territory,
    role: str,
) -> InviteResult:
    """Invite each person, all or nothing. Known accounts get the membership at once (no duplicate)."""
    check_grant(actor, organisation=organisation, territory=territory, role=role)
    result = InviteResult()
    seen: set[str] = set()
    for invitee in invitees:
        email = normalise_email(invitee.email)
        if not email or email in seen:
            continue
        seen.add(email)
        user = User.objects.filter(email=email).first()
        if user is not None:
            membership = Membership.objects.filter(
                user=user, organisation=organisation, territory=territory, role=role
            ).first()
            if membership is not None and membership.is_active:
                result.already.append(email)
                continue
            if membership is None:
                membership = Membership.objects.create(
                    user=user, organisation=organisation, territory=territory, role=role
                )
                action = AuditAction.CREATE
            else:
                membership.is_active = True
                membership.save(update_fields=["is_active", "updated_at"])
                action = AuditAction.UPDATE
            record_change(
                actor=actor,
                action=action,
                instance=membership,
                changes=model_values(
                    membership, ["user_id", "organisation_id", "territory_id", "role", "is_active"]
                ),
                territory_code=territory.code,
                message=_("Habilitation ajoutée par invitation d'un compte existant."),
            )
            send_account_email(
                to=user.email,
                template="membership_added",
                context={"membership": membership, "inviter": actor},
            )
            result.added.append(membership)
            continue
        invitation = (
            Invitation.objects.select_for_update()
            .filter(
                email__iexact=email,
                organisation=organisation,
                territory=territory,
                role=role,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
            )
            .first()
        )
        if invitation is not None:
            _renew(invitation)
            action = AuditAction.UPDATE
        else:
            invitation = Invitation.objects.create(
                email=email,
                first_name=invitee.first_name[:150],
                last_name=invitee.last_name[:150],
                organisation=organisation,
                territory=territory,
                role=role,
                invited_by=actor if getattr(actor, "is_authenticated", False) else None,
                nonce=secrets.token_urlsafe(24),
                expires_at=timezone.now() + _max_age(),
            )
            action = AuditAction.CREATE
        record_change(
            actor=actor,
            action=action,
            instance=invitation,
            changes={
                "email": email,
                "organisation_id": organisation.pk,
                "territory_id": territory.pk,
                "role": role,
            },
            territory_code=territory.code,
            message=_("Invitation envoyée."),
        )
        _send_invitation(invitation, actor=actor)
        result.invited.append(invitation)
    return result


def _renew(invitation: Invitation) -> None:
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.expires_at = timezone.now() + _max_age()
    invitation.save(update_fields=["nonce", "expires_at", "updated_at"])


@transaction.atomic
def resend(*, actor: Any, invitation: Invitation) -> Invitation:
    """A new link valid 7 days; the previous one stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("Cette invitation a déjà été acceptée ou révoquée."))
    check_grant(
        actor, organisation=invitation.organisation, territory=invitation.territory, role=invitation.role
    )
    _renew(invitation)
    record_change(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=invitation,
        changes={"nonce": "•••", "expires_at": invitation.expires_at},
        territory_code=invitation.territory.code,
        message=_("Invitation renvoyée (l'ancien lien ne fonctionne plus)."),
    )
    _send_invitation(invitation, actor=actor)
    return invitation


@transaction.atomic
def revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("Cette invitation a déjà été acceptée ou révoquée."))
    check_grant(
        actor, organisation=invitation.organisation, territory=invitation.territory, role=invitation.role
    )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    record_change(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=invitation,
        changes={"revoked_at": invitation.revoked_at},
        territory_code=invitation.territory.code,
        message=_("Invitation révoquée."),
    )
    return invitation


class InvitationUnavailable(Exception):
    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


@transaction.atomic
def accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Accept once: create the account (or use ``user``, whose e-mail must match) and the membership.

    Raises ``InvitationUnavailable`` when someone else accepted, revoked or let it expire meanwhile.
    """
    invitation = Invitation.objects.select_for_update().select_related("territory").get(pk=invitation.pk)
    now = timezone.now()
    if invitation.accepted_at is not None:
        raise InvitationUnavailable("used")
    if invitation.revoked_at is not None:
        raise InvitationUnavailable("revoked")
    if invitation.expires_at <= now:
        raise InvitationUnavailable("expired")
    email = normalise_email(invitation.email)
    if user is None:
        if User.objects.filter(email=email).exists():
            raise InvitationUnavailable("account_exists")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    first_name=first_name[:150],
                    last_name=last_name[:150],
                )
        except IntegrityError as exc:  # created by a concurrent acceptance of another invitation
            raise InvitationUnavailable("account_exists") from exc
        record_change(
            actor=user,
            action=AuditAction.CREATE,
            instance=user,
            changes={"email": email, "password": "•••"},
            territory_code=invitation.territory.code,
            message=_("Compte créé depuis une invitation."),
        )
    elif normalise_email(user.email) != email:
        raise PermissionDenied
    user.terms_accepted_at = now
    user.save(update_fields=["terms_accepted_at"])
    membership, created = Membership.objects.get_or_create(
        user=user,
        organisation_id=invitation.organisation_id,
        territory_id=invitation.territory_id,
        role=invitation.role,
    )
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active", "updated_at"])
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    record_change(
        actor=user,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=membership,
        changes=model_values(membership, ["user_id", "organisation_id", "territory_id", "role", "is_active"]),
        territory_code=invitation.territory.code,
        message=_("Invitation acceptée."),
    )
    return user


# --- Access requests ---------------------------------------------------------------------------------


@transaction.atomic
def submit_access_request(*, data: dict[str, Any]) -> AccessRequest:
    request = AccessRequest.objects.create(
        email=normalise_email(data["email"]),
        first_name=data["first_name"],
        last_name=data["last_name"],
        organisation_name=data["organisation_name"],
        organisation_siret=data.get("organisation_siret", ""),
        territory=data["territory"],
        role=data["role"],
        message=data.get("message", ""),
    )
    record_change(
        actor=None,
        action=AuditAction.CREATE,
        instance=request,
        changes={"territory_id": request.territory_id, "role": request.role},
        territory_code=request.territory.code,
        message=_("Demande d'accès reçue."),
    )
    territory = request.territory
    scope = [territory.pk] + [pk for pk in (territory.department_id, territory.region_id) if pk]
    coordinators = (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.COORDINATOR,
            memberships__territory_id__in=scope,
        )
        .distinct()
        .values_list("email", flat=True)
    )
    for email in coordinators:
        send_account_email(to=email, template="access_request_received", context={"access_request": request})
    return request


@transaction.atomic
def approve_access_request(
    *, actor: Any, access_request: AccessRequest, organisation: Organisation, role: str, territory: Territory
) -> InviteResult:
    access_request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if access_request.status != AccessRequestStatus.PENDING:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    result = invite(
        actor=actor,
        invitees=[Invitee(access_request.email, access_request.first_name, access_request.last_name)],
        organisation=organisation,
        territory=territory,
        role=role,
    )
    access_request.status = AccessRequestStatus.APPROVED
    access_request.decided_by = actor
    access_request.decided_at = timezone.now()
    access_request.invitation = result.invited[0] if result.invited else None
    access_request.save(update_fields=["status", "decided_by", "decided_at", "invitation", "updated_at"])
    record_change(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=access_request,
        changes={
            "status": [AccessRequestStatus.PENDING, AccessRequestStatus.APPROVED],
            "organisation_id": organisation.pk,
        },
        territory_code=territory.code,
        message=_("Demande d'accès acceptée."),
    )
    return result


@transaction.atomic
def decline_access_request(*, actor: Any, access_request: AccessRequest, reason: str = "") -> AccessRequest:
    access_request = (
        AccessRequest.objects.select_for_update().select_related("territory").get(pk=access_request.pk)
    )
    if access_request.status != AccessRequestStatus.PENDING:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    if not can_grant(actor, access_request.territory):
        raise PermissionDenied
    access_request.status = AccessRequestStatus.DECLINED
    access_request.decided_by = actor
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    record_change(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=access_request,
        changes={"status": [AccessRequestStatus.PENDING, AccessRequestStatus.DECLINED]},
        territory_code=access_request.territory.code,
        message=_("Demande d'accès refusée."),
    )
    send_account_email(
        to=access_request.email,
        template="access_request_declined",
        context={"access_request": access_request, "reason": reason},
    )
    return access_request
