"""Team exports of the Coop: a coordinator's file mixing several mediators.

1. ``stage``: the file is read (same bounds as any import), recognised as a team export and held in
   ``PendingTeamImport``; nothing is written to the activities.
2. ``proposals``: each mediator named by the file (Conum id, e-mail or name) is matched to the active
   mediators of the coordinator's territories — a choice remembered from a previous import first, then
   the e-mail, then the exact name (accents and case ignored) when it designates one person only.
3. ``confirm``: with the coordinator's choice for every mediator of the file (a mediator, or « do not
   import their rows »), the import runs all or nothing; the choices are remembered.
Nothing is ever created for a mediator nobody chose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from maillage.activities import importer
from maillage.activities.models import PendingTeamImport, TeamMemberLink
from maillage.activities.selectors import coordinator_territories
from maillage.places.normalize import fold

PENDING_HOURS = 24


@dataclass
class Proposal:
    member: importer.TeamMember
    mediator: Any  # the proposed user, or None
    reason: str  # how the mediator was found (French), empty when nobody was


def candidates(coordinator: Any) -> list[Any]:
    """Active mediators of the coordinator's territories (a département includes its communes and EPCIs)."""
    from maillage.accounts.models import Membership

    territories = coordinator_territories(coordinator)
    if not territories:
        return []
    where = Q(pk__in=[])
    for territory in territories:
        where |= Q(territory=territory) | Q(territory__department=territory) | Q(territory__epci=territory)
    users: dict[int, Any] = {}
    for membership in (
        Membership.objects.filter(where, role="mediator", is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__pk")
    ):
        users.setdefault(membership.user_id, membership.user)
    return list(users.values())


def _name_key(first: str, last: str) -> str:
    return f"{fold(first)}|{fold(last)}"


def proposals(coordinator: Any, members: list[importer.TeamMember]) -> list[Proposal]:
    people = candidates(coordinator)
    by_pk = {user.pk: user for user in people}
    by_email = {user.email.lower(): user for user in people if user.email}
    by_name: dict[str, list[Any]] = {}
    for user in people:
        by_name.setdefault(_name_key(user.first_name, user.last_name), []).append(user)
    links: dict[str, Any] = {}
    for key, mediator_id in TeamMemberLink.objects.filter(
        key__in=[m.key for m in members], mediator_id__in=list(by_pk)
    ).values_list("key", "mediator_id"):
        links[key] = by_pk[mediator_id]
    result = []
    for member in members:
        if member.key in links:
            result.append(Proposal(member, links[member.key], _("choix d’un import précédent")))
            continue
        if member.email and member.email.lower() in by_email:
            result.append(Proposal(member, by_email[member.email.lower()], _("même e-mail")))
            continue
        same_name = by_name.get(_name_key(member.first_name, member.last_name), [])
        if member.first_name and member.last_name and len(same_name) == 1:
            result.append(Proposal(member, same_name[0], _("même prénom et nom")))
            continue
        result.append(Proposal(member, None, ""))
    return result


def stage(*, coordinator: Any, content: bytes, filename: str) -> PendingTeamImport:
    """Check that ``content`` is a readable team export and hold it for the mapping step."""
    if len(content) > importer.MAX_BYTES:
        raise importer.ImportFailed([importer.RowError(0, "", _("Fichier trop volumineux : 10 Mo au plus."))])
    table = importer.read_table(content, filename)
    if not importer.is_team_export(table):
        raise importer.ImportFailed(
            [
                importer.RowError(
                    table.header_line,
                    "",
                    _(
                        "ce fichier n’est pas l’export d’une équipe (colonnes « Prénom du médiateur », "
                        "« Nom du médiateur » ou « ID - Conum » absentes) : chaque médiateur·rice importe "
                        "son propre export."
                    ),
                )
            ]
        )
    purge_pending(now=None)
    return PendingTeamImport.objects.create(
        coordinator=coordinator,
        filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def pending_for(coordinator: Any, pk: int) -> PendingTeamImport:
    try:
        return PendingTeamImport.objects.get(pk=pk, coordinator=coordinator)
    except PendingTeamImport.DoesNotExist as exc:
        raise Http404 from exc


def members_of(pending: PendingTeamImport) -> list[importer.TeamMember]:
    content = bytes(pending.content)
    return importer.team_members(importer.read_table(content, pending.filename))


SKIP = "ignorer"


def resolve_choices(
    *, coordinator: Any, pending: PendingTeamImport, choices: Mapping[str, str]
) -> dict[str, Any]:
    """The mapping member key → mediator (or ``None``: rows left out) for ``choices``; a ``ValidationError``
    in French when a member has no choice or nobody was chosen. Checked on the page, before the job."""
    members = members_of(pending)
    by_pk = {str(user.pk): user for user in candidates(coordinator)}
    mapping: dict[str, Any] = {}
    missing = []
    for member in members:
        choice = choices.get(member.key, "")
        if choice == SKIP:
            mapping[member.key] = None
        elif choice in by_pk:
            mapping[member.key] = by_pk[choice]
        else:
            missing.append(member.label)
    if missing:
        raise ValidationError(
            _("Choisissez un·e médiateur·rice (ou « Ne pas importer ses lignes ») pour : %(names)s.")
            % {"names": ", ".join(missing)}
        )
    if not any(mapping.values()):
        raise ValidationError(_("Aucun·e médiateur·rice choisi·e : rien à importer."))
    return mapping


def confirm(
    *, coordinator: Any, pending: PendingTeamImport, choices: Mapping[str, str]
) -> importer.ImportResult:
    """Import the held file with ``choices`` (member key → user id as text, or ``SKIP``), all or nothing.

    Run by the job ``activities.team_import`` (maillage.activities.jobs) once the page checked the choices.
    """
    mapping = resolve_choices(coordinator=coordinator, pending=pending, choices=choices)
    with transaction.atomic():
        result = importer.import_activities(
            actor=coordinator,
            mediator=coordinator,
            content=bytes(pending.content),
            filename=pending.filename,
            team=mapping,
        )
        for key, user in mapping.items():
            if user is not None:
                TeamMemberLink.objects.update_or_create(
                    key=key, mediator=user, defaults={"chosen_by": coordinator}
                )
        pending.delete()
    return result


def purge_pending(*, now: datetime | None) -> int:
    from django.utils import timezone

    cutoff = (now or timezone.now()) - timedelta(hours=PENDING_HOURS)
    deleted, _detail = PendingTeamImport.objects.filter(created_at__lt=cutoff).delete()
    return deleted
