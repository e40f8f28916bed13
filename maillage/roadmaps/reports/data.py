"""Everything the bilan annuel shows, computed once for the three renderers (PDF, DOCX, ODT).

Order of the document (issue 12): cover, one-page summary, the territory's figures Maillage holds (by
EPCI, through the metrics registry), per axis its actions, budget by funder with totals that add up,
governance (COPIL first), annexes. Unknown is never shown as zero nor as a default status.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from maillage.core.metrics import compute_many, compute_table, get_metric
from maillage.roadmaps import reporting
from maillage.roadmaps.models import (
    Action,
    ActionLead,
    ActionStatus,
    ActionUpdate,
    Axis,
    BudgetLine,
    FundContribution,
    KeyFigure,
    Roadmap,
)

UNKNOWN = "non renseigné"
STALE_AFTER = timedelta(days=91)
BODY_ORDER = {"copil": 0, "cotech": 1, "assemblee": 2, "college": 3, "groupe_de_travail": 4, "autre": 5}

# The territory's figures Maillage holds, by EPCI (« répartition territoriale des actions »).
# key → short column label (the registry's label is in the table's caption)
TERRITORY_METRICS = {
    "places.count": "Lieux",
    "places.verified_recently": "Lieux vérifiés < 6 mois",
    "places.mediators": "Médiateurs recensés",
    "places.aidants_connect": "Aidants Connect",
    "activities.accompaniments": "Accompagnements",
    "activities.workshops": "Ateliers",
    "activities.people": "Personnes accompagnées",
    "activities.active_mediators": "Médiateurs actifs",
    "pathways.diagnostics": "Diagnostics",
    "pathways.referrals": "Orientations",
    "pathways.take_up_rate": "Prise en charge (%)",
    "pathways.unmet_needs": "Besoins non couverts",
}


@dataclass
class Money:
    """A sum of amounts some of which may be unknown: the known total and how many were not given."""

    total: Decimal = Decimal(0)
    known: int = 0
    unknown: int = 0

    def add(self, value: Decimal | None) -> None:
        if value is None:
            self.unknown += 1
        else:
            self.total += value
            self.known += 1

    @property
    def is_known(self) -> bool:
        return self.known > 0


@dataclass
class BudgetRow:
    label: str
    planned: Money = field(default_factory=Money)
    spent: Money = field(default_factory=Money)


@dataclass
class BudgetTable:
    rows: list[BudgetRow] = field(default_factory=list)
    total: BudgetRow = field(default_factory=lambda: BudgetRow("Total"))


@dataclass
class Budget:
    """Spending (charges) by nature and by funder — both add up to the same total — and, apart, the
    revenue lines (« produits » : subsidies, own funds) by funder with their own total; FTE apart."""

    by_nature: BudgetTable = field(default_factory=BudgetTable)
    by_funder: BudgetTable = field(default_factory=BudgetTable)
    income_by_funder: BudgetTable = field(default_factory=BudgetTable)
    fte: BudgetRow = field(default_factory=lambda: BudgetRow("ETP"))
    lines: int = 0


def build_budget(lines: list[BudgetLine]) -> Budget:
    budget = Budget()
    natures: dict[str, BudgetRow] = OrderedDict()
    funders: dict[str, BudgetRow] = OrderedDict()
    income: dict[str, BudgetRow] = OrderedDict()
    for line in lines:
        budget.lines += 1
        if line.unit == "etp":
            if line.nature != "produit":
                budget.fte.planned.add(line.planned)
                budget.fte.spent.add(line.spent)
            continue
        funder = line.funder.name if line.funder else "Financeur non renseigné"
        if line.nature == "produit":
            tables = [(income, funder, budget.income_by_funder)]
        else:
            tables = [
                (natures, line.get_nature_display(), budget.by_nature),
                (funders, funder, budget.by_funder),
            ]
        for rows, key, table in tables:
            row = rows.setdefault(key, BudgetRow(key))
            for target in (row, table.total):
                target.planned.add(line.planned)
                target.spent.add(line.spent)
    budget.by_nature.rows = list(natures.values())
    budget.by_funder.rows = sorted(funders.values(), key=lambda r: (-r.planned.total, r.label))
    budget.income_by_funder.rows = sorted(income.values(), key=lambda r: (-r.planned.total, r.label))
    return budget


@dataclass
class ActionSheet:
    action: Action
    label: str
    leads: list[str]
    partners: list[str]
    status: str
    progress: str
    territories: list[str]
    indicators: list[reporting.IndicatorStatus]
    budget: Budget
    steps_done: list[str]
    steps_open: int
    milestones_met: list[Any]
    milestones_late: list[Any]
    updates: list[ActionUpdate]
    stale: bool
    lines: list[BudgetLine] = field(default_factory=list)
    sub_sheets: list[ActionSheet] = field(default_factory=list)


@dataclass
class AxisSection:
    axis: Axis
    sheets: list[ActionSheet]
    budget: Budget
    mean_progress: float | None


@dataclass
class TerritoryFigures:
    columns: list[tuple[str, str, str]]  # key, short label, full label
    rows: list[tuple[str, list[Any]]]  # territory name, values (None: metric absent)
    total: tuple[str, list[Any]] | None


@dataclass
class Report:
    roadmap: Roadmap
    year: int
    generated_on: date
    data_date: date
    terms: dict[str, str]
    carriers: list[str]
    status_counts: list[tuple[str, int]]
    mean_progress: float | None
    progress_known: int
    actions_count: int
    sub_actions_count: int
    budget: Budget
    axes: list[AxisSection]
    governance: list[reporting.BodyActivity]
    versions: list[Any]
    territory: TerritoryFigures
    diagnostic: list[KeyFigure]
    previous: list[KeyFigure]
    concertation: list[Any]
    fund: list[FundContribution]
    moved: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    indicators_met: int = 0
    indicators_with_target: int = 0
    indicators_total: int = 0
    indicators_without_target: int = 0

    @property
    def title(self) -> str:
        return f"Bilan {self.year} — {self.roadmap.title}"

    @property
    def sheets(self) -> list[ActionSheet]:
        return [s for section in self.axes for s in section.sheets]


def _status(action: Action) -> str:
    return str(action.get_status_display()) if action.status else UNKNOWN


def _leads(action: Action) -> list[str]:
    return [str(lead) for lead in sorted(action.leads.all(), key=lambda x: x.organisation.name)]


def territory_figures(roadmap: Roadmap, start: date, end: date) -> TerritoryFigures:
    """Figures of the other modules, through the metrics registry only, by EPCI of the roadmap's
    territory (the territory itself when it is an EPCI or a commune), with the whole territory's total."""
    from maillage.territories.models import Territory, TerritoryKind

    metrics = [m for m in (get_metric(k) for k in TERRITORY_METRICS) if m is not None]
    columns = [(m.key, TERRITORY_METRICS[m.key], m.label) for m in metrics]
    territory = roadmap.territory
    if territory.kind == TerritoryKind.DEPARTMENT:
        parts = list(Territory.objects.filter(kind=TerritoryKind.EPCI, department=territory).order_by("name"))
    elif territory.kind == TerritoryKind.REGION:
        parts = list(
            Territory.objects.filter(kind=TerritoryKind.DEPARTMENT, region=territory).order_by("code")
        )
    else:
        parts = []

    # one batch call per metric for all the EPCI and the whole territory (one GROUP BY per level)
    everyone = [*parts, territory]
    # metrics of the same rows (the activity reports) share one scan: compute_table
    try:
        table = compute_table([m.key for m in metrics], everyone, start, end)
    except Exception:  # noqa: BLE001 — a module's failing metric must not lose the bilan
        table = {}
        for m in metrics:
            try:
                table[m.key] = compute_many(m.key, everyone, start, end)
            except Exception:  # noqa: BLE001
                table[m.key] = {}
    by_metric = [table[m.key] for m in metrics]

    def values(t: Any) -> list[Any]:
        return [values_of.get(t.pk) for values_of in by_metric]

    rows = [(t.name, values(t)) for t in parts]
    total = (f"Total {territory.name}", values(territory))
    return TerritoryFigures(columns=columns, rows=rows, total=total)


