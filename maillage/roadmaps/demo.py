"""Demo: the three real roadmaps of the seeds, plus clearly fictitious measurements, updates and meetings.

Idempotent: re-importing a seed updates it in place (natural keys) and the demo values use
``update_or_create``. Messages go to stdout (``maillage seed-demo``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.roadmaps.exchange.importer import import_file
from maillage.roadmaps.models import (
    Action,
    ActionUpdate,
    Attendance,
    BodyMember,
    BudgetLine,
    GovernanceBody,
    Indicator,
    IndicatorKind,
    Measurement,
    Meeting,
    Roadmap,
)
from maillage.roadmaps.periods import add_months, period_for
from maillage.territories.models import Territory, TerritoryKind

SEEDS = Path(__file__).resolve().parent / "seeds"
LOT_FILE = SEEDS / "lot-numerique-ensemble-2024-2027.yaml"
LOZERE_FILE = SEEDS / "lozere-fne-2024.yaml"
CCALCT_FILE = SEEDS / "ccalct-fne-2025.yaml"
CCALCT_NAME = "CC Aubrac Lot Causses Tarn"
CCALCT_SIREN = "200069268"
DEMO_NOTE = "Valeur fictive de démonstration."
LEAD_ACTIONS = (3, 8, 12)  # Lot actions the demo action lead's organisation co-carries


def _say(message: str) -> None:
    print(f"  feuilles de route : {message}")  # noqa: T201 — seed-demo output


def seed(ctx: DemoContext) -> None:
    lot = import_file(LOT_FILE, territory=ctx.department).roadmap
    ctx.extra["roadmap"] = lot
    _say(f"« {lot.title} » importée sur {ctx.department}.")

    lozere = Territory.objects.filter(kind=TerritoryKind.DEPARTMENT, code="48").first()
    if lozere is None:
        _say("département 48 absent des territoires chargés : feuille de route de la Lozère ignorée.")
    else:
        _say(f"« {import_file(LOZERE_FILE, territory=lozere).roadmap.title} » importée.")

    epci = (
        Territory.objects.filter(kind=TerritoryKind.EPCI, name__iexact=CCALCT_NAME).first()
        or Territory.objects.filter(kind=TerritoryKind.EPCI, code=CCALCT_SIREN).first()
    )
    if epci is None:
        _say(
            f"EPCI « {CCALCT_NAME} » absent des territoires chargés : feuille de route de la CCALCT ignorée."
        )
    else:
        _say(f"« {import_file(CCALCT_FILE, territory=epci).roadmap.title} » importée.")

    lead = ctx.users.get("action_lead")
    if lead is not None:
        organisation = lead.memberships.filter(role="action_lead").first()
        if organisation is not None:
            for action in lot.actions.filter(number__in=LEAD_ACTIONS):
                action.lead_organisations.add(organisation.organisation)
    _demo_values(lot, ctx)


def computed_by_default(roadmap: Roadmap) -> int:
    """Indicators that count what Maillage records (places, accompaniments, workshops, aidants, meetings,
    diagnostics, orientations) become computed from live data; the typed values they had are kept only
    if someone typed them (an indicator with values does not change)."""
    from maillage.roadmaps.suggest import suggest_metric

    switched = 0
    for indicator in Indicator.objects.filter(
        action__roadmap=roadmap, metric_key="", kind=IndicatorKind.QUANTITATIVE
    ):
        key = suggest_metric(indicator.label)
        if key and not indicator.measurements.exclude(comment__contains="fictive").exists():
            indicator.measurements.all().delete()  # the demo's own fictitious values
            indicator.metric_key = key
            indicator.save(update_fields=["metric_key"])
            switched += 1
    return switched


def _demo_values(roadmap: Roadmap, ctx: DemoContext) -> None:
    """Fictitious progress, measurements, spending and meetings on the Lot roadmap."""
    computed_by_default(roadmap)
    rng = random.Random(46)  # deterministic: re-running the demo writes the same values
    today = timezone.localdate()
    now = timezone.now()
    author = ctx.users.get("coordinator")
    actions = list(roadmap.actions.prefetch_related("indicators", "budget_lines"))
    for action in actions:
        # the roadmap does not say where most actions stand: the demo makes half of them « en cours »
        if action.status in (None, "planned") and rng.random() < 0.5:
            action.status = "in_progress"
        action.progress = {None: None, "planned": 0, "in_progress": rng.choice([20, 35, 50, 65, 80])}.get(
            action.status, 100
        )
        # a third of the actions look stale on the dashboard (no update for more than 3 months)
        days = rng.choice([5, 20, 45, 70, 120, 200])
        started = action.status not in (None, "planned")
        action.last_update_at = now - timedelta(days=days) if started else None
        if started:
            action.progress_note = f"{DEMO_NOTE} Point d'étape saisi il y a {days} jours."
        action.save(update_fields=["status", "progress", "last_update_at", "progress_note"])
        if action.last_update_at and not action.updates.exists():
            update = ActionUpdate.objects.create(
                action=action, author=author, status=action.status, progress=action.progress, note=DEMO_NOTE
            )
            ActionUpdate.objects.filter(pk=update.pk).update(created_at=action.last_update_at)
        for line in action.budget_lines.all():
            if started and line.unit == "eur" and line.planned and line.nature != "produit":
                line.spent = (line.planned * Decimal(rng.choice([0, 25, 40, 60, 90]) / 100)).quantize(
                    Decimal("1")
                )
                line.save(update_fields=["spent"])
        if not started:
            continue
        for indicator in action.indicators.all():
            if indicator.metric_key:
                continue
            _demo_measurements(indicator, rng, today, author)
    _ensure_funder_line(actions)
    _demo_meetings(roadmap, rng, today)


def _demo_measurements(indicator: Any, rng: random.Random, today: date, author: Any) -> None:
    start = date(2025, 1, 1)
    step = {"mensuelle": 1, "trimestrielle": 3, "semestrielle": 6}.get(indicator.frequency, 12)
    day = start
    last, _ = period_for(today, indicator.frequency)
    while day < last:
        period_start, period_end = period_for(day, indicator.frequency)
        defaults: dict[str, Any] = {"period_end": period_end, "comment": DEMO_NOTE, "author": author}
        if indicator.kind == IndicatorKind.QUANTITATIVE:
            if indicator.unit == "%":
                defaults["value"] = Decimal(rng.randint(45, 95))
            elif indicator.baseline is not None:
                defaults["value"] = indicator.baseline + rng.randint(-5, 5)
            elif indicator.target:
                share = Decimal(rng.randint(5, 30)) / 100 * step / 12
                defaults["value"] = max(Decimal(1), (indicator.target * share).quantize(Decimal("1")))
            else:
                defaults["value"] = Decimal(rng.randint(1, 6) * max(1, step // 3))
        elif indicator.kind == IndicatorKind.QUALITATIVE:
            defaults["text_value"] = rng.choice(
                ["Retours positifs des participants (fictif).", "Démarrage lent, à suivre (fictif)."]
            )
        else:
            defaults["achieved"] = day.year >= 2026
        Measurement.objects.update_or_create(
            indicator=indicator, period_start=period_start, defaults=defaults
        )
        day = add_months(day, step)


def _ensure_funder_line(actions: list[Action]) -> None:
    """Budget by funder needs spending with funders: record the FNE credits of action 8 as partly spent."""
    for action in actions:
        if action.number == 8:
            BudgetLine.objects.filter(action=action, funder__name="ANCT").update(spent=Decimal(12500))


def _demo_meetings(roadmap: Roadmap, rng: random.Random, today: date) -> None:
    cotech = GovernanceBody.objects.filter(roadmap=roadmap, kind="cotech").first()
    copil = GovernanceBody.objects.filter(roadmap=roadmap, kind="copil").first()
    for body in (cotech, copil):
        if body is None:
            continue
        for name in ("Coordinatrice France Services (fictive)", "Chargé de mission EPCI (fictif)"):
            BodyMember.objects.get_or_create(
                body=body, person_name=name, defaults={"role": "Membre de démonstration"}
            )
    if cotech is not None:
        members = list(cotech.members.all())
        for months_ago in (10, 7, 4, 1):
            day = add_months(date(today.year, today.month, 1), -months_ago) + timedelta(days=14)
            meeting, _ = Meeting.objects.update_or_create(
                body=cotech,
                date=day,
                defaults={
                    "location": "Réunion fictive de démonstration",
                    "agenda": "Suivi des actions ; indicateurs du trimestre (démo).",
                    "decisions": "Relancer les porteurs sans mise à jour (démo).",
                },
            )
            for member in members:
                status = rng.choices(["present", "excuse", "absent"], weights=[7, 2, 1])[0]
                Attendance.objects.update_or_create(
                    meeting=meeting, member=member, defaults={"status": status}
                )
    for body, months_ahead in ((cotech, 1), (copil, 3)):
        if body is None:
            continue
        day = add_months(date(today.year, today.month, 1), months_ahead) + timedelta(days=9)
        Meeting.objects.update_or_create(
            body=body,
            date=day,
            defaults={
                "location": "Réunion fictive de démonstration",
                "agenda": "Bilan annuel et perspectives (démo).",
            },
        )
