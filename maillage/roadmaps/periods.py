"""Reporting periods of indicators (month, quarter, half-year, year)."""

from __future__ import annotations

from datetime import date, timedelta

MONTHS_BY_FREQUENCY = {"mensuelle": 1, "trimestrielle": 3, "semestrielle": 6, "annuelle": 12, "ponctuelle": 1}

MONTH_NAMES = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def period_for(day: date, frequency: str) -> tuple[date, date]:
    """The period of ``frequency`` containing ``day``: (first day, last day)."""
    months = MONTHS_BY_FREQUENCY.get(frequency, 1)
    first_month = ((day.month - 1) // months) * months + 1
    start = date(day.year, first_month, 1)
    return start, add_months(start, months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def period_label(start: date, frequency: str) -> str:
    months = MONTHS_BY_FREQUENCY.get(frequency, 1)
    if months == 12:
        return str(start.year)
    if months == 6:
        return f"{'1er' if start.month == 1 else '2e'} semestre {start.year}"
    if months == 3:
        quarter = (start.month - 1) // 3 + 1
        return f"{'1er' if quarter == 1 else f'{quarter}e'} trimestre {start.year}"
    return f"{MONTH_NAMES[start.month - 1]} {start.year}"


def recent_months(today: date, count: int = 13) -> list[date]:
    first = date(today.year, today.month, 1)
    return [add_months(first, -i) for i in range(count)]
