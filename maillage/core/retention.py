"""Retention of personal data: each bounded context provides ``maillage.<app>.retention.purge``.

``purge(*, now: datetime, dry_run: bool) -> dict[str, int]`` anonymises what has expired and returns
counts by kind of record. The ``maillage purge`` command runs them all (a scheduler runs it daily).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime

from django.apps import apps

Purger = Callable[..., dict[str, int]]


def purgers() -> list[tuple[str, Purger]]:
    found: list[tuple[str, Purger]] = []
    for config in apps.get_app_configs():
        if config.name == __package__:
            # maillage.core.retention is this framework; the core's own purge is its housekeeping.
            from maillage.core import housekeeping

            found.append((config.label, housekeeping.purge))
            continue
        if not config.name.startswith("maillage."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.retention")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.retention":
                raise
            continue
        found.append((config.label, module.purge))
    return found


def purge_all(*, now: datetime, dry_run: bool = False) -> dict[str, dict[str, int]]:
    return {label: purge(now=now, dry_run=dry_run) for label, purge in purgers()}
