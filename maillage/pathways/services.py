"""Writes of the pathway context: grids, diagnostics and follow-ups (referral transitions live in
``maillage.pathways.workflow``). Every write is atomic and audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.audit import record_change
from maillage.core.permissions import active_memberships
from maillage.pathways import grid as grid_engine
from maillage.pathways.models import Diagnostic, DiagnosticGrid
from maillage.territories.models import Territory, TerritoryKind

PRESCRIBING_ROLES = ("prescriber", "mediator", "coordinator", "action_lead")


@transaction.atomic
def load_grid(*, version: str, make_current: bool = False) -> tuple[DiagnosticGrid, bool]:
    """Load ``grids/<version>.json`` (validated). Existing versions are never modified."""
    definition = grid_engine.load_grid_file(version)
    grid_engine.validate_grid(definition)
    grid = DiagnosticGrid.objects.filter(version=version).first()
    created = grid is None
    if grid is None:
        grid = DiagnosticGrid.objects.create(
            version=version, title=definition["title"], definition=definition
        )
        record_change(actor=None, action="create", instance=grid, changes={"version": version})
    if make_current and not grid.is_current:
        DiagnosticGrid.objects.filter(is_current=True).update(is_current=False)
        grid.is_current = True
        grid.save(update_fields=["is_current"])
        record_change(actor=None, action="update", instance=grid, changes={"is_current": [False, True]})
    return grid, created


def current_grid() -> DiagnosticGrid:
    """The grid in force; on an empty table (flushed database), the grid shipped with the code."""
    grid = DiagnosticGrid.objects.filter(is_current=True).first()
    if grid is None and not DiagnosticGrid.objects.exists():
        grid, _created = load_grid(version=grid_engine.SHIPPED_VERSION, make_current=True)
    if grid is None:
        raise DiagnosticGrid.DoesNotExist("Aucune grille de diagnostic en vigueur.")
    return grid


def prescribing_membership(user: Any, commune: Territory) -> Any:
    """The user's membership allowing a diagnostic for a person living in ``commune`` (or None)."""
    for membership in active_memberships(user):
        if membership.role in PRESCRIBING_ROLES and membership.territory.contains(commune):
            return membership
    return None


@transaction.atomic
def create_diagnostic(
    *,
    actor: Any,
    commune: Territory,
    answers: dict[str, Any],
    person_informed: bool,
    grid: DiagnosticGrid | None = None,
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> Diagnostic:
    """Score ``answers`` with the current grid and store the diagnostic (anonymous)."""
    if commune.kind != TerritoryKind.COMMUNE:
        raise ValidationError(_("Choisissez une commune."))
    membership = prescribing_membership(actor, commune)
    if membership is None:
        raise PermissionDenied(_("Cette commune n'est pas dans votre territoire."))
    grid = grid or current_grid()
    cleaned = grid_engine.clean_answers(grid.definition, answers)
    missing = [
        q["code"]
        for q in grid_engine.questions(grid.definition)
        if q.get("required") and q["code"] not in cleaned
    ]
    if missing:
        raise ValidationError(_("Questions sans réponse : %(codes)s") % {"codes": ", ".join(missing)})
    result = grid_engine.score(grid.definition, cleaned)
    now = now or timezone.now()
    duration = None
    if started_at is not None and started_at <= now:
        duration = min(int((now - started_at).total_seconds()), 4 * 3600)
    diagnostic = Diagnostic.objects.create(
        grid=grid,
        prescriber=actor,
        organisation=membership.organisation,
        commune=commune,
        department_id=commune.department_id or commune.pk,
        answers=cleaned,
        skills_score=result.scores.get("S", 0),
        admin_score=result.scores.get("C", 0),
        profile=result.profile,
        flags=result.flags,
        needs=result.needs,
        orientations=result.orientations,
        notes=result.notes,
        specific_support=result.specific_support,
        is_fragile=result.is_fragile,
        person_informed=person_informed,
        duration_seconds=duration,
    )
    record_change(
        actor=actor,
        action="create",
        instance=diagnostic,
        territory_code=commune.code,
        changes={"grid": grid.version, "profile": diagnostic.profile, "flags": diagnostic.flags},
    )
    return diagnostic


@transaction.atomic
def record_proposals_outcome(*, diagnostic: Diagnostic, nearest_match_km: float | None, unmet: bool) -> None:
    """Remember how far the nearest matching place was (« demandes non satisfaites »)."""
    Diagnostic.objects.filter(pk=diagnostic.pk).update(
        nearest_match_km=nearest_match_km, unmet_need=unmet, proposals_computed_at=timezone.now()
    )
    diagnostic.nearest_match_km = nearest_match_km
    diagnostic.unmet_need = unmet


FOLLOW_UP_AFTER_DAYS = 30


@transaction.atomic
def record_follow_up(
    *,
    actor: Any,
    referral: Any,
    need_met: bool,
    remediation: str = "",
    difficulty: str = "",
    comment: str = "",
    now: datetime | None = None,
) -> Any:
    """The prescriber's answer, 30 days after take-up: was the need met, if not why."""
    from maillage.pathways.models import FollowUp, Referral, ReferralStatus

    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.TAKEN_UP:
        raise ValidationError(_("Le suivi ne concerne que les orientations prises en charge."))
    if not need_met and not difficulty:
        raise ValidationError(_("Indiquez pourquoi le besoin n'a pas été satisfait."))
    follow_up, created = FollowUp.objects.update_or_create(
        referral=referral,
        defaults={
            "need_met": need_met,
            "remediation": remediation if need_met else "",
            "difficulty": "" if need_met else difficulty,
            "comment": comment.strip()[:600],
            "recorded_at": now or timezone.now(),
            "recorded_by": actor,
        },
    )
    record_change(
        actor=actor,
        action="create" if created else "update",
        instance=follow_up,
        territory_code=referral.commune.code,
        changes={
            "need_met": need_met,
            "remediation": follow_up.remediation,
            "difficulty": follow_up.difficulty,
        },
    )
    return follow_up
