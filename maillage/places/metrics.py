"""Directory figures that roadmap indicators can use (« nombre de lieux référencés »…).

Stocks are measured at the end of the period: places and people recorded on or before ``end``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import COMMUNE_COLUMNS, Value, batch, by_level, grouped, register
from maillage.places.choices import NationalProgramme
from maillage.places.models import Mediator, Place
from maillage.territories.models import Territory


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def _places(territory: Any, end: date):  # type: ignore[no-untyped-def]
    return (
        Place.objects.published()
        .filter(merged_into__isnull=True, created_at__lte=_end_of(end))
        .in_territory(territory)
    )


def _mediators(territory: Any, end: date):  # type: ignore[no-untyped-def]
    inside = Territory.communes_q([territory], prefix="places__commune__")
    attached = Q(territory=territory) | Territory.communes_q([territory], prefix="territory__")
    return (
        Mediator.objects.filter(is_active=True, created_at__lte=_end_of(end))
        .filter(inside | attached)
        .distinct()
    )


def _published(end: date):  # type: ignore[no-untyped-def]
    return Place.objects.published().filter(merged_into__isnull=True, created_at__lte=_end_of(end))


def _count_many(territories: Sequence[Any], places: Any) -> dict[int, Value]:
    rows = grouped(places, territories, {"n": Count("id")})
    return {t.pk: int(rows.get(t.pk, {}).get("n") or 0) for t in territories}


def _mediators_many(territories: Sequence[Any], end: date, **filters: Any) -> dict[int, Value]:
    """Mediators working at a place inside each territory or attached to it (the single form's two
    paths), counted once per territory: three small queries per territory level."""
    base = Mediator.objects.filter(is_active=True, created_at__lte=_end_of(end), **filters)
    pairs: set[tuple[int, int]] = set()
    for level, pks in by_level(territories).items():
        column = COMMUNE_COLUMNS[level]
        for path in (f"places__commune__{column}", f"territory__{column}", "territory_id"):
            pairs.update(base.filter(**{f"{path}__in": pks}).values_list("pk", path).distinct())
    counts = Counter(territory for _mediator, territory in pairs)
    return {t.pk: counts.get(t.pk, 0) for t in territories}


@register("places.count", label=_("Lieux d'inclusion numérique référencés"), unit=_("lieux"))
def places_count(territory: Any, start: date, end: date) -> int:
    return _places(territory, end).count()


@batch("places.count")
def places_count_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _count_many(territories, _published(end))


@register("places.france_services", label=_("Lieux labellisés France Services"), unit=_("lieux"))
def france_services_count(territory: Any, start: date, end: date) -> int:
    return (
        _places(territory, end).with_value("national_programmes", NationalProgramme.FRANCE_SERVICES).count()
    )


@batch("places.france_services")
def france_services_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    places = _published(end).with_value("national_programmes", NationalProgramme.FRANCE_SERVICES)
    return _count_many(territories, places)


@register("places.verified_recently", label=_("Lieux vérifiés depuis moins de 6 mois"), unit=_("lieux"))
def places_verified_recently(territory: Any, start: date, end: date) -> int:
    since = _end_of(end) - timedelta(days=183)
    return _places(territory, end).filter(verified_at__gte=since).count()


@batch("places.verified_recently")
def places_verified_recently_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    since = _end_of(end) - timedelta(days=183)
    return _count_many(territories, _published(end).filter(verified_at__gte=since))


@register("places.mediators", label=_("Médiateur·rices et aidant·es recensé·es"), unit=_("personnes"))
def mediators_count(territory: Any, start: date, end: date) -> int:
    return _mediators(territory, end).count()


@batch("places.mediators")
def mediators_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _mediators_many(territories, end)


@register("places.aidants_connect", label=_("Aidant·es habilité·es Aidants Connect"), unit=_("personnes"))
def aidants_connect_count(territory: Any, start: date, end: date) -> int:
    return _mediators(territory, end).filter(aidants_connect_habilitated=True).count()


@batch("places.aidants_connect")
def aidants_connect_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _mediators_many(territories, end, aidants_connect_habilitated=True)


def _freshness_rate(territory: Any, start: date, end: date) -> float | None:
    """Share (%) of the published places verified in the 6 months before ``end``; unknown (None)
    when the territory has no place."""
    places = _places(territory, end)
    total = places.count()
    if not total:
        return None
    since = _end_of(end) - timedelta(days=183)
    fresh = places.filter(verified_at__gte=since, verified_at__lte=_end_of(end)).count()
    return round(100.0 * fresh / total, 1)


register(
    "places.freshness_rate",
    label=_("Taux de fraîcheur de l'annuaire (lieux vérifiés depuis moins de 6 mois)"),
    unit="%",
)(_freshness_rate)  # type: ignore[arg-type]  # None: no place, the rate is unknown (never 0 %)


@batch("places.freshness_rate")
def freshness_rate_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    since = _end_of(end) - timedelta(days=183)
    fresh = Q(verified_at__gte=since, verified_at__lte=_end_of(end))
    rows = grouped(_published(end), territories, {"n": Count("id"), "fresh": Count("id", filter=fresh)})
    out: dict[int, Value] = {}
    for t in territories:
        row = rows.get(t.pk)
        out[t.pk] = round(100.0 * row["fresh"] / row["n"], 1) if row and row["n"] else None
    return out


@register(
    "places.verified_in_period",
    label=_("Lieux de l'annuaire dont la dernière vérification tombe dans la période"),
    unit=_("lieux"),
)
def places_verified_in_period(territory: Any, start: date, end: date) -> int:
    low = timezone.make_aware(datetime.combine(start, time.min))
    return _places(territory, end).filter(verified_at__gte=low, verified_at__lte=_end_of(end)).count()


@batch("places.verified_in_period")
def places_verified_in_period_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    low = timezone.make_aware(datetime.combine(start, time.min))
    return _count_many(
        territories, _published(end).filter(verified_at__gte=low, verified_at__lte=_end_of(end))
    )
