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

# Metrics announced by modules still to come: key → what they will count. Empty since the training,
# events and funding modules landed (their indicators name their metrics in the seeds).
FUTURE_METRICS: dict[str, str] = {}

LOT = "lot-numerique-ensemble-2024-2027"
LOZERE = "lozere-fne-2024"
CCALCT = "ccalct-fne-2025"

# (roadmap identifier, action number as the document gives it, indicator label) → future metric key
PENDING: dict[tuple[str, str, str], str] = {}


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
