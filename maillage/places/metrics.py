"""Directory figures that roadmap indicators can use (« nombre de lieux référencés »…).

Stocks are measured at the end of the period: places and people recorded on or before ``end``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import register
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


@register("places.count", label=_("Lieux d'inclusion numérique référencés"), unit=_("lieux"))
def places_count(territory: Any, start: date, end: date) -> int:
    return _places(territory, end).count()


@register("places.france_services", label=_("Lieux labellisés France Services"), unit=_("lieux"))
def france_services_count(territory: Any, start: date, end: date) -> int:
    return (
        _places(territory, end).with_value("national_programmes", NationalProgramme.FRANCE_SERVICES).count()
    )


@register("places.verified_recently", label=_("Lieux vérifiés depuis moins de 6 mois"), unit=_("lieux"))
def places_verified_recently(territory: Any, start: date, end: date) -> int:
    since = _end_of(end) - timedelta(days=183)
    return _places(territory, end).filter(verified_at__gte=since).count()


@register("places.mediators", label=_("Médiateur·rices et aidant·es recensé·es"), unit=_("personnes"))
def mediators_count(territory: Any, start: date, end: date) -> int:
    return _mediators(territory, end).count()


@register("places.aidants_connect", label=_("Aidant·es habilité·es Aidants Connect"), unit=_("personnes"))
def aidants_connect_count(territory: Any, start: date, end: date) -> int:
    return _mediators(territory, end).filter(aidants_connect_habilitated=True).count()


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
