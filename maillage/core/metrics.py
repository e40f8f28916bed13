"""Registry of figures computed from data already in Maillage.

Roadmap indicators can be "computed" instead of typed: they name a metric key from this registry.
Each bounded context registers its metrics in its own ``metrics.py`` module (imported by
``autodiscover()``), so the roadmaps app never imports the others' models.

A metric is a function ``compute(territory, start, end) -> int | float`` where ``territory`` is a
``Territory`` (any level) and ``start``/``end`` are inclusive dates bounding the period measured
(a stock such as "places in the directory" is measured at ``end``).

A metric may also offer a batch form ``compute_many(territories, start, end) -> {territory pk: value}``
(``@register(..., )`` then ``@batch("key")``): one GROUP BY for a list of territories (the EPCI of a
département and the département itself) instead of one computation per territory. ``compute_many()``
below uses it when present and falls back to ``compute`` per territory otherwise; both must give the
same values (``tests/roadmaps/test_metrics_batch.py`` checks every batch form against its single form).

Metrics read from the same rows (the activity reports: accompaniments, workshops, themed counts…) may
also share a family form ``(keys, territories, start, end) -> {key: {territory pk: value}}``
(``@family("key", "other.key", …)``): one scan of the rows for all the metrics of the family a page
asks for, instead of one scan per metric. ``compute_table()`` below uses it; it must give the batch
forms' values (same test module).
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.apps import apps
from django.utils.functional import Promise

StrOrPromise = str | Promise
MetricFunction = Callable[[Any, date, date], int | float]
Value = int | float | None  # None: unknown (never shown as 0)
BatchFunction = Callable[[Sequence[Any], date, date], dict[int, Value]]
FamilyFunction = Callable[[Sequence[str], Sequence[Any], date, date], dict[str, dict[int, Value]]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    compute: MetricFunction
    app_label: str
    compute_many: BatchFunction | None = None
    compute_family: FamilyFunction | None = None


_REGISTRY: dict[str, Metric] = {}
_discovered = False


def register(
    key: str, *, label: StrOrPromise, unit: StrOrPromise = ""
) -> Callable[[MetricFunction], MetricFunction]:
    """Decorator: ``@register("places.count", label=_("Lieux référencés"), unit="lieux")``."""

    def decorator(func: MetricFunction) -> MetricFunction:
        app_label = func.__module__.split(".")[1] if func.__module__.startswith("maillage.") else ""
        _REGISTRY[key] = Metric(key=key, label=str(label), unit=str(unit), compute=func, app_label=app_label)
        return func

    return decorator


def batch(key: str) -> Callable[[BatchFunction], BatchFunction]:
    """Decorator adding the batch form of the metric registered under ``key`` (register it first)."""

    def decorator(func: BatchFunction) -> BatchFunction:
        _REGISTRY[key] = replace(_REGISTRY[key], compute_many=func)
        return func

    return decorator


def family(*keys: str) -> Callable[[FamilyFunction], FamilyFunction]:
    """Decorator adding a family form shared by the metrics registered under ``keys`` (register them
    first): ``func(keys, territories, start, end)`` answers the keys asked, a subset of ``keys``."""

    def decorator(func: FamilyFunction) -> FamilyFunction:
        for key in keys:
            _REGISTRY[key] = replace(_REGISTRY[key], compute_family=func)
        return func

    return decorator


def autodiscover() -> None:
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("maillage."):
            try:
                importlib.import_module(f"{config.name}.metrics")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.metrics":
                    raise
    _discovered = True


def all_metrics() -> list[Metric]:
    autodiscover()
    return sorted(_REGISTRY.values(), key=lambda m: m.key)


def get_metric(key: str) -> Metric | None:
    autodiscover()
    return _REGISTRY.get(key)


def compute_metric(key: str, territory: Any, start: date, end: date) -> int | float | None:
    metric = get_metric(key)
    return None if metric is None else metric.compute(territory, start, end)


def compute_many(key: str, territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    """``{territory pk: value}`` for every territory given: the metric's batch form when it has one
    (one query per territory level, whatever the number of territories), else one call per territory.
    An unknown key gives ``None`` (unknown) for every territory."""
    metric = get_metric(key)
    if metric is None:
        return {t.pk: None for t in territories}
    if metric.compute_many is not None:
        values = metric.compute_many(territories, start, end)
        return {t.pk: values.get(t.pk) for t in territories}
    return {t.pk: metric.compute(t, start, end) for t in territories}


def compute_table(
    keys: Sequence[str], territories: Sequence[Any], start: date, end: date
) -> dict[str, dict[int, Value]]:
    """``{key: {territory pk: value}}`` for several metrics over the same territories and period: one
    call per family for the metrics that share one (one scan of their rows), ``compute_many`` for the
    others. Unknown keys give ``None`` for every territory, as ``compute_many`` does."""
    out: dict[str, dict[int, Value]] = {}
    families: dict[FamilyFunction, list[str]] = {}
    for key in dict.fromkeys(keys):
        metric = get_metric(key)
        if metric is not None and metric.compute_family is not None:
            families.setdefault(metric.compute_family, []).append(key)
        else:
            out[key] = compute_many(key, territories, start, end)
    for func, members in families.items():
        values = func(members, territories, start, end)
        for key in members:
            out[key] = {t.pk: values[key].get(t.pk) for t in territories}
    return {key: out[key] for key in dict.fromkeys(keys)}


# Where a row's commune is, by territory level: ``<prefix>id`` is the commune itself.
COMMUNE_COLUMNS = {"commune": "id", "epci": "epci_id", "department": "department_id", "region": "region_id"}


def by_level(territories: Sequence[Any]) -> dict[str, list[int]]:
    """Territory pks grouped by level (``commune``, ``epci``, ``department``, ``region``)."""
    out: dict[str, list[int]] = defaultdict(list)
    for territory in territories:
        out[str(territory.kind)].append(territory.pk)
    return dict(out)


def grouped(
    queryset: Any,
    territories: Sequence[Any],
    aggregates: dict[str, Any],
    *,
    commune_prefix: str = "commune__",
    columns: dict[str, str] | None = None,
) -> dict[int, dict[str, Any]]:
    """``{territory pk: {aggregate: value}}`` from one ``GROUP BY`` per territory level present.

    Rows are placed by their commune (``<commune_prefix>epci_id``…) unless ``columns`` names a
    denormalised column for a level (``{"department": "department_id"}``). Territories without rows are
    absent from the answer (the caller decides whether that is 0 or unknown)."""
    out: dict[int, dict[str, Any]] = {}
    for level, pks in by_level(territories).items():
        column = (columns or {}).get(level) or f"{commune_prefix}{COMMUNE_COLUMNS[level]}"
        rows = queryset.filter(**{f"{column}__in": pks}).order_by().values(column).annotate(**aggregates)
        for row in rows:
            out[row.pop(column)] = row
    return out