def build_report(roadmap: Roadmap, year: int, *, today: date | None = None) -> Report:
    today = today or timezone.localdate()
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), today) if year <= today.year else date(year, 12, 31)
    now = timezone.now()
    updates = (
        ActionUpdate.objects.filter(created_at__year=year).select_related("author").order_by("created_at")
    )
    actions = list(
        Action.objects.filter(roadmap=roadmap)
        .select_related("axis", "objective", "introduced_by")
        .prefetch_related(
            Prefetch("leads", queryset=ActionLead.objects.select_related("organisation")),
            "partners",
            "milestones",
            "steps",
            "target_territories",
            Prefetch("indicators", queryset=reporting.indicator_queryset()),
            Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("funder")),
            Prefetch("updates", queryset=updates),
        )
        .order_by("position", "number")
    )
    years = [y for y in reporting.roadmap_years(roadmap) if y <= year]
    met = with_target = total_indicators = no_target = 0
    metric_cache = reporting.prefetch_metrics(
        [i for action in actions for i in action.indicators.all()], roadmap.territory, years, end
    )
    sheets: dict[int, ActionSheet] = {}
    all_lines: list[BudgetLine] = []
    for action in actions:
        statuses = []
        for indicator in action.indicators.all():
            indicator._prefetched_objects_cache["measurements"] = [  # type: ignore[attr-defined]
                m for m in indicator.measurements.all() if m.period_start <= end
            ]
            status = reporting.indicator_status(indicator, roadmap.territory, years, end, cache=metric_cache)
            statuses.append(status)
            total_indicators += 1
            no_target += indicator.kind == "quantitatif" and indicator.target is None
            if status.percent is not None:
                with_target += 1
                met += status.percent >= 100
        lines = [b for b in action.budget_lines.all() if b.year in (None, year)]
        all_lines.extend(lines)
        steps = list(action.steps.all())
        milestones = list(action.milestones.all())
        closed = action.status in reporting.CLOSED_STATUSES
        sheets[action.pk] = ActionSheet(
            action=action,
            label=action.label,
            leads=_leads(action),
            partners=sorted(o.name for o in action.partners.all()),
            status=_status(action),
            progress=f"{action.progress} %" if action.progress is not None else UNKNOWN,
            territories=[t.name for t in action.target_territories.all()],
            indicators=statuses,
            budget=build_budget(lines),
            steps_done=[s.title for s in steps if s.done],
            steps_open=sum(1 for s in steps if not s.done),
            milestones_met=[m for m in milestones if m.done_on and m.done_on.year == year],
            milestones_late=[m for m in milestones if m.done_on is None and m.due_on <= end],
            updates=[u for u in action.updates.all() if u.note],
            stale=not closed
            and action.status is not None
            and (action.last_update_at is None or now - action.last_update_at > STALE_AFTER),
            lines=lines,
        )
    top: list[ActionSheet] = []
    for action in actions:
        sheet = sheets[action.pk]
        if action.parent_id is not None and action.parent_id in sheets:
            sheets[action.parent_id].sub_sheets.append(sheet)
        else:
            top.append(sheet)
    sections: dict[int, AxisSection] = OrderedDict()
    for axis in roadmap.axes.order_by("number"):
        sections[axis.pk] = AxisSection(axis=axis, sheets=[], budget=Budget(), mean_progress=None)
    for sheet in top:
        sections[sheet.action.axis_id].sheets.append(sheet)
    for section in sections.values():
        members = [s for sheet in section.sheets for s in [sheet, *sheet.sub_sheets]]
        known = [s.action.progress for s in members if s.action.progress is not None]
        section.mean_progress = round(sum(known) / len(known), 1) if known else None
        section.budget = build_budget([line for s in members for line in s.lines])

    counts = Counter(a.status for a in actions)
    status_counts = [(str(ActionStatus(s).label), counts.get(s, 0)) for s in ActionStatus.values]
    status_counts.append((UNKNOWN.capitalize(), counts.get(None, 0)))
    known_progress = [a.progress for a in actions if a.progress is not None]
    bodies = sorted(
        reporting.attendance_by_body(roadmap, year=year),
        key=lambda b: (BODY_ORDER.get(b.body.kind, 9), b.body.name),
    )
    figures = list(roadmap.key_figures.all())
    report = Report(
        roadmap=roadmap,
        year=year,
        generated_on=today,
        data_date=end,
        terms=roadmap.terms,
        carriers=[str(c) for c in roadmap.carriers.select_related("organisation")] or [str(roadmap.carrier)],
        status_counts=[(label, n) for label, n in status_counts if n],
        mean_progress=round(sum(known_progress) / len(known_progress), 1) if known_progress else None,
        progress_known=len(known_progress),
        actions_count=len(top),
        sub_actions_count=len(actions) - len(top),
        budget=build_budget(all_lines),
        axes=list(sections.values()),
        governance=bodies,
        versions=[v for v in roadmap.versions.all() if v.decided_on.year <= year],
        territory=territory_figures(roadmap, start, end),
        diagnostic=[k for k in figures if k.section == "diagnostic"],
        previous=[k for k in figures if k.section == "bilan_precedent"],
        concertation=list(roadmap.concertation.all()),
        fund=list(roadmap.fund_contributions.select_related("funder")),
        indicators_met=met,
        indicators_with_target=with_target,
        indicators_total=total_indicators,
        indicators_without_target=no_target,
    )
    _summary(report, list(sheets.values()), year)
    return report


