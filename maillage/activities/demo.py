"""Demo activity: a few hundred fictitious activity reports over the last 12 months in the Lot.

Twelve mediators (the demo mediator and eleven fictitious colleagues), deterministic (fixed seed),
idempotent (activity ids ``demo-…``: existing ones are skipped).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from maillage.accounts.models import Membership, Role, User
from maillage.activities import importer
from maillage.activities.choices import (
    AgeBand,
    Autonomy,
    Device,
    Gender,
    Orientation,
    Procedure,
    SocialStatus,
    Theme,
    WorkshopLevel,
)
from maillage.activities.models import (
    Accompaniment,
    Activity,
    ActivitySource,
    Beneficiary,
    CoordinationActivity,
    ParticipantCount,
)
from maillage.core.demo import DEMO_PASSWORD, DemoContext
from maillage.territories.models import Territory

FIRST_NAMES = ["Léa", "Hugo", "Manon", "Louis", "Chloé", "Jules", "Emma", "Lucas", "Sarah", "Nathan", "Zoé"]
LAST_NAMES = [
    "Albouy",
    "Bex",
    "Cazals",
    "Delpech",
    "Espinasse",
    "Fabre",
    "Gineste",
    "Lacoste",
    "Maury",
    "Pélissié",
    "Vayssié",
]
WORKSHOPS = [
    "Premiers pas sur tablette",
    "Arnaques en ligne",
    "France Connect",
    "Mes démarches CAF",
    "Photos et smartphone",
]
ACTIVITIES_PER_MEDIATOR = 30


def _mediators(ctx: DemoContext) -> list[User]:
    mediators = [ctx.users["mediator"]] if "mediator" in ctx.users else []
    organisations = [o for k, o in ctx.organisations.items() if k in ("mediation", "france_services")]
    for index, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True)):
        email = f"mediateur-{index + 1:02d}@demo.maillage.fr"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
            )
        if organisations:
            Membership.objects.get_or_create(
                user=user,
                organisation=organisations[index % len(organisations)],
                territory=ctx.department,
                role=Role.MEDIATOR,
            )
        mediators.append(user)
    return mediators


def _weighted(rng: random.Random, values: list[str], weights: list[int]) -> str:
    return rng.choices(values, weights=weights, k=1)[0]


@transaction.atomic
def seed(ctx: DemoContext) -> None:
    rng = random.Random(46)
    today = timezone.localdate()
    mediators = _mediators(ctx)
    communes = list(Territory.objects.communes().filter(department=ctx.department).order_by("code")[:80])
    places = [p for p in ctx.places if getattr(p, "commune_id", None)]
    existing = set(Activity.objects.filter(coop_id__startswith="demo-").values_list("coop_id", flat=True))
    records = []
    themes = list(Theme.values)
    for m_index, mediator in enumerate(mediators):
        structure = next(
            (m.organisation for m in mediator.memberships.all() if m.role == Role.MEDIATOR), None
        )
        home_places = places[m_index % len(places) :: max(1, len(places) // 3)][:2] if places else []
        for n in range(ACTIVITIES_PER_MEDIATOR):
            coop_id = f"demo-{m_index:02d}-{n:03d}"
            collective = rng.random() < 0.15
            day = today - timedelta(days=rng.randrange(0, 365))
            place_type = _weighted(rng, ["lieu_activite", "domicile", "a_distance", "autre"], [70, 12, 10, 8])
            place = rng.choice(home_places) if place_type == "lieu_activite" and home_places else None
            if place_type == "lieu_activite" and place is None:
                place_type = "autre"
            commune = place.commune if place else (rng.choice(communes) if communes else None)
            chosen = rng.sample(themes, k=rng.choice([1, 1, 2, 3]))
            procedures = []
            if Theme.ADMINISTRATIVE in chosen or rng.random() < 0.3:
                chosen = list(dict.fromkeys([*chosen, Theme.ADMINISTRATIVE]))
                procedures = rng.sample(list(Procedure.values), k=rng.choice([1, 1, 2]))
            activity = Activity(
                kind="collectif" if collective else "individuel",
                mediator=mediator,
                structure=structure,
                date=day,
                duration_minutes=rng.choice([90, 120, 120, 180])
                if collective
                else rng.choice([15, 30, 30, 45, 45, 60, 90]),
                place_type=place_type,
                place=place,
                commune=commune,
                themes=[str(t) for t in chosen],
                procedures=[str(p) for p in procedures],
                devices=rng.sample(list(Device.values[:3]), k=rng.choice([0, 1, 1, 2])),
                autonomy="" if collective else rng.choice(list(Autonomy.values)),
                oriented=None if collective else rng.random() < 0.2,
                workshop_title=rng.choice(WORKSHOPS) if collective else "",
                workshop_level=rng.choice(list(WorkshopLevel.values)) if collective else "",
                tags=["demo"] if rng.random() < 0.1 else [],
                coop_id=coop_id,
            )
            if activity.oriented:
                activity.orientation = rng.choice(list(Orientation.values))
            record = importer.Record(0, activity)
            if collective:
                total = rng.randint(3, 12)
                activity.participants_count = activity.anonymous_count = total
                women = rng.randint(0, total)
                counts = {
                    "gender": {"feminin": women, "masculin": total - women},
                    "age_band": {
                        "soixante_dix_plus": total // 2,
                        "soixante_soixante_neuf": total - total // 2,
                    },
                    "social_status": {"retraite": total // 2, "non_communique": total - total // 2},
                }
                record.counts = [
                    ParticipantCount(dimension=d, value=v, count=c)
                    for d, values in counts.items()
                    for v, c in values.items()
                    if c
                ]
            else:
                activity.participants_count = activity.anonymous_count = 1
                record.accompaniments = [
                    Accompaniment(
                        age_band=_weighted(rng, list(AgeBand.values), [1, 2, 5, 12, 20, 22, 30, 8]),
                        gender=_weighted(rng, list(Gender.values), [40, 55, 5]),
                        social_status=_weighted(rng, list(SocialStatus.values), [4, 20, 25, 40, 11]),
                        residence_commune=commune if place_type == "domicile" else None,
                    )
                ]
            importer.locate(activity, ctx.department)
            if coop_id not in existing:
                records.append(record)
    importer.bulk_load(records, source=ActivitySource.FORM, now=timezone.now())

    demo_mediator = ctx.users.get("mediator")
    if demo_mediator is not None and not Beneficiary.objects.filter(mediator=demo_mediator).exists():
        for first, last in (("Germaine", "Roques (démo)"), ("Marcel", "Couderc (démo)")):
            Beneficiary.objects.create(
                mediator=demo_mediator,
                first_name=first,
                last_name=last,
                age_band="soixante_dix_plus",
                gender="feminin" if first == "Germaine" else "masculin",
                social_status="retraite",
                informed_at=timezone.now(),
            )
    coordinator = ctx.users.get("coordinator")
    if coordinator is not None and not CoordinationActivity.objects.filter(coordinator=coordinator).exists():
        CoordinationActivity.objects.create(
            coordinator=coordinator,
            territory=ctx.department,
            kind="evenement",
            date=today - timedelta(days=40),
            duration_minutes=300,
            name="NEC local du Lot (démo)",
            territorial_level="departemental",
            event_type="nec_local",
            mediators_count=9,
            structures_count=6,
            participants_count=140,
        )
        CoordinationActivity.objects.create(
            coordinator=coordinator,
            territory=ctx.department,
            kind="animation",
            date=today - timedelta(days=12),
            duration_minutes=120,
            name="Réunion du réseau des médiateurs (démo)",
            territorial_level="departemental",
            meeting_type="reunion_coordination",
            mediators_count=12,
            structures_count=8,
        )
