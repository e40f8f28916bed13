"""Observatory figures for computed roadmap indicators (measured now: distances and places are a stock
computed by ``maillage compute-observatory``; ``start``/``end`` do not apply)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import Value, family, register
from maillage.observatory.selectors import build_report


def _summary(territory: Any) -> Any:
    return build_report(territory, children=False).summary


@register(  # type: ignore[arg-type]  # None: unknown (see core.metrics.compute_metric)
    "observatory.population_near_place", label=_("Part de la population à moins de 10 km d'un lieu"), unit="%"
)
def population_near_place(territory: Any, start: date, end: date) -> float | None:
    return _summary(territory).near_share  # None when distances were never computed: unknown, not 0


@register(
    "observatory.fragile_far_communes",
    label=_("Communes fragiles et éloignées de tout lieu"),
    unit=_("communes"),
)
def fragile_far_communes(territory: Any, start: date, end: date) -> int:
    return int(_summary(territory).fragile_far)


@register(  # type: ignore[arg-type]
    "observatory.places_per_10k",
    label=_("Lieux de médiation numérique pour 10 000 habitants"),
    unit=_("lieux pour 10 000 hab."),
)
def places_per_10k(territory: Any, start: date, end: date) -> float | None:
    return _summary(territory).places_per_10k["mediation"]


@register(  # type: ignore[arg-type]
    "observatory.france_services_per_10k",
    label=_("France Services pour 10 000 habitants"),
    unit=_("lieux pour 10 000 hab."),
)
def france_services_per_10k(territory: Any, start: date, end: date) -> float | None:
    return _summary(territory).places_per_10k["france_services"]


# The family form: the four figures come from the same summary of the territory; a page asking for
# several of them builds it once per territory, not once per figure (``tests/observatory`` keeps it
# equal to the single forms).
_FROM_SUMMARY: dict[str, Callable[[Any], Value]] = {
    "observatory.population_near_place": lambda s: s.near_share,
    "observatory.fragile_far_communes": lambda s: int(s.fragile_far),
    "observatory.places_per_10k": lambda s: s.places_per_10k["mediation"],
    "observatory.france_services_per_10k": lambda s: s.places_per_10k["france_services"],
}


@family(*_FROM_SUMMARY)
def summary_figures(
    keys: Sequence[str], territories: Sequence[Any], start: date, end: date
) -> dict[str, dict[int, Value]]:
    out: dict[str, dict[int, Value]] = {key: {} for key in keys}
    for territory in territories:
        summary = _summary(territory)
        for key in keys:
            out[key][territory.pk] = _FROM_SUMMARY[key](summary)
    return out