def _summary(report: Report, sheets: list[ActionSheet], year: int) -> None:
    """What moved this year, what is late, the decisions the COPIL is asked for — from the data."""
    name = dict(report.terms)
    if not report.sub_actions_count:
        name["sub_actions"] = ""
    done = [s for s in sheets if s.action.status == ActionStatus.DONE]
    running = [s for s in sheets if s.action.status == ActionStatus.IN_PROGRESS]
    met = sum(len(s.milestones_met) for s in sheets)
    updated = [s for s in sheets if s.updates]
    if running:
        report.moved.append(f"{len(running)} {_either(name)} en cours.")
    if done:
        report.moved.append(
            f"{len(done)} réalisée(s) : " + " ; ".join(f"{s.label}. {s.action.title}" for s in done[:6])
        )
    if met:
        report.moved.append(f"{met} jalon(s) atteint(s) en {year}.")
    if updated:
        report.moved.append(f"{len(updated)} point(s) d'avancement des porteurs en {year}.")
    for meeting_body in report.governance:
        if meeting_body.meetings:
            report.moved.append(f"{meeting_body.body.name} : {len(meeting_body.meetings)} réunion(s).")
    if not report.moved:
        report.moved.append(f"Aucun avancement enregistré dans Maillage en {year}.")
    for s in sheets:
        for m in s.milestones_late:
            report.late.append(
                f"{s.label}. {s.action.title} — jalon « {m.title} » prévu le {m.due_on:%d/%m/%Y}"
            )
    stale = [s for s in sheets if s.stale]
    if stale:
        report.late.append(
            f"{len(stale)} sans mise à jour depuis plus de 3 mois : "
            + ", ".join(s.label for s in stale[:15])
            + ("…" if len(stale) > 15 else "")
        )
    suspended = [s for s in sheets if s.action.status == ActionStatus.SUSPENDED]
    if suspended:
        report.decisions.append(
            "Reprendre ou abandonner les actions suspendues : " + ", ".join(s.label for s in suspended)
        )
    late_milestones = sum(len(s.milestones_late) for s in sheets)
    if late_milestones:
        report.decisions.append(f"Replanifier {late_milestones} jalon(s) en retard.")
    no_lead = [s for s in sheets if not s.leads]
    if no_lead:
        report.decisions.append("Désigner un porteur pour : " + ", ".join(s.label for s in no_lead))
    unknown = [s for s in sheets if s.action.status is None]
    if unknown:
        report.decisions.append(
            f"Faire renseigner le statut de {len(unknown)} {_either(name)} par leurs porteurs."
        )
    if report.indicators_total == 0:
        report.decisions.append("Définir les indicateurs de suivi et leurs cibles.")
    elif report.indicators_without_target:
        report.decisions.append(
            f"Fixer une cible chiffrée à {report.indicators_without_target} indicateur(s) chiffré(s) qui n'en ont pas."
        )


def _either(name: dict[str, str]) -> str:
    return f"{name['actions']} ou {name['sub_actions']}" if name["sub_actions"] else name["actions"]
