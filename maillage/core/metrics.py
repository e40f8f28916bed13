"""Registry of figures computed from data already in Maillage.

Roadmap indicators can be "computed" instead of typed: they name a metric key from this registry.
Each bounded context registers its metrics in its own ``metrics.py`` module (imported by
``autodiscover()``), so the roadmaps app never imports the others' models.

A metric is a function ``compute(territory, start, end) -> int | float`` where ``territory`` is a
``Territory`` (any level) and ``start``/``end`` are inclusive dates bounding the period measured
(a stock such as "places in the directory" is measured at ``end``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.utils.functional import Promise

StrOrPromise = str | Promise
MetricFunction = Callable[[Any, date, date], int | float]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    compute: MetricFunction
    app_label: str


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
