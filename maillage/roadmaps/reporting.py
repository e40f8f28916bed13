"""Figures of a roadmap for the action page, the coordinator's dashboard and the bilan annuel."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from maillage.core.metrics import compute_many, compute_table, get_metric
from maillage.roadmaps.charts import BarChart, bar_chart
from maillage.roadmaps.models import (
    Action,
    ActionStatus,
    Attendance,
    Axis,
    BodyMember,
    BudgetLine,
    GovernanceBody,
    Indicator,
    IndicatorKind,
    Measurement,
    Meeting,
    Milestone,
    Roadmap,
)
from maillage.roadmaps.periods import period_label

STALE_AFTER = timedelta(days=91)
CLOSED_STATUSES = (ActionStatus.DONE, ActionStatus.ABANDONED)


@dataclass
class IndicatorStatus:
    indicator: Indicator
    current: Any = None
    current_label: str = ""
    percent: float | None = None
    last_period: str = ""
    series: list[tuple[str, Any]] = field(default_factory=list)
    unavailable: bool = False

    @property
    def target_label(self) -> str:
        ind = self.indicator
        if ind.target is not None:
            return _num(ind.target, ind.unit)
        return ind.target_text


def _num(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}".replace(",", " ").replace(".", ",") if not isinstance(value, str) else value
    return f"{text} {unit}".strip()


@dataclass
class MeasurementSummary:
    """SQL aggregate of an indicator's measurements (the dashboard does not load every row)."""

    total: Decimal | None = None
    count: int = 0
    achieved_count: int = 0
    last_start: date | None = None
    last_value: Decimal | None = None
    last_text: str = ""


def measurement_summaries(roadmap: Roadmap) -> dict[int, MeasurementSummary]:
    from django.db.models import Count, Max, Q, Sum

    base = Measurement.objects.filter(indicator__action__roadmap=roadmap)
    out: dict[int, MeasurementSummary] = {}
    for row in base.values("indicator_id").annotate(
        total=Sum("value"), n=Count("id"), ok=Count("id", filter=Q(achieved=True)), last=Max("period_start")
    ):
        out[row["indicator_id"]] = MeasurementSummary(
            total=row["total"], count=row["n"], achieved_count=row["ok"], last_start=row["last"]
        )
    # the latest measurement of each indicator (one per period: a unique constraint): the rows at one of
    # the latest dates, kept where the date is their indicator's own (no correlated subquery per row;
    # indicators measured on the same calendar share their latest dates, so few rows are read)
    lasts = {s.last_start for s in out.values() if s.last_start is not None}
    rows = (
        base.filter(period_start__in=lasts)
        .order_by()
        .values_list("indicator_id", "period_start", "value", "text_value")
    )
    for indicator_id, start, value, text in rows:
        summary = out[indicator_id]
        if summary.last_start == start:
            summary.last_value = value
            summary.last_text = text
    return out


def _status_from_summary(
    status: IndicatorStatus, indicator: Indicator, summary: MeasurementSummary | None
) -> None:
    if summary is None or not summary.count:
        return
    if summary.last_start is not None:
        status.last_period = period_label(summary.last_start, indicator.frequency)
    if indicator.kind == IndicatorKind.QUANTITATIVE:
        status.current = summary.total if indicator.aggregation == "somme" else summary.last_value
    elif indicator.kind == IndicatorKind.QUALITATIVE:
        status.current = summary.last_text
    else:
        status.current = summary.achieved_count > 0


