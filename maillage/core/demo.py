"""The demo context shared by every app's ``demo.seed(ctx)``: fictitious people on real territories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "demo-maillage-2026"  # noqa: S105 — printed by `make demo`, demo data only
DEMO_DEPARTMENT_CODE = "46"  # the Lot: Lot Numérique's roadmap is one of our seeds
DEMO_APPS = (
    "accounts",
    "places",
    "roadmaps",
    "activities",
    "pathways",
    "equipment",
    "observatory",
    "funding",
    "training",
    "events",
)


@dataclass
class DemoContext:
    department: Any
    users: dict[str, Any] = field(default_factory=dict)  # by role: coordinator, mediator, …
    organisations: dict[str, Any] = field(default_factory=dict)  # by short key
    places: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
