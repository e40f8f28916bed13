"""Digital fragility indices (method: docs/observatory.md and ../shared/standards/fragility.md).

IFN-compatible index (La MedNum / ANCT):

- five raw rates per commune, higher = more fragile: non-coverage by ≥ 30 Mbit/s fixed broadband, non-
  coverage by 4G, poverty rate, share of people aged 65+, share of non-students aged 15+ with no or a low
  diploma;
- each rate → a score 1–10 by deciles over every commune holding that rate (``1 + min(9, ⌊10 ·
  percent_rank⌋)``, ties share the lowest rank, so they get the same score);
- commune IFN = mean of its available scores when at least ``OBSERVATORY_IFN_MIN_SCORES`` (3) are
  available, else missing; nothing is imputed;
- EPCI / département = per score, the population-weighted mean over its communes holding it, then the
  mean of those (the MedNum files are reproduced this way, see the tests);
- 7 display classes ``⌊(IFN − 1) · 7 / 10⌋``.

Compas-inspired « indice de rupture » (labelled approximation): five rates (65+ share as a stated proxy
for age, low education, no job among the 15–64, CAF minima sociaux per household, immigrants), each
compared with the reference value of all loaded communes (r = rate / reference) and noted 1–5 with the
thresholds of ``OBSERVATORY_COMPAS_THRESHOLDS``; total /25 when the five notes are known.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

IFN_KEYS = ("no_thd", "no_4g", "poverty", "older", "education")
IFN_LABELS = {
    "no_thd": _("Taux de non-couverture Très-Haut-Débit"),
    "no_4g": _("Taux de non-couverture 4G"),
    "poverty": _("Taux de pauvreté"),
    "older": _("Part des 65 ans et plus"),
    "education": _("Part des pas ou peu diplômés"),
}
COMPAS_KEYS = ("age", "education", "no_job", "minima", "immigration")
COMPAS_LABELS = {
    "age": _("Part des 65 ans et plus (approximation de l'âge)"),
    "education": _("Part des pas ou peu diplômés"),
    "no_job": _("Part des 15–64 ans sans emploi"),
    "minima": _("Foyers allocataires du RSA ou de l'AAH par ménage"),
    "immigration": _("Part des personnes immigrées"),
}
CLASS_COUNT = 7


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _ratio(numerator: float | None, denominator: float | None, scale: float = 100.0) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return scale * numerator / denominator


def low_education_count(values: Mapping[str, float | None]) -> float | None:
    low = values.get("nscol15p_diplmin")
    if low is None:
        return None
    if setting("OBSERVATORY_LOW_EDUCATION_INCLUDES_BEPC", True):
        bepc = values.get("nscol15p_bepc")
        if bepc is None:
            return None
        return low + bepc
    return low


def ifn_rates(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """The five fragility-oriented rates (%) of one commune from its raw indicators (None = unknown)."""
    premises, thd = values.get("premises"), values.get("premises_thd30")
    no_thd = None if thd is None else _ratio(max(premises - thd, 0.0), premises) if premises else None
    share_4g = values.get("mobile_4g_share")
    return {
        "no_thd": no_thd,
        "no_4g": None if share_4g is None else max(0.0, 100.0 - share_4g),
        "poverty": values.get("poverty_rate"),
        "older": _ratio(values.get("pop65p"), values.get("population_rp")),
        "education": _ratio(low_education_count(values), values.get("nscol15p")),
    }


def decile_scores(rates: Mapping[int, float | None]) -> dict[int, int]:
    """{id: 1–10} by national deciles of ``rates`` (ids with a None rate get no score)."""
    known = sorted((value, key) for key, value in rates.items() if value is not None)
    n = len(known)
    scores: dict[int, int] = {}
    if n == 0:
        return scores
    rank = 0
    previous: float | None = None
    for position, (value, key) in enumerate(known):
        if value != previous:
            rank = position
            previous = value
        percent_rank = rank / (n - 1) if n > 1 else 0.0
        scores[key] = 1 + min(9, math.floor(10 * percent_rank))
    return scores


def mean_if_enough(scores: Mapping[str, float | None], minimum: int) -> tuple[float | None, int]:
    known = [v for v in scores.values() if v is not None]
    if len(known) < minimum or not known:
        return None, len(known)
    return sum(known) / len(known), len(known)


def ifn_class(total: float | None) -> int | None:
    """Display class 0–6 (``⌊(IFN − 1) · 7 / 10⌋``), None when the index is missing."""
    if total is None:
        return None
    return max(0, min(CLASS_COUNT - 1, math.floor((total - 1) * CLASS_COUNT / 10)))


def weighted_scores(
    members: Iterable[tuple[Mapping[str, float | None], int | None]], keys: Iterable[str]
) -> dict[str, float | None]:
    """Per key, the population-weighted mean of the members' scores (members without the key skipped)."""
    sums: dict[str, float] = defaultdict(float)
    weights: dict[str, float] = defaultdict(float)
    for scores, population in members:
        weight = float(population or 0)
        if weight <= 0:
            continue
        for key in keys:
            value = scores.get(key)
            if value is not None:
                sums[key] += value * weight
                weights[key] += weight
    return {key: (sums[key] / weights[key] if weights[key] else None) for key in keys}


def compas_rates(values: Mapping[str, float | None]) -> dict[str, tuple[float | None, float | None]]:
    """(numerator, denominator) per Compas-like indicator, so that references are ratios of sums."""
    rsa, aah = values.get("rsa_households"), values.get("aah_households")
    minima = None if rsa is None or aah is None else rsa + aah
    pop1564, occupied = values.get("pop1564"), values.get("actocc1564")
    return {
        "age": (values.get("pop65p"), values.get("population_rp")),
        "education": (low_education_count(values), values.get("nscol15p")),
        "no_job": (None if pop1564 is None or occupied is None else pop1564 - occupied, pop1564),
        "minima": (minima, values.get("households")),
        "immigration": (values.get("pop_imm"), values.get("population_rp")),
    }


def compas_note(ratio: float, thresholds: tuple[float, float, float, float]) -> int:
    low, below, above, high = thresholds
    if ratio < low:
        return 1
    if ratio < below:
        return 2
    if ratio <= above:
        return 3
    if ratio <= high:
        return 4
    return 5


def spearman(pairs: list[tuple[float, float]]) -> float | None:
    """Spearman rank correlation (average ranks for ties); None under 3 pairs or without variance."""
    if len(pairs) < 3:
        return None

    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            average = (i + j) / 2 + 1
            for k in range(i, j + 1):
                result[order[k]] = average
            i = j + 1
        return result

    xs = ranks([p[0] for p in pairs])
    ys = ranks([p[1] for p in pairs])
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    if vx == 0 or vy == 0:
        return None
    return cov / math.sqrt(vx * vy)