def indicator_status(
    indicator: Indicator,
    territory: Any,
    years: list[int],
    today: date,
    *,
    summaries: dict[int, MeasurementSummary] | None = None,
    cache: dict[tuple[Any, ...], Any] | None = None,
) -> IndicatorStatus:
    """Current value against target; from ``summaries`` (SQL aggregates) when given, else from the
    prefetched measurements (which also gives the value of every period)."""
    status = IndicatorStatus(indicator=indicator)
    if indicator.metric_key:
        metric = get_metric(indicator.metric_key)
        if metric is None:
            status.unavailable = True
            status.current_label = "indicateur calculé indisponible"
            return status
        past = [y for y in years if y <= today.year]
        # the dashboard (summaries given) only shows the latest value: compute the last year only
        for year in past[-1:] if summaries is not None else past:
            end = min(date(year, 12, 31), today)
            key = (indicator.metric_key, territory.pk, date(year, 1, 1), end)
            if cache is not None and key in cache:
                value = cache[key]
            else:
                value = compute_many(indicator.metric_key, [territory], date(year, 1, 1), end)[territory.pk]
                if cache is not None:
                    cache[key] = value
            status.series.append((str(year), value))
        if status.series:
            status.last_period, status.current = status.series[-1]
    elif summaries is not None:
        _status_from_summary(status, indicator, summaries.get(indicator.pk))
    else:
        measurements = list(indicator.measurements.all())
        for m in measurements:
            shown: Any
            if indicator.kind == IndicatorKind.QUANTITATIVE:
                shown = m.value
            elif indicator.kind == IndicatorKind.QUALITATIVE:
                shown = m.text_value
            else:
                shown = "obtenu" if m.achieved else "non obtenu"
            status.series.append((period_label(m.period_start, indicator.frequency), shown))
        if measurements:
            status.last_period = status.series[-1][0]
            if indicator.kind == IndicatorKind.QUANTITATIVE:
                numbers = [m.value for m in measurements if m.value is not None]
                if numbers:
                    status.current = sum(numbers) if indicator.aggregation == "somme" else numbers[-1]
            elif indicator.kind == IndicatorKind.QUALITATIVE:
                status.current = measurements[-1].text_value
            else:
                status.current = any(m.achieved for m in measurements)
    if indicator.kind == IndicatorKind.DELIVERABLE and not indicator.metric_key:
        status.current_label = "livrable obtenu" if status.current else "livrable attendu"
        status.percent = 100.0 if status.current else 0.0
        return status
    if isinstance(status.current, int | float | Decimal):
        status.current_label = _num(status.current, indicator.unit)
        if indicator.target:
            status.percent = round(float(status.current) / float(indicator.target) * 100, 1)
    elif status.current:
        status.current_label = str(status.current)
    else:
        status.current_label = "pas encore mesuré"
    return status


def metric_periods(years: list[int], today: date, *, last_only: bool = False) -> list[tuple[date, date]]:
    """The (start, end) a computed indicator is measured over: each past year of the roadmap, up to
    ``today`` (the dashboard shows the last one only)."""
    past = [y for y in years if y <= today.year]
    return [(date(y, 1, 1), min(date(y, 12, 31), today)) for y in (past[-1:] if last_only else past)]


def prefetch_metrics(
    indicators: list[Indicator],
    territory: Any,
    years: list[int],
    today: date,
    *,
    last_only: bool = False,
) -> dict[tuple[Any, ...], Any]:
    """The values every computed indicator needs, one registry call per distinct metric and period
    (several indicators often name the same metric; metrics of the same rows share one scan through
    ``compute_table``), as the cache ``indicator_status`` reads."""
    cache: dict[tuple[Any, ...], Any] = {}
    keys = sorted({i.metric_key for i in indicators if i.metric_key and get_metric(i.metric_key)})
    for start, end in metric_periods(years, today, last_only=last_only):
        for key, values in compute_table(keys, [territory], start, end).items():
            cache[(key, territory.pk, start, end)] = values[territory.pk]
    return cache


def indicator_queryset() -> Any:
    return Indicator.objects.prefetch_related("measurements")


def roadmap_years(roadmap: Roadmap) -> list[int]:
    return list(range(roadmap.start_year, roadmap.end_year + 1))


UNKNOWN = "unknown"  # status nobody gave: shown « non renseigné », never a default


@dataclass
class AxisProgress:
    axis: Axis
    actions: int
    mean_progress: float | None
    by_status: dict[str, int]
    known_progress: int = 0


@dataclass
class BudgetSummary:
    eur_planned: Decimal = Decimal(0)
    eur_spent: Decimal = Decimal(0)
    fte_planned: Decimal = Decimal(0)
    fte_spent: Decimal = Decimal(0)
    by_funder: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    by_nature: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)


