"""Demo: the Lot's training of aidants (fiche 8) — 72 aidants of the territory's structures, the
roadmap's target « 60 aidants formés » over two years, Aidants Connect habilitations for some of them,
and two needs declared. The modules done come from attendance at the training sessions seeded by
``maillage.events.demo``. Idempotent."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from maillage.accounts.models import Organisation
from maillage.core.demo import DemoContext
from maillage.training import services
from maillage.training.catalogue import ensure_catalogue
from maillage.training.models import Aidant, HabilitationStatus, Module, StructureKind, TrainingTarget

SEED = 46_017
FIRST = [
    "Léa",
    "Marc",
    "Sonia",
    "Julien",
    "Claire",
    "Karim",
    "Élodie",
    "Thomas",
    "Nora",
    "Pierre",
    "Aline",
    "Yann",
]
LAST = [
    "Bouysset",
    "Calmels",
    "Delpech",
    "Fabre",
    "Garric",
    "Lafon",
    "Marty",
    "Pouget",
    "Rouquié",
    "Vayssié",
    "Couderc",
    "Lacoste",
]
STRUCTURES = [
    ("France Services de Gramat (démo)", "france_services", StructureKind.FRANCE_SERVICES),
    ("France Services de Souillac (démo)", "france_services", StructureKind.FRANCE_SERVICES),
    ("Mairie de Lacapelle-Marival (démo)", "collectivite", StructureKind.MAIRIE),
    ("Mairie de Puy-l'Évêque (démo)", "collectivite", StructureKind.MAIRIE),
    ("CIAS du Grand Figeac (démo)", "social", StructureKind.SOCIAL),
    ("Maison des solidarités de Cahors (démo)", "social", StructureKind.SOCIAL),
    ("Médiathèque de Saint-Céré (démo)", "collectivite", StructureKind.LIBRARY),
    ("Association Clic & Lien (démo)", "association", StructureKind.MEDIATION),
]
AIDANTS = 72


def seed(ctx: DemoContext) -> None:
    lot = ctx.department
    if Aidant.objects.filter(territory=lot, email_normalised__endswith="@aidants.demo.maillage.fr").exists():
        return
    from maillage.territories.models import Territory

    rng = random.Random(SEED)
    today = timezone.localdate()
    communes = list(
        Territory.objects.filter(kind="commune", department=lot, epci__isnull=False).order_by("code")[:400]
    )
    organisations = []
    for name, kind, structure_kind in STRUCTURES:
        commune = rng.choice(communes) if communes else None
        organisation, _created = Organisation.objects.get_or_create(
            name=name, defaults={"kind": kind, "territory": commune or lot}
        )
        organisations.append((organisation, structure_kind))
    aidants = []
    for index in range(AIDANTS):
        organisation, structure_kind = organisations[index % len(organisations)]
        first, last = FIRST[index % len(FIRST)], LAST[(index * 5) % len(LAST)]
        aidants.append(
            services.create_aidant(
                actor=None,
                territory=lot,
                first_name=first,
                last_name=f"{last}-{index + 1}",
                email=f"aidant{index + 1}@aidants.demo.maillage.fr",
                organisation=organisation,
                structure_kind=structure_kind,
                check=False,
            )
        )
    ctx.extra["aidants"] = aidants
    TrainingTarget.objects.get_or_create(
        territory=lot,
        label="Aidants formés à l'inclusion numérique et/ou Aidants Connect (fiche 8)",
        defaults={"count": 60, "start_year": today.year - 1, "end_year": today.year},
    )
    ensure_catalogue()
    aidants_connect = Module.objects.filter(code="aidants-connect").first()
    for index, aidant in enumerate(aidants[:24]):
        granted_on = today - timedelta(days=30 + 14 * index)
        status = HabilitationStatus.GRANTED if index % 6 else HabilitationStatus.REQUESTED
        if index == 23:
            status = HabilitationStatus.EXPIRED
        services.save_habilitation(
            actor=None,
            aidant=aidant,
            organisation=aidant.organisation,
            status=status,
            training_done_on=granted_on - timedelta(days=20) if aidants_connect else None,
            requested_on=granted_on - timedelta(days=10),
            granted_on=granted_on if status != HabilitationStatus.REQUESTED else None,
            renewal_on=granted_on + timedelta(days=365) if status == HabilitationStatus.GRANTED else None,
            check=False,
        )
    coordinator = ctx.users.get("coordinator")
    if coordinator is not None:
        modules = list(Module.objects.order_by("position")[:3])
        for organisation, _kind in organisations[:2]:
            services.declare_need(
                actor=coordinator,
                territory=lot,
                organisation=organisation,
                modules=modules[:2],
                people_count=rng.choice([2, 3, None]),
                preferred_format="onsite",
                comment="Nouvelle équipe d'accueil à former avant l'été.",
            )
