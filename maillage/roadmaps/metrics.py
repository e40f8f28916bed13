"""Figures the roadmaps context offers to computed indicators (see maillage.core.metrics)."""

from __future__ import annotations

from datetime import date
from typing import Any

from maillage.core.metrics import register
from maillage.roadmaps.models import Attendance, Meeting


def _meetings(territory: Any, start: date, end: date) -> Any:
    return Meeting.objects.filter(body__roadmap__territory=territory, date__gte=start, date__lte=end)


@register("roadmaps.meetings", label="Réunions des instances de gouvernance", unit="réunions")
def meetings(territory: Any, start: date, end: date) -> int:
    return _meetings(territory, start, end).count()


@register("roadmaps.attendance_rate", label="Taux de présence aux instances", unit="%")
def attendance_rate(territory: Any, start: date, end: date) -> float:
    qs = Attendance.objects.filter(meeting__in=_meetings(territory, start, end))
    total = qs.count()
    return round(100 * qs.filter(status="present").count() / total, 1) if total else 0.0
