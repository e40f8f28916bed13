"""Demo: the Lot's experiment as its fiche describes it (fiche 3), with fictitious people.

The Département cedes 154 reformed laptops under a convention; hard drives (30 € each) and RAM are
bought; some laptops are scrapped, the rest refurbished by the mediators and given to people oriented by
prescribers, some of them already followed at six months.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.equipment import services
from maillage.equipment.models import (
    AgreementKind,
    DeviceKind,
    DeviceState,
    Donation,
    DonorKind,
    ErasureMethod,
    FollowUp,
    FollowUpProblem,
    LegalFrame,
    PartKind,
    PriorityCriterion,
    ScrapReason,
    StillUsed,
)

SEED = 46_003
CRITERIA = [
    ("minima_sociaux", "Bénéficiaire de minima sociaux"),
    ("sans_equipement", "Aucun équipement au foyer"),
    ("formation_suivie", "Parcours d'initiation suivi"),
    ("recherche_emploi", "En recherche d'emploi"),
]


def seed(ctx: DemoContext) -> None:
    coordinator = ctx.users.get("coordinator")
    mediator = ctx.users.get("mediator") or coordinator
    if (
        coordinator is None
        or Donation.objects.filter(territory=ctx.department, reference="CONV-2025-014").exists()
    ):
        return
    from maillage.pathways.models import Referral

    rng = random.Random(SEED)
    today = timezone.localdate()
    criteria = []
    for position, (code, label) in enumerate(CRITERIA):
        criterion, _created = PriorityCriterion.objects.get_or_create(
            territory=ctx.department, code=code, defaults={"label": label, "position": position}
        )
        criteria.append(criterion)
    donor = services.get_or_create_donor(
        actor=coordinator,
        territory=ctx.department,
        name="Conseil départemental du Lot",
        kind=DonorKind.COLLECTIVITY,
    )
    donation = services.create_donation(
        actor=coordinator,
        territory=ctx.department,
        donor=donor,
        received_on=today - timedelta(days=330),
        legal_frame=LegalFrame.CONVENTION,
        reference="CONV-2025-014",
        decided_on=today - timedelta(days=360),
        declared_count=154,
        notes="Ordinateurs portables réformés par le Département (démo).",
    )
    models = [("Dell", "Latitude 5490"), ("Lenovo", "ThinkPad T480"), ("HP", "EliteBook 840 G5")]
    specs = []
    for index in range(150):  # 4 of the 154 announced never arrived
        brand, model = models[index % len(models)]
        specs.append(
            services.NewDevice(
                kind=DeviceKind.LAPTOP,
                brand=brand,
                model=model,
                serial_number=f"DEMO{46000 + index}",
                declared_state="to_check",
            )
        )
    devices, _warnings = services.add_devices(actor=coordinator, donation=donation, devices=specs)
    company = services.get_or_create_donor(
        actor=coordinator,
        territory=ctx.department,
        name="Entreprise Quercy Bureautique (fictive)",
        kind=DonorKind.COMPANY,
    )
    second = services.create_donation(
        actor=coordinator,
        territory=ctx.department,
        donor=company,
        received_on=today - timedelta(days=120),
        declared_count=None,
    )
    extra, _warnings = services.add_devices(
        actor=coordinator,
        donation=second,
        devices=[
            services.NewDevice(kind=DeviceKind.DESKTOP, brand="Fujitsu", model="Esprimo") for _ in range(12)
        ]
        + [services.NewDevice(kind=DeviceKind.SCREEN, brand="Iiyama") for _ in range(8)],
    )
    places = ctx.places[:3]
    referrals = list(
        Referral.objects.filter(department=ctx.department).select_related("commune").order_by("pk")[:40]
    )
    given = 0
    for index, device in enumerate(devices + extra):
        place = places[index % len(places)] if places else None
        services.transition(
            actor=mediator,
            device_id=device.pk,
            to_state=DeviceState.DIAGNOSED,
            minutes_spent=20,
            workshop_place=place,
        )
        if index % 13 == 5:
            reason = ScrapReason.BEYOND_REPAIR if index % 2 else ScrapReason.PARTS_TOO_COSTLY
            services.transition(
                actor=mediator, device_id=device.pk, to_state=DeviceState.SCRAPPED, scrap_reason=reason
            )
            continue
        if index >= 140:
            continue  # still waiting at the workshop
        services.transition(actor=mediator, device_id=device.pk, to_state=DeviceState.REFURBISHING)
        if device.kind == DeviceKind.LAPTOP:
            services.add_part(
                actor=mediator,
                device_id=device.pk,
                kind=PartKind.STORAGE,
                description="SSD 240 Go",
                unit_cost=Decimal("30.00"),
                minutes_spent=25,
            )
            if index % 3 == 0:
                services.add_part(
                    actor=mediator,
                    device_id=device.pk,
                    kind=PartKind.RAM,
                    description="8 Go DDR4",
                    unit_cost=Decimal("16.00"),
                )
        services.record_erasure(
            actor=mediator,
            device_id=device.pk,
            method=ErasureMethod.STORAGE_REPLACED,
            erased_on=today - timedelta(days=200),
            reference=f"PV-{index:03d}",
        )
        services.transition(
            actor=mediator,
            device_id=device.pk,
            to_state=DeviceState.READY,
            operating_system="Linux Mint 22",
            minutes_spent=45,
        )
        if given < len(referrals) and index % 2 == 0:
            referral = referrals[given]
            allocation = services.reserve(
                actor=mediator,
                device_id=device.pk,
                person_label=referral.first_name or "—",
                referral=referral,
                criteria=rng.sample(criteria, k=rng.randint(1, 2)),
            )
            given_on = today - timedelta(days=rng.randint(30, 250))
            services.hand_over(
                actor=mediator,
                allocation_id=allocation.pk,
                given_on=given_on,
                training_completed_on=given_on,
                agreement_kind=AgreementKind.GIFT,
                agreement_signed=True,
                follow_up_consent=rng.random() < 0.8,
            )
            given += 1
    for item in FollowUp.objects.filter(
        allocation__territory=ctx.department, due_on__lte=today - timedelta(days=10)
    ):
        services.record_follow_up(
            actor=mediator,
            follow_up_id=item.pk,
            still_used=rng.choice([StillUsed.YES, StillUsed.YES, StillUsed.SOMETIMES, StillUsed.NO]),
            uses=rng.sample(["procedures", "communication", "job", "leisure"], k=2),
            problem=rng.choice(
                [
                    FollowUpProblem.NONE,
                    FollowUpProblem.NONE,
                    FollowUpProblem.CONNECTION,
                    FollowUpProblem.SKILLS,
                ]
            ),
        )
