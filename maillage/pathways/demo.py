"""Demo pathway data on the Lot: fictitious diagnostics and referrals in every status. Idempotent and
deterministic (fixed seed; skipped when the demo prescriber already has diagnostics)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.pathways import services, workflow
from maillage.pathways.matching import compute_proposals
from maillage.pathways.models import Diagnostic, RefusalReason
from maillage.pathways.models import ReferralStatus as S
from maillage.places.models import Place
from maillage.territories.models import Territory

SEED = 4646
DIAGNOSTIC_COUNT = 48
FIRST_NAMES = ["A. M.", "Josette", "K. B.", "Marcel", "Y. L.", "Fatima", "R. T.", "Léon", "S. P.", "Odile"]
NEEDS = [
    "demarche_admin",
    "smartphone",
    "ordinateur",
    "s_equiper",
    "se_connecter",
    "emploi",
    "sante",
    "securite",
]


AUTONOMOUS = {
    "A1": ["smartphone", "ordinateur"],
    "A2": "domicile_illimite",
    "A3": "oui",
    **{f"B{i}": "2" for i in range(1, 6)},
    "C1": "seul",
    "C2": "non",
    "E": ["securite"],
}


def _answers(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.12:  # some people met by prescribers need nothing
        return dict(AUTONOMOUS)
    level = rng.choice([0, 1, 1, 1, 2])  # most people met by prescribers are fragile
    skills = {f"B{i}": str(min(2, max(0, level + rng.choice([-1, 0, 0, 1])))) for i in range(1, 6)}
    answers: dict[str, Any] = {
        "A1": rng.choice([["smartphone"], ["smartphone", "ordinateur"], ["aucun"], ["tablette"]]),
        "A2": rng.choice(["domicile_illimite", "mobile_suffisant", "mobile_limite", "aucun"]),
        "A3": rng.choice(["oui", "oui", "oui_acces_perdu", "non"]),
        **skills,
        "C1": rng.choice(["seul", "avec_proche", "un_pro_fait_pour_moi", "je_ne_fais_pas"]),
        "C2": rng.choice(["oui", "non", "non"]),
        "D4": rng.choice(["oui", "oui", "plutot_oui", "plutot_oui", "plutot_non", "non"]),
        "E": rng.sample(NEEDS, k=rng.choice([1, 1, 2])),
    }
    if rng.random() < 0.2:
        answers["D1"] = rng.choice(["un_peu", "beaucoup"])
    if rng.random() < 0.15:
        answers["D3"] = "difficilement"
    if rng.random() < 0.1:
        answers["D2"] = [rng.choice(["vue", "audition", "motricite"])]
    return answers


def seed(ctx: DemoContext) -> None:
    prescriber = ctx.users.get("prescriber")
    if prescriber is None or Diagnostic.objects.filter(prescriber=prescriber).exists():
        return
    rng = random.Random(SEED)
    communes = list(
        Territory.objects.communes_of([ctx.department])
        .filter(latitude__isnull=False)
        .order_by("-population", "code")[:60]
    )
    if not communes:
        return
    now = timezone.now().replace(microsecond=0)
    # Places managed by demo users (« Reçues par mes lieux » must not be empty): one diagnostic in five
    # is made in the commune of one of them, and the referral goes to that place when it is proposed.
    managed = list(
        Place.objects.filter(pk__in=[p.pk for p in ctx.places], managers__isnull=False, commune__isnull=False)
        .distinct()
        .select_related("commune")
        .order_by("pk")
    )
    for index in range(DIAGNOSTIC_COUNT):
        target = managed[index // 5 % len(managed)] if managed and index % 5 == 0 else None
        commune = communes[rng.randrange(len(communes))]
        if target is not None and target.commune is not None:
            commune = target.commune
        created = now - timedelta(days=rng.randrange(1, 300), hours=rng.randrange(0, 9))
        diagnostic = services.create_diagnostic(
            actor=prescriber, commune=commune, answers=_answers(rng), person_informed=True, now=created
        )
        diagnostic.duration_seconds = rng.randrange(240, 560)
        Diagnostic.objects.filter(pk=diagnostic.pk).update(
            created_at=created, updated_at=created, duration_seconds=diagnostic.duration_seconds
        )
        result = compute_proposals(diagnostic, with_hours=False, limit=10 if target else 3)
        services.record_proposals_outcome(
            diagnostic=diagnostic, nearest_match_km=result.nearest_match_km, unmet=result.unmet
        )
        if not result.proposals:
            continue
        proposal = next(
            (p for p in result.proposals if target and p.place.pk == target.pk), result.proposals[0]
        )
        _referral(rng, index, prescriber, diagnostic, proposal, created + timedelta(minutes=8), now)


def _referral(
    rng: random.Random,
    index: int,
    prescriber: Any,
    diagnostic: Diagnostic,
    proposal: Any,
    at: datetime,
    now: datetime,
) -> None:
    send = bool(workflow.recipients_for_place(proposal.place)) and rng.random() < 0.75
    referral = workflow.create_referral(
        actor=prescriber,
        diagnostic=diagnostic,
        place=proposal.place,
        orientation=proposal.orientation,
        send=send,
        first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
        phone=f"06 00 00 {index:02d} {index * 3 % 100:02d}",
        contact_preference="telephone",
        message="Personne orientée lors d'un rendez-vous (démo).",
        person_informed=True,
        distance_km=proposal.distance_km,
        now=at,
        notify_parties=False,
    )
    age = (now - at).days
    place_label = f"{proposal.place.name} (démo)"

    def move(to: str, days: float, side: str = "place", **kwargs: Any) -> None:
        workflow.transition(
            referral_id=referral.pk,
            to_status=to,
            side=side,
            actor=prescriber if side == "prescriber" else None,
            actor_label="" if side == "prescriber" else place_label,
            now=min(at + timedelta(days=days), now),
            notify_parties=False,
            **kwargs,
        )

    if not send:
        if rng.random() < 0.4 and age > 10:
            move(S.TAKEN_UP, rng.randrange(3, 10), side="prescriber")
        return
    outcome = rng.random()
    if age > 30 and outcome < 0.12:
        move(S.EXPIRED, 30, side="system", reason="Sans réponse du lieu dans le délai.")
    elif outcome < 0.3:
        move(
            S.REFUSED,
            rng.randrange(1, 9),
            refusal_reason=rng.choice(RefusalReason.values),
            reason="Motif de démo.",
        )
    elif outcome < 0.4:
        move(S.UNDER_REVIEW, rng.randrange(1, 5))
    elif outcome < 0.5:
        move(S.CANCELLED, 2, side="prescriber", reason="La personne a trouvé une solution (démo).")
    elif age > 5:
        move(S.ACCEPTED, rng.randrange(1, 6))
        if rng.random() < 0.7 and age > 12:
            move(S.TAKEN_UP, rng.randrange(7, 12))
            if age > 45 and rng.random() < 0.6:
                services.record_follow_up(
                    actor=prescriber,
                    referral=referral,
                    need_met=rng.random() < 0.7,
                    remediation="accompagnee",
                    difficulty="offre_inaccessible",
                    now=at + timedelta(days=42),
                )
