"""Roadmap test data: a small but complete exchange document, imported through the real importer."""

from __future__ import annotations

import copy
from typing import Any

from maillage.roadmaps.exchange.importer import import_data
from maillage.roadmaps.models import Roadmap

SAMPLE: dict[str, Any] = {
    "format": "maillage/feuille-de-route@1",
    "feuille_de_route": {
        "identifiant": "test-lot-2024-2027",
        "titre": "Feuille de route de test",
        "territoire": {"niveau": "departement", "code": "46"},
        "porteur": "Lot Numérique",
        "periode": {"debut": 2024, "fin": 2027},
        "adoptee_le": "2024-10-21",
    },
    "versions": [
        {"numero": 1, "instance": "Comité syndical", "date": "2024-10-21"},
        {
            "numero": 2,
            "instance": "Comité syndical",
            "date": "2025-11-28",
            "avis_prealable": "COPIL FNE du 19 juin 2025",
            "changements": "Ajout de l'action 3",
        },
    ],
    "axes": [
        {
            "numero": 1,
            "titre": "Solidaire",
            "objectifs": [{"code": "1.1", "titre": "Coordonner"}],
            "actions": [
                {
                    "numero": 1,
                    "titre": "Coordonner la feuille de route",
                    "objectif": "1.1",
                    "etapes": ["Installer le COPIL", {"titre": "Animer", "realisee": True}],
                    "publics_cibles": ["Acteurs de l'inclusion numérique"],
                    "porteurs": ["Lot Numérique", "Préfecture du Lot"],
                    "partenaires": ["RhinOcc"],
                    "calendrier": {"texte": "2025-2027", "debut": "2025-01-01"},
                    "jalons": [{"titre": "COPIL annuel", "date": "2026-06-15"}],
                    "budget": [
                        {"nature": "rh", "unite": "etp", "montant": 0.15, "libelle": "Coordination"},
                        {
                            "nature": "investissement",
                            "montant": 2000,
                            "realise": 800,
                            "annee": 2025,
                            "financeur": "ANCT",
                        },
                    ],
                    "freins": ["Articulation avec les plans existants"],
                    "leviers": ["Pilotage clair"],
                    "statut": "en_cours",
                    "priorite": "haute",
                    "indicateurs": [
                        {
                            "libelle": "Nombre de réunions",
                            "unite": "réunions",
                            "cible": 4,
                            "frequence": "mensuelle",
                            "mesures": [{"periode": "2025-01-01", "valeur": 1, "commentaire": "COPIL"}],
                        },
                        {"libelle": "Schéma de gouvernance", "type": "livrable"},
                    ],
                },
                {
                    "numero": 2,
                    "titre": "Former les aidants",
                    "porteurs": ["Association Clic"],
                    "budget": [{"nature": "prestation", "montant": 20000, "financeur": "ANCT"}],
                },
            ],
        },
        {
            "numero": 2,
            "titre": "Innovant",
            "actions": [
                {
                    "numero": 3,
                    "titre": "Former les animateurs",
                    "porteurs": ["Locollective"],
                    "introduite_par_version": 2,
                }
            ],
        },
    ],
    "gouvernance": [
        {
            "type": "copil",
            "nom": "COPIL FNE",
            "frequence": "au moins une fois par an",
            "membres": [
                {"structure": "Lot Numérique", "personne": "Présidence"},
                {"structure": "Préfecture du Lot"},
                {"structure": "CAF du Lot"},
            ],
            "reunions": [
                {
                    "date": "2025-06-19",
                    "decisions": "Avis favorable à l'action 3",
                    "presences": [
                        {"membre": 0, "statut": "present"},
                        {"membre": 1, "statut": "present"},
                        {"membre": 2, "statut": "excuse"},
                    ],
                }
            ],
        }
    ],
}


def sample(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    data["feuille_de_route"].update(changes)
    return data


def make_roadmap(territory: Any = None, **changes: Any) -> Roadmap:
    return import_data(sample(**changes), territory=territory).roadmap
