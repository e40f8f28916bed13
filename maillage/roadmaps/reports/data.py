"""Everything the yearly report shows, computed once for both renderers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from maillage.roadmaps import reporting
from maillage.roadmaps.models import Action, ActionStatus, ActionUpdate, BudgetLine, Roadmap


@dataclass
class ActionSheet:
    action: Action
    leads: list[str]
    partners: list[str]
    indicators: list[reporting.IndicatorStatus]
    budget_lines: list[BudgetLine]
    budget: reporting.BudgetSummary
    updates: list[ActionUpdate]
    milestones: list[Any]


@dataclass
class Report:
    roadmap: Roadmap
    year: int
    generated_on: date
    status_counts: list[tuple[str, int]]
    mean_progress: float
    budget: reporting.BudgetSummary
    sheets: list[ActionSheet] = field(default_factory=list)
    governance: list[reporting.BodyActivity] = field(default_factory=list)
    versions: list[Any] = field(default_factory=list)
    indicators_met: int = 0
    indicators_with_target: int = 0

    @property
    def title(self) -> str:
        return f"Bilan {self.year} — {self.roadmap.title}"


def build_report(roadmap: Roadmap, year: int, *, today: date | None = None) -> Report:
    today = today or timezone.localdate()
    end = min(date(year, 12, 31), today) if year <= today.year else date(year, 12, 31)
    indicators = reporting.indicator_queryset()
    updates = (
        ActionUpdate.objects.filter(created_at__year=year).select_related("author").order_by("created_at")
    )
    actions = list(
        Action.objects.filter(roadmap=roadmap)
        .select_related("axis", "objective", "introduced_by")
        .prefetch_related(
            "lead_organisations",
            "partners",
            "milestones",
            Prefetch("indicators", queryset=indicators),
            Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("funder")),
            Prefetch("updates", queryset=updates),
        )
    )
    years = [y for y in reporting.roadmap_years(roadmap) if y <= year]
    sheets = []
    all_lines = []
    met = with_target = 0
    for action in actions:
        statuses = []
        for indicator in action.indicators.all():
            # only measurements up to the end of the reported year
            indicator._prefetched_objects_cache["measurements"] = [  # type: ignore[attr-defined]
                m for m in indicator.measurements.all() if m.period_start <= end
            ]
            status = reporting.indicator_status(indicator, roadmap.territory, years, end)
            statuses.append(status)
            if status.percent is not None:
                with_target += 1
                met += status.percent >= 100
        lines = [b for b in action.budget_lines.all() if b.year in (None, year)]
        all_lines.extend(lines)
        sheets.append(
            ActionSheet(
                action=action,
                leads=sorted(o.name for o in action.lead_organisations.all()),
                partners=sorted(o.name for o in action.partners.all()),
                indicators=statuses,
                budget_lines=lines,
                budget=reporting.budget_summary(lines),
                updates=list(action.updates.all()),
                milestones=[m for m in action.milestones.all() if m.due_on.year == year],
            )
        )
    counts = Counter(a.status for a in actions)
    return Report(
        roadmap=roadmap,
        year=year,
        generated_on=today,
        status_counts=[(str(ActionStatus(s).label), counts.get(s, 0)) for s in ActionStatus.values],
        mean_progress=round(sum(a.progress for a in actions) / len(actions), 1) if actions else 0.0,
        budget=reporting.budget_summary(all_lines),
        sheets=sheets,
        governance=reporting.attendance_by_body(roadmap, year=year),
        versions=[v for v in roadmap.versions.all() if v.decided_on.year <= year],
        indicators_met=met,
        indicators_with_target=with_target,
    )