def budget_summary(lines: list[BudgetLine], *, year: int | None = None) -> BudgetSummary:
    summary = BudgetSummary()
    funders: dict[str, list[Decimal]] = OrderedDict()
    natures: dict[str, list[Decimal]] = OrderedDict()
    for line in lines:
        if year is not None and line.year not in (None, year):
            continue
        planned = line.planned or Decimal(0)
        spent = line.spent or Decimal(0)
        if line.unit == "etp":
            if line.nature == "produit":
                continue
            summary.fte_planned += planned
            summary.fte_spent += spent
            continue
        if line.nature == "produit":  # revenue, not spending: never mixed with the charges' totals
            continue
        funder = line.funder.name if line.funder is not None else "Financeur non renseigné"
        funders.setdefault(funder, [Decimal(0), Decimal(0)])
        funders[funder][0] += planned
        funders[funder][1] += spent
        summary.eur_planned += planned
        summary.eur_spent += spent
        label = line.get_nature_display()
        natures.setdefault(label, [Decimal(0), Decimal(0)])
        natures[label][0] += planned
        natures[label][1] += spent
    summary.by_funder = sorted(((k, v[0], v[1]) for k, v in funders.items()), key=lambda r: (-r[1], r[0]))
    summary.by_nature = [(k, v[0], v[1]) for k, v in natures.items()]
    return summary


def status_label(status: str | None) -> str:
    return str(ActionStatus(status).label) if status and status != UNKNOWN else "Non renseigné"


def dashboard(roadmap: Roadmap, *, today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    now = timezone.now()
    actions = list(
        Action.objects.filter(roadmap=roadmap)
        .select_related("axis")
        .prefetch_related(
            "lead_organisations",
            "indicators",
            Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("funder")),
        )
    )
    years = roadmap_years(roadmap)
    summaries = measurement_summaries(roadmap)

    axes: dict[int, AxisProgress] = OrderedDict()
    for action in actions:
        row = axes.get(action.axis_id)
        if row is None:
            row = axes[action.axis_id] = AxisProgress(action.axis, 0, 0.0, defaultdict(int))
        row.actions += 1
        if action.progress is not None:
            row.mean_progress = (row.mean_progress or 0.0) + action.progress
            row.known_progress += 1
        row.by_status[action.status or UNKNOWN] += 1
    for row in axes.values():
        row.mean_progress = (
            round((row.mean_progress or 0.0) / row.known_progress, 1) if row.known_progress else None
        )
        row.by_status = dict(row.by_status)
    axis_rows = sorted(axes.values(), key=lambda r: r.axis.number)

    indicator_rows = []
    all_indicators = [i for action in actions for i in action.indicators.all()]
    # one registry call per distinct metric, whatever the number of indicators naming it
    metric_cache = prefetch_metrics(all_indicators, roadmap.territory, years, today, last_only=True)
    for action in actions:
        for indicator in action.indicators.all():
            if indicator.kind == IndicatorKind.QUALITATIVE:
                continue
            status = indicator_status(
                indicator, roadmap.territory, years, today, summaries=summaries, cache=metric_cache
            )
            indicator_rows.append((action, status))
    with_target = [(a, s) for a, s in indicator_rows if s.percent is not None]
    # the table lists what can be read against a target or has a value; the rest is only counted
    unmeasured = [(a, s) for a, s in indicator_rows if s.percent is None and s.current in (None, "")]
    # by identity: comparing the rows' dataclasses field by field was quadratic work
    left_out = {id(s) for _, s in unmeasured}
    indicator_rows = [(a, s) for a, s in indicator_rows if id(s) not in left_out]

    lines = [line for action in actions for line in action.budget_lines.all()]
    budget = budget_summary(lines)

    stale = [
        a
        for a in actions
        if a.status not in CLOSED_STATUSES
        and (a.last_update_at is None or now - a.last_update_at > STALE_AFTER)
    ]
    open_milestones = list(
        Milestone.objects.filter(action__roadmap=roadmap, done_on__isnull=True)
        .select_related("action")
        .order_by("due_on")
    )
    milestones = [m for m in open_milestones if m.due_on >= today][:10]
    overdue = [m for m in open_milestones if m.due_on < today][-10:]
    meetings = list(
        Meeting.objects.filter(body__roadmap=roadmap, date__gte=today)
        .select_related("body")
        .order_by("date")[:10]
    )
    statuses = OrderedDict((value, 0) for value in [*ActionStatus.values, UNKNOWN])
    for a in actions:
        statuses[a.status or UNKNOWN] += 1

    charts: dict[str, BarChart] = {
        "axes": bar_chart(
            "graphique-axes",
            "Avancement moyen par axe",
            "Avancement moyen déclaré des actions de chaque axe, en pourcentage.",
            [
                (f"Axe {r.axis.number} – {r.axis.title}", [r.mean_progress])
                for r in axis_rows
                if r.mean_progress is not None
            ],
            series=["Avancement moyen"],
            unit="%",
            maximum=100,
        ),
        "indicators": bar_chart(
            "graphique-indicateurs",
            "Indicateurs au regard de leur cible",
            "Part de la cible atteinte par chaque indicateur chiffré (plafonnée à 100 % sur le graphique).",
            [(f"{a.number}. {s.indicator.label}", [min(s.percent or 0, 100)]) for a, s in with_target],
            series=["Part de la cible"],
            unit="%",
            maximum=100,
        ),
        "funders": bar_chart(
            "graphique-financeurs",
            "Charges prévues et réalisées par financeur",
            "Montants en euros des charges (hors recettes), prévus et réalisés, par financeur, toutes années confondues ; leur somme est le total des charges.",
            [(name, [planned, spent]) for name, planned, spent in budget.by_funder],
            series=["Prévu", "Réalisé"],
            unit="€",
        ),
    }
    return {
        "today": today,
        "actions": actions,
        "statuses": [(status_label(k), v) for k, v in statuses.items() if v or k != UNKNOWN],
        "axis_rows": axis_rows,
        "indicator_rows": indicator_rows,
        "with_target": with_target,
        "unmeasured": unmeasured,
        "budget": budget,
        "stale": stale,
        "milestones": milestones,
        "overdue": overdue,
        "meetings": meetings,
        "charts": charts,
        "attendance": attendance_summary(roadmap, year=today.year),
    }


