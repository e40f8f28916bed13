"""French slugs of the exchange format ↔ model values."""

from __future__ import annotations

ACTION_STATUS = {
    "a_lancer": "planned",
    "en_cours": "in_progress",
    "realisee": "done",
    "suspendue": "suspended",
    "abandonnee": "abandoned",
}
PRIORITY = {"haute": "high", "normale": "normal", "basse": "low"}
MATURITY = {
    "idee": "idea",
    "concue": "designed",
    "financee": "funded",
    "en_oeuvre": "running",
    "perennisee": "ongoing",
}
ROADMAP_STATUS = {
    "en_preparation": "draft",
    "soumise": "submitted",
    "adoptee": "adopted",
    "cloturee": "closed",
}
TERRITORY_LEVEL = {"region": "region", "departement": "department", "epci": "epci", "commune": "commune"}


def reverse(mapping: dict[str, str]) -> dict[str, str]:
    return {v: k for k, v in mapping.items()}
