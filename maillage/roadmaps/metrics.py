"""Figures the roadmaps context offers to computed indicators (see maillage.core.metrics)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Count, Q

from maillage.core.metrics import Value, batch, register
from maillage.roadmaps.models import Attendance, Meeting


def _meetings(territory: Any, start: date, end: date) -> Any:
    return Meeting.objects.filter(body__roadmap__territory=territory, date__gte=start, date__lte=end)


@register("roadmaps.meetings", label="Réunions des instances de gouvernance", unit="réunions")
def meetings(territory: Any, start: date, end: date) -> int:
    return _meetings(territory, start, end).count()


@batch("roadmaps.meetings")
def meetings_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    rows = dict(
        Meeting.objects.filter(body__roadmap__territory__in=territories, date__gte=start, date__lte=end)
        .order_by()
        .values_list("body__roadmap__territory_id")
        .annotate(n=Count("id"))
    )
    return {t.pk: rows.get(t.pk, 0) for t in territories}


@register(  # type: ignore[arg-type]  # None: nobody was listed, the rate is unknown (never 0 %)
    "roadmaps.attendance_rate", label="Taux de présence aux instances", unit="%"
)
def attendance_rate(territory: Any, start: date, end: date) -> float | None:
    return attendance_rate_many([territory], start, end)[territory.pk]


@batch("roadmaps.attendance_rate")
def attendance_rate_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    rows = {
        pk: (total, present)
        for pk, total, present in Attendance.objects.filter(
            meeting__body__roadmap__territory__in=territories,
            meeting__date__gte=start,
            meeting__date__lte=end,
        )
        .order_by()
        .values_list("meeting__body__roadmap__territory_id")
        .annotate(total=Count("id"), present=Count("id", filter=Q(status="present")))
    }
    out: dict[int, Value] = {}
    for t in territories:
        total, present = rows.get(t.pk, (0, 0))
        out[t.pk] = round(100 * present / total, 1) if total else None
    return out