@dataclass
class BodyActivity:
    body: GovernanceBody
    meetings: list[Meeting]
    present: int
    total: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.present / self.total, 1) if self.total else None


def attendance_by_body(roadmap: Roadmap, *, year: int | None = None) -> list[BodyActivity]:
    meetings_qs = Meeting.objects.order_by("date").prefetch_related(
        Prefetch("attendances", queryset=Attendance.objects.select_related("member__organisation"))
    )
    if year is not None:
        meetings_qs = meetings_qs.filter(date__year=year)
    bodies = GovernanceBody.objects.filter(roadmap=roadmap).prefetch_related(
        Prefetch("meetings", queryset=meetings_qs),
        Prefetch("members", queryset=BodyMember.objects.select_related("organisation")),
    )
    out = []
    for body in bodies:
        meetings = list(body.meetings.all())
        attendances = [a for m in meetings for a in m.attendances.all()]
        present = sum(1 for a in attendances if a.status == "present")
        out.append(BodyActivity(body=body, meetings=meetings, present=present, total=len(attendances)))
    return out


@dataclass
class BodyAttendance:
    """A body's meetings and attendance in a year, as counts (the dashboard's table)."""

    body: GovernanceBody
    meeting_count: int
    present: int
    total: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.present / self.total, 1) if self.total else None


def attendance_summary(roadmap: Roadmap, *, year: int) -> list[BodyAttendance]:
    """The counts of ``attendance_by_body`` in one GROUP BY (no meeting nor attendance row loaded)."""
    from django.db.models import Count, Q

    in_year = Q(meetings__date__year=year)
    bodies = GovernanceBody.objects.filter(roadmap=roadmap).annotate(
        n_meetings=Count("meetings", filter=in_year, distinct=True),
        n_total=Count("meetings__attendances", filter=in_year),
        n_present=Count("meetings__attendances", filter=in_year & Q(meetings__attendances__status="present")),
    )
    return [
        BodyAttendance(body=b, meeting_count=b.n_meetings, present=b.n_present, total=b.n_total)
        for b in bodies
    ]


def meeting_rate(meeting: Meeting) -> float | None:
    attendances = list(meeting.attendances.all())
    if not attendances:
        return None
    return round(100 * sum(1 for a in attendances if a.status == "present") / len(attendances), 1)
