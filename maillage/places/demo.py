"""Demo places and people: ~120 fictitious places on the real communes of the demo département.

Deterministic (seeded random, communes sorted by code) and idempotent: places are upserted on
(source="demo", source_id), mediators on their e-mail, links are reset to the same values. Names,
addresses, phone numbers (ARCEP fiction range 05 36 49 xx xx) and e-mails (demo.maillage.fr) are
invented; communes, postcodes and coordinates are real (with a small jitter around the commune point).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.places.choices import (
    AccessMode,
    Fee,
    MediatorKind,
    Mobility,
    NationalProgramme,
    Public,
    Service,
    SpecificSupport,
    SupportMode,
)
from maillage.places.models import Mediator, Place, PlaceManager
from maillage.territories.models import Territory

DEMO_SOURCE = "demo"
PLACE_COUNT = 120
MEDIATOR_COUNT = 40
SEED = 4646

# (typology, name pattern, national programmes always present)
KINDS: list[tuple[str, str, list[str]]] = [
    ("BIB", "Médiathèque de {commune}", []),
    ("RFS", "Espace France Services de {commune}", [NationalProgramme.FRANCE_SERVICES.value]),
    ("MUNI", "Point numérique de la mairie de {commune}", []),
    ("EPN", "Espace public numérique de {commune}", []),
    ("CS", "Centre social et culturel de {commune}", []),
    ("TIERS_LIEUX", "Tiers-lieu « La Fabrique » de {commune}", []),
    ("ASSO", "Association Clic & Lien — antenne de {commune}", []),
    ("CCAS", "CCAS de {commune}", []),
    ("MDS", "Maison des solidarités de {commune}", []),
    ("ML", "Mission locale — permanence de {commune}", []),
]
KIND_WEIGHTS = [18, 14, 16, 10, 7, 7, 10, 8, 6, 4]

HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Mo-Fr 08:30-12:00,13:30-17:30; PH off",
    "Mo-Fr 09:00-12:30,13:30-17:00; Sa 09:00-12:00; PH off",
    "Tu-Sa 10:00-12:00,14:00-18:00; PH off",
    "Mo,We,Fr 09:00-12:00",
    "Tu,Th 14:00-17:00",
    "We 14:00-18:00; Sa 10:00-12:00",
    'Mo-Fr 09:00-12:00 "sur rendez-vous"',
    "Mo-Th 08:30-12:00,13:30-17:00; Fr 08:30-12:00; PH off",
    "Tu 09:00-12:00; Th 14:00-17:00",
    "",
]
HOURS_WEIGHTS = [14, 14, 10, 8, 8, 6, 6, 6, 8, 6, 3]

STREETS = [
    "rue de la République",
    "place de la Mairie",
    "avenue du Général de Gaulle",
    "rue des Écoles",
    "place du Foirail",
    "rue Gambetta",
    "boulevard Jean Jaurès",
    "rue du Château",
    "allée des Tilleuls",
    "route de Cahors",
    "rue de la Poste",
    "place de l'Église",
]

FIRST_NAMES = [
    "Léa", "Hugo", "Manon", "Louis", "Chloé", "Gabriel", "Emma", "Jules", "Inès", "Raphaël",
    "Camille", "Arthur", "Sarah", "Nathan", "Jeanne", "Tom", "Lucie", "Théo", "Zoé", "Paul",
]  # fmt: skip
LAST_NAMES = [
    "Delpech", "Lacoste", "Bouyssou", "Calmon", "Fabre", "Lafon", "Malbec", "Pradines", "Rouquié", "Vayssié",
    "Cayrou", "Delbos", "Lagarrigue", "Marty", "Puech", "Soulié", "Teulier", "Valette", "Bergon", "Couderc",
]  # fmt: skip
MEDIATOR_KINDS = [
    MediatorKind.DIGITAL_ADVISER,
    MediatorKind.DIGITAL_MEDIATOR,
    MediatorKind.HELPER,
    MediatorKind.FRANCE_SERVICES_AGENT,
    MediatorKind.SOCIAL_WORKER,
    MediatorKind.TOWN_HALL_SECRETARY,
]


def _communes(department: Territory) -> list[Territory]:
    return list(
        Territory.objects.communes_of([department])
        .exclude(latitude__isnull=True)
        .exclude(longitude__isnull=True)
        .order_by("code")
    )


def _place_values(rng: random.Random, index: int, commune: Territory, today: date) -> dict[str, Any]:
    typology, pattern, programmes = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    name = pattern.format(commune=commune.name)
    services = rng.sample([s.value for s in Service], k=rng.choice([1, 2, 2, 3, 3, 4, 5]))
    if typology in ("RFS", "MUNI", "CCAS", "MDS") and Service.ADMINISTRATIVE_PROCEDURES.value not in services:
        services.insert(0, Service.ADMINISTRATIVE_PROCEDURES.value)
    programmes = list(programmes)
    if rng.random() < 0.45:
        programmes.append(NationalProgramme.DIGITAL_ADVISERS.value)
    if rng.random() < 0.2 or typology == "RFS":
        programmes.append(NationalProgramme.AIDANTS_CONNECT.value)
    if typology == "BIB" and rng.random() < 0.2:
        programmes.append(NationalProgramme.PIX.value)
    support = rng.sample([s.value for s in SupportMode], k=rng.choice([1, 1, 2, 2, 3]))
    access = rng.sample(
        [
            AccessMode.WALK_IN.value,
            AccessMode.PHONE.value,
            AccessMode.EMAIL.value,
            AccessMode.ONLINE_BOOKING.value,
        ],
        k=rng.choice([1, 2, 2, 3]),
    )
    fees = [
        rng.choices([Fee.FREE.value, Fee.FREE_UNDER_CONDITION.value, Fee.PAID.value], weights=[75, 18, 7])[0]
    ]
    publics = rng.sample([p.value for p in Public], k=1) if rng.random() < 0.2 else []
    specific = (
        rng.sample([s.value for s in SpecificSupport], k=rng.choice([1, 2])) if rng.random() < 0.35 else []
    )
    stale = rng.random() < 0.2
    updated = today - timedelta(days=rng.randrange(200, 700) if stale else rng.randrange(3, 150))
    slug = f"demo-{index:03d}"
    number = rng.randrange(1, 60)
    latitude = round((commune.latitude or 0) + rng.uniform(-0.004, 0.004), 6)
    longitude = round((commune.longitude or 0) + rng.uniform(-0.005, 0.005), 6)
    return {
        "pivot": f"{21460000000000 + index:014d}",
        "name": name,
        "address": f"{number} {rng.choice(STREETS)}",
        "address_complement": rng.choice(["", "", "", "Rez-de-chaussée", "1er étage", "Bâtiment B"]),
        "postcode": (commune.postcodes or ["46000"])[0],
        "insee_code": commune.code,
        "commune_name": commune.name,
        "commune": commune,
        "latitude": latitude,
        "longitude": longitude,
        "typologies": [typology],
        "phone": f"+3353649{index:04d}",
        "emails": [f"contact-{slug}@demo.maillage.fr"],
        "websites": [f"https://demo.maillage.fr/lieux/{slug}"] if rng.random() < 0.4 else [],
        "opening_hours": rng.choices(HOURS, weights=HOURS_WEIGHTS)[0],
        "summary": f"Lieu fictif de démonstration : accompagnement au numérique à {commune.name}.",
        "description": "",
        "mobility": [Mobility.FIXED.value],
        "parent_organisation": "Réseau France Services" if typology == "RFS" else "",
        "data_updated_on": updated,
        "services": services,
        "publics": publics,
        "specific_support": specific,
        "fees": fees,
        "national_programmes": programmes,
        "labels": [],
        "other_labels": [],
        "access_modes": access,
        "support_modes": support,
        "accessibility_url": (
            f"https://acceslibre.beta.gouv.fr/app/{commune.code}-demo/a/lieu/erp/{slug}/"
            if rng.random() < 0.3
            else ""
        ),
        "booking_url": f"https://demo.maillage.fr/rdv/{slug}"
        if AccessMode.ONLINE_BOOKING.value in access
        else "",
        "is_published": True,
        "verified_at": None
        if stale or rng.random() < 0.5
        else timezone.make_aware(datetime.combine(updated, time(10, 0))),
    }


def _mobile_place(rng: random.Random, communes: list[Territory], today: date) -> dict[str, Any]:
    commune = communes[0]
    values = _place_values(rng, 0, commune, today)
    values.update(
        name="Bus numérique itinérant du Lot (démo)",
        mobility=[Mobility.MOBILE.value],
        typologies=["ASSO"],
        opening_hours="Tu-Fr 09:30-12:00,13:30-16:30",
        summary="Bus fictif de démonstration : tournée hebdomadaire dans les bourgs.",
    )
    return values


def seed(ctx: DemoContext) -> None:
    rng = random.Random(SEED)
    communes = _communes(ctx.department)
    if not communes:
        return
    today = timezone.localdate()
    weights = [max(c.population or 50, 50) ** 0.75 for c in communes]
    chosen = rng.choices(communes, weights=weights, k=PLACE_COUNT - 1)
    places: list[Place] = []
    values_list = [_mobile_place(rng, sorted(communes, key=lambda c: -(c.population or 0)), today)]
    values_list += [
        _place_values(rng, index, commune, today) for index, commune in enumerate(chosen, start=1)
    ]
    for index, values in enumerate(values_list):
        verified_by = ctx.users.get("coordinator") if values["verified_at"] else None
        place, _ = Place.objects.update_or_create(
            source=DEMO_SOURCE,
            source_id=f"demo-{index:03d}",
            defaults={**values, "verified_by": verified_by, "organisation": None},
        )
        places.append(place)

    organisations = [o for o in ctx.organisations.values() if o is not None]
    mediators: list[Mediator] = []
    for index in range(MEDIATOR_COUNT):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
        kind = MEDIATOR_KINDS[index % len(MEDIATOR_KINDS)]
        mediator, _ = Mediator.objects.update_or_create(
            email=f"mediateur-{index:02d}@demo.maillage.fr",
            defaults={
                "first_name": first,
                "last_name": last,
                "phone": f"+3353649{9000 + index:04d}",
                "kind": kind,
                "aidants_connect_habilitated": index % 4 == 0,
                "territory": ctx.department,
                "organisation": organisations[index % len(organisations)] if organisations else None,
                "is_active": True,
            },
        )
        mediator.places.set(rng.sample(places, k=rng.choice([1, 1, 2, 3])))
        mediators.append(mediator)

    demo_mediator = ctx.users.get("mediator")
    if demo_mediator is not None:
        own = places[1:4]
        for place in own:
            PlaceManager.objects.get_or_create(place=place, user=demo_mediator)
        profile, _ = Mediator.objects.update_or_create(
            email=demo_mediator.email,
            defaults={
                "user": demo_mediator,
                "first_name": demo_mediator.first_name or "Inès",
                "last_name": demo_mediator.last_name or "Vidal",
                "kind": MediatorKind.DIGITAL_ADVISER,
                "territory": ctx.department,
                "organisation": ctx.organisations.get("mediation"),
                "aidants_connect_habilitated": True,
                "is_active": True,
            },
        )
        profile.places.set([places[1], places[4]])

    ctx.places = places
    ctx.extra["mediators"] = mediators
