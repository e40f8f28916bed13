"""Which computed metric an indicator's label names, when Maillage already records what it counts.

Used to make computed indicators the default: the demo switches the Lot indicators it recognises, and
the « add an indicator » form proposes the metric. Only unambiguous wordings are matched: a count
Maillage does not hold (people trained, flyers distributed) stays typed.
"""

from __future__ import annotations

import re
import unicodedata

from maillage.core.metrics import get_metric

# (all these words, none of these, metric key) — checked in order on the accent-free lower-case label
RULES: list[tuple[tuple[str, ...], tuple[str, ...], str]] = [
    (("reunion", "copil"), (), "roadmaps.meetings"),
    (("reunion", "cotech"), (), "roadmaps.meetings"),
    (("reunion", "instance"), (), "roadmaps.meetings"),
    (("taux de presence", "instance"), (), "roadmaps.attendance_rate"),
    (("diagnostic",), ("bilan",), "pathways.diagnostics"),
    (("orientation",), (), "pathways.referrals"),
    (("accompagnements", "realise"), (), "activities.accompaniments"),
    (("accompagnements", "numerique"), (), "activities.accompaniments"),
    (("personnes accompagnees",), ("satisfaction",), "activities.people"),
    (("aidants", "aidants connect"), (), "places.aidants_connect"),
    (("ateliers", "organise"), ("participants", "groupe de travail"), "activities.workshops"),
    (("ateliers de",), ("participants", "groupe de travail", "personnes"), "activities.workshops"),
    (("participants", "ateliers"), ("groupe de travail",), "activities.workshop_participants"),
    (("lieux", "inclusion"), (), "places.count"),
    (("proposant un accompagnement",), (), "places.count"),
    (("mediateurs", "recense"), (), "places.mediators"),
]


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", text)


def suggest_metric(label: str) -> str:
    """The registry key the label counts, or "" (typed)."""
    plain = _plain(label)
    for words, excluded, key in RULES:
        if all(w in plain for w in words) and not any(x in plain for x in excluded):
            return key if get_metric(key) is not None else ""
    return ""
