"""Helpers to record activities in tests through the real services."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from maillage.activities import rollup, services
from maillage.activities.choices import ActivityKind, PlaceType
from maillage.activities.models import Activity, Beneficiary


def individual(
    mediator, commune, *, day=None, themes=("email",), person=None, beneficiary=None, **extra
) -> Activity:
    data = services.ActivityData(
        kind=ActivityKind.INDIVIDUAL,
        date=day or date(2026, 3, 10),
        duration_minutes=extra.pop("duration_minutes", 45),
        place_type=extra.pop("place_type", PlaceType.OTHER),
        commune=commune,
        themes=list(themes),
        person=person
        or services.Person(age_band="soixante_dix_plus", gender="feminin", social_status="retraite"),
        beneficiary=beneficiary,
        **extra,
    )
    return services.record_activity(actor=mediator, mediator=mediator, data=data)


def workshop(mediator, commune, *, day=None, anonymous=8, counts=None, followed=(), **extra) -> Activity:
    data = services.ActivityData(
        kind=ActivityKind.COLLECTIVE,
        date=day or date(2026, 3, 12),
        duration_minutes=extra.pop("duration_minutes", 120),
        place_type=extra.pop("place_type", PlaceType.OTHER),
        commune=commune,
        themes=list(extra.pop("themes", ("securite_numerique",))),
        workshop_title=extra.pop("workshop_title", "Arnaques en ligne"),
        workshop_level=extra.pop("workshop_level", "debutant"),
        participants=services.Participants(
            anonymous=anonymous,
            counts=counts
            if counts is not None
            else {"gender": {"feminin": 5, "masculin": 2}, "age_band": {"soixante_dix_plus": 6}},
            followed=list(followed),
        ),
        **extra,
    )
    return services.record_activity(actor=mediator, mediator=mediator, data=data)


def followed(mediator, **values) -> Beneficiary:
    defaults = {
        "first_name": "Zéphyrine",  # never produced by Faker: asserting its absence is meaningful
        "last_name": "Martin",
        "age_band": "soixante_soixante_neuf",
        "gender": "feminin",
        "social_status": "retraite",
        "informed_at": timezone.now(),
    }
    defaults.update(values)
    return services.create_beneficiary(actor=mediator, mediator=mediator, values=defaults)


def subtract_everything_as_staged(cursor, prefix: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: copy the three raw tables into temporary tables named ``prefix``_act/_acc/_cnt,
    shaped like an import's staged tables, and subtract their contributions from the rollups
    (``rollup.add_from_tables(…, sign=-1)``): every weight should come back to zero."""
    names = (f"{prefix}_act", f"{prefix}_acc", f"{prefix}_cnt")
    sources = ("activities_activity", "activities_accompaniment", "activities_participantcount")
    for name, source in zip(names, sources, strict=True):
        cursor.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {source}")  # noqa: S608 — constants
    rollup.add_from_tables(cursor, *names, sign=-1)
