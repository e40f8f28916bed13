"""Helpers for pathway tests: diagnostics through the real service, places near the personas."""

from __future__ import annotations

from typing import Any

from maillage.pathways import services, workflow
from maillage.places.choices import NationalProgramme, Service, SupportMode
from tests.places.factories import PlaceFactory

#: A beginner (S = 4, P2) with an urgent procedure, no e-mail, who needs help with a démarche.
BEGINNER = {
    "A1": ["smartphone"],
    "A2": "mobile_limite",
    "A3": "non",
    "B1": "2",
    "B2": "1",
    "B3": "1",
    "B4": "0",
    "B5": "0",
    "C1": "un_pro_fait_pour_moi",
    "C2": "oui",
    "D4": "oui",
    "E": ["demarche_admin"],
}

AUTONOMOUS = {
    "A1": ["smartphone", "ordinateur"],
    "A2": "domicile_illimite",
    "A3": "oui",
    **{f"B{i}": "2" for i in range(1, 6)},
    "C1": "seul",
    "C2": "non",
}


def make_diagnostic(
    prescriber: Any, commune: Any, answers: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    return services.create_diagnostic(
        actor=prescriber, commune=commune, answers=answers or BEGINNER, person_informed=True, **kwargs
    )


def france_services(commune: Any, **kwargs: Any) -> Any:
    defaults = {
        "name": "France Services de test",
        "services": [Service.ADMINISTRATIVE_PROCEDURES.value, Service.EVERYDAY_TOOLS.value],
        "national_programmes": [NationalProgramme.FRANCE_SERVICES.value],
        "support_modes": [SupportMode.INDIVIDUAL.value, SupportMode.WORKSHOP.value],
        "emails": ["accueil@fs-test.fr"],
        "opening_hours": "Mo-Fr 09:00-12:00,14:00-17:00",
    }
    defaults.update(kwargs)
    return PlaceFactory(commune=commune, **defaults)


def make_referral(prescriber: Any, diagnostic: Any, place: Any, *, send: bool = True, **kwargs: Any) -> Any:
    defaults = {
        "first_name": "J. D.",
        "phone": "0600000000",
        "contact_preference": "telephone",
        "person_informed": True,
        "orientation": "demarche_accompagnee",
    }
    defaults.update(kwargs)
    return workflow.create_referral(
        actor=prescriber, diagnostic=diagnostic, place=place, send=send, **defaults
    )
