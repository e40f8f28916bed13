"""The training catalogue shared by every territory. The migration ``0002_seed_modules`` loads it;
``ensure_catalogue()`` reloads it where the table was emptied (tests flushing the database, a demo)."""

from __future__ import annotations

from decimal import Decimal

MODULES = [
    (
        "inclusion-numerique",
        "Inclusion numérique : repérer, accompagner, orienter",
        "Repérer les difficultés numériques, faire avec et non à la place, orienter vers un lieu de médiation.",
        Decimal("7"),
        False,
    ),
    (
        "aidants-connect",
        "Aidants Connect",
        "Réaliser des démarches en ligne pour le compte d'une personne, en toute sécurité : "
        "la formation requise pour l'habilitation.",
        Decimal("7"),
        True,
    ),
    (
        "accueil-publics-fragiles",
        "Accueil des publics fragiles",
        "Accueillir les personnes éloignées du numérique, en situation de handicap ou de précarité.",
        Decimal("7"),
        False,
    ),
    (
        "reconditionnement",
        "Reconditionnement et équipement",
        "Diagnostiquer, effacer, reconditionner et remettre du matériel ; conseiller un équipement.",
        Decimal("3.5"),
        False,
    ),
    (
        "demarches-en-ligne",
        "Démarches administratives en ligne",
        "Les principaux sites (CAF, impots.gouv, ANTS, France Travail) et FranceConnect.",
        Decimal("7"),
        False,
    ),
    (
        "cybersecurite",
        "Sécurité numérique et arnaques",
        "Reconnaître l'hameçonnage et les arnaques, protéger ses comptes et ses données.",
        Decimal("3.5"),
        False,
    ),
]


def ensure_catalogue() -> None:
    from maillage.training.models import Module

    if Module.objects.filter(code__in=[m[0] for m in MODULES]).count() == len(MODULES):
        return
    for position, (code, name, description, hours, aidants_connect) in enumerate(MODULES):
        Module.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "duration_hours": hours,
                "is_aidants_connect": aidants_connect,
                "position": position,
            },
        )
