"""Which computed metric an indicator's label names, when Maillage already records what it counts.

Used to make computed indicators the default: the demo switches the Lot indicators it recognises, and
the « add an indicator » form proposes the metric. Only unambiguous wordings are matched: a count
Maillage does not hold (people trained, flyers distributed) stays typed. A count of a kind of workshop
(« Fresque du numérique ») is not « every workshop »: only themes the activity reports record are matched.
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
    (("diagnostic",), ("bilan", "harmonise"), "pathways.diagnostics"),
    (("orientation",), (), "pathways.referrals"),
    (("parentalite", "ateliers"), (), "activities.workshops_parenting"),
    (("parents accompagnes",), (), "activities.accompaniments_parenting"),
    (("ateliers", "securite numerique"), ("participants",), "activities.workshops_security"),
    (("accompagnements", "realise"), (), "activities.accompaniments"),
    (("accompagnements", "numerique"), (), "activities.accompaniments"),
    (("demarches administratives",), (), "activities.administrative_procedures"),
    (("personnes accompagnees",), ("satisfaction",), "activities.people"),
    (("usagers accompagnes",), ("satisfaction",), "activities.people"),
    # habilitated aidants are in the directory; « aidants formés » are trainees (module événements)
    (("aidants connect", "habilite"), (), "places.aidants_connect"),
    (("ateliers realises",), ("participants", "groupe de travail"), "activities.workshops"),
    (("participants", "ateliers collectifs"), ("groupe de travail",), "activities.workshop_participants"),
    (("lieux", "inclusion"), (), "places.count"),
    (("referenc", "annuaire"), (), "places.count"),
    (("mediateurs", "recense"), (), "places.mediators"),
    (("equipements collectes",), (), "equipment.collected"),
    (("ordinateurs", "redistribue"), (), "equipment.computers_given"),
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
