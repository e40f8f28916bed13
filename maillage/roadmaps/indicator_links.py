"""Which indicators Maillage computes, which a module still to come will compute, which stay typed.

An indicator is **computed** when it names a metric of the registry (``metric_key``; the seeds say it
with ``metrique:``). It is **« à relier »** when it counts what a module not yet in this code base will
record (training sessions and their participants, funding applications): ``PENDING`` names the key the
metric will have, so the link is one line in the seed once that module registers it. Every other
indicator is **typed** (« saisi ») because Maillage does not hold what it counts (communications,
partnerships, visitors of another platform…). ``maillage roadmap_indicators`` prints the census.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from maillage.core.metrics import get_metric

COMPUTED = "calculé"
PENDING_LINK = "à relier"
TYPED = "saisi"

# Metrics announced by modules of other branches (issue 17): key → what they will count.
FUTURE_METRICS = {
    "events.sessions_held": "sessions de formation ou de sensibilisation tenues (module événements)",
    "events.participants": "participants présents aux sessions (module événements)",
    "events.participation_rate": "taux de participation des inscrits (module événements)",
    "events.aidants_trained": "aidants et médiateurs formés (module événements)",
    "events.habilitations_active": "habilitations Aidants Connect actives (module événements)",
    "funding.identified": "financements identifiés (module financements)",
    "funding.applications_submitted": "dossiers de financement déposés (module financements)",
    "funding.amount_requested": "montants demandés (module financements)",
    "funding.amount_obtained": "montants obtenus (module financements)",
}

LOT = "lot-numerique-ensemble-2024-2027"
LOZERE = "lozere-fne-2024"
CCALCT = "ccalct-fne-2025"

# (roadmap identifier, action number as the document gives it, indicator label) → future metric key
PENDING: dict[tuple[str, str, str], str] = {
    (LOT, "2", "Sensibilisations des médiateurs réalisées"): "events.sessions_held",
    (LOT, "2", "Médiateurs formés à l'animation de la Fresque du numérique"): "events.aidants_trained",
    (LOT, "5", "Financements identifiés"): "funding.identified",
    (LOT, "5", "Demandes de financement déposées"): "funding.applications_submitted",
    (LOT, "5", "Montant global des financements demandés"): "funding.amount_requested",
    (LOT, "6", "Taux de participation aux rencontres trimestrielles"): "events.participation_rate",
    (LOT, "8", "Sensibilisations d'aidants numériques réalisées"): "events.sessions_held",
    (LOT, "8", "Aidants formés à l'inclusion numérique ou à Aidants Connect"): "events.aidants_trained",
    (LOT, "9", "Journées de formation des bénévoles référents"): "events.sessions_held",
    (LOT, "10", "Médiateurs formés"): "events.aidants_trained",
    (LOT, "13", "Parents touchés par l'événement"): "events.participants",
    (LOT, "14", "Conseillers et médiateurs numériques formés et outillés"): "events.aidants_trained",
    (LOT, "20", "Participants à l'événement"): "events.participants",
    (LOT, "21", "Participants aux journées de rencontre"): "events.participants",
    (LOT, "23", "Participants formés"): "events.participants",
    (CCALCT, "9", "Rendez-vous organisés dans l'année"): "events.sessions_held",
    (CCALCT, "9", "Taux de participation des acteurs invités"): "events.participation_rate",
    (
        LOZERE,
        "3",
        "Conseillers numériques formés aux espaces personnels CAF et AMELI",
    ): "events.aidants_trained",
    (LOZERE, "3", "Sessions de formation organisées"): "events.sessions_held",
    (LOZERE, "3", "Personnes formées"): "events.participants",
    (LOZERE, "5", "Formations proposées aux médiateurs"): "events.sessions_held",
    (LOZERE, "7", "Bénévoles formés ou accompagnés"): "events.participants",
    (LOZERE, "9", "Personnes formées"): "events.participants",
    (LOZERE, "9", "Sessions"): "events.sessions_held",
    (LOZERE, "10", "Participants"): "events.participants",
    (LOZERE, "11", "Formations dispensées"): "events.sessions_held",
    (LOZERE, "11", "Stagiaires formés"): "events.participants",
    (LOZERE, "14", "Financements identifiés"): "funding.identified",
    (LOZERE, "14", "Dossiers déposés"): "funding.applications_submitted",
    (LOZERE, "14", "Montant des financements demandés"): "funding.amount_requested",
    (LOZERE, "14", "Montant des financements obtenus"): "funding.amount_obtained",
}


@dataclass(frozen=True)
class Classified:
    action: str
    label: str
    kind: str
    state: str  # COMPUTED | PENDING_LINK | TYPED
    metric: str  # the registry key (computed), the future key (à relier), "" (typed)


def action_label(action: Any) -> str:
    """The action's number as the document writes it (« 3 », sub-action « 3.2 »)."""
    parent = getattr(action, "parent", None)
    return f"{parent.number}.{action.number}" if parent is not None else str(action.number)


def classify(roadmap_slug: str, action: str, indicator: Any) -> Classified:
    key = indicator.metric_key
    if key and get_metric(key) is not None:
        state, metric = COMPUTED, key
    elif key:  # a key no module registers yet (e.g. imported from a newer Maillage)
        state, metric = PENDING_LINK, key
    elif (roadmap_slug, action, indicator.label) in PENDING:
        state, metric = PENDING_LINK, PENDING[(roadmap_slug, action, indicator.label)]
    else:
        state, metric = TYPED, ""
    return Classified(action, indicator.label, indicator.kind, state, metric)


def census(roadmap: Any) -> tuple[list[Classified], Counter[str]]:
    """Every indicator of ``roadmap`` classified, in document order, and the count per state."""
    from maillage.roadmaps.models import Indicator

    indicators = (
        Indicator.objects.filter(action__roadmap=roadmap)
        .select_related("action__parent")
        .order_by("action__position", "action__number", "position")
    )
    rows = [classify(roadmap.slug, action_label(i.action), i) for i in indicators]
    return rows, Counter(r.state for r in rows)
