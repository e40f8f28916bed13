"""« Ouvert maintenant » without parsing opening hours at query time.

For each distinct ``opening_hours`` string and each week (Monday, Europe/Paris), the open intervals of
that week are stored as minutes from Monday 00:00, wall-clock time (``OpeningInterval``), computed by
``opening-hours-py`` with the French public holidays (so « PH off » is honoured on the holidays of that
very week). ``WeeklyHours`` marks which (string, week) pairs have been computed, open or not.

« Ouvert maintenant » then costs one index-only scan of the intervals holding « now » (the keys of the
strings open now, a few thousand at most) and, per candidate place, a hash probe of its
``opening_hours_key`` (a 48-bit key of its string, kept by ``Place.save()`` and the import)::

    opening_hours_key = ANY(string_to_array(:keys, ',')::bigint[])

Freshness: the first search of a week computes it (and the next one) for every distinct string in use —
about a second for 8 000 strings, once a week, or ahead of time with ``maillage refresh-opening-hours``
in a nightly job; a place saved or imported with new hours gets them computed for the weeks already
computed (``ensure_hours``), so a search never misses them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction

from maillage.places import opening_hours

MINUTES_PER_WEEK = 7 * 24 * 60


def week_of(moment: datetime) -> tuple[date, int]:
    """(Monday of the week, minutes since Monday 00:00) of ``moment`` in Europe/Paris wall-clock time."""
    local = opening_hours._paris(moment)
    monday = local.date() - timedelta(days=local.weekday())
    return monday, local.weekday() * 1440 + local.hour * 60 + local.minute


def _minute(moment: datetime, monday: date) -> int:
    local = opening_hours._paris(moment)
    minutes = (local.date() - monday).days * 1440 + local.hour * 60 + local.minute
    return max(0, min(MINUTES_PER_WEEK, minutes))


def intervals(hours: str, monday: date) -> list[tuple[int, int]]:
    """Open intervals of ``hours`` during the week starting ``monday``, in minutes; [] when invalid."""
    schedule = opening_hours.safe_parse(hours)
    if schedule is None or schedule.is_empty:
        return []
    start = datetime(monday.year, monday.month, monday.day, tzinfo=opening_hours.PARIS)
    end = start + timedelta(days=7)
    found: list[tuple[int, int]] = []
    evaluator = opening_hours._evaluator(hours)
    for begin, finish, state, _comment in evaluator.intervals(start, end):
        if state != opening_hours._oh.State.OPEN:
            continue
        low = _minute(begin, monday)
        high = MINUTES_PER_WEEK if finish is None or finish >= end else _minute(finish, monday)
        while high > low:  # split at midnight: an interval holding « now » starts the same day
            midnight = (low // 1440 + 1) * 1440
            found.append((low, min(high, midnight)))
            low = midnight
    return found


def _compute(pairs: Iterable[tuple[str, date]]) -> None:
    from maillage.places.models import OpeningInterval, WeeklyHours, hours_key

    markers: list[WeeklyHours] = []
    rows: list[OpeningInterval] = []
    for hours, monday in pairs:
        key = hours_key(hours) or 0  # 0: the marker of a computed week
        markers.append(WeeklyHours(hours=hours, hours_key=key, week=monday))
        rows += [
            OpeningInterval(hours_key=key, week=monday, start_minute=low, end_minute=high)
            for low, high in intervals(hours, monday)
        ]
    # Two requests may compute the same week at once: the unique constraints keep one copy.
    with transaction.atomic():
        OpeningInterval.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        WeeklyHours.objects.bulk_create(markers, batch_size=2000, ignore_conflicts=True)


def ensure_week(monday: date) -> None:
    """Compute the week (and the next one) for every distinct hours string of the places, if needed."""
    from maillage.places.models import Place, WeeklyHours

    if WeeklyHours.objects.filter(week=monday).exists():
        return
    values = list(
        Place.objects.exclude(opening_hours="").values_list("opening_hours", flat=True).distinct().order_by()
    )
    weeks = [monday, monday + timedelta(days=7)]
    done = set(WeeklyHours.objects.filter(week__in=weeks).values_list("hours", "week"))
    _compute((value, week) for week in weeks for value in values if (value, week) not in done)
    # The empty string marks the week as computed even when no place has hours.
    _compute((value, week) for week in weeks for value in [""] if ("", week) not in done)


def ensure_hours(values: Iterable[str]) -> None:
    """Compute new hours strings for the weeks already computed (call after writing places)."""
    from maillage.places.models import WeeklyHours, hours_key

    wanted = {v for v in values if v}
    if not wanted:
        return
    this_week, _minute_now = week_of(datetime.now(tz=opening_hours.PARIS))
    weeks = list(
        WeeklyHours.objects.filter(week__gte=this_week).values_list("week", flat=True).distinct().order_by()
    )
    if not weeks:
        return  # nothing computed yet: the first search will compute everything
    done: set[tuple[str, date]] = set()
    wanted_list = sorted(wanted)
    for start in range(0, len(wanted_list), 500):
        chunk = [hours_key(v) or 0 for v in wanted_list[start : start + 500]]
        done |= set(
            WeeklyHours.objects.filter(week__in=weeks, hours_key__in=chunk).values_list("hours", "week")
        )
    _compute((value, week) for week in weeks for value in wanted_list if (value, week) not in done)


def refresh(weeks_ahead: int = 2, *, now: datetime | None = None) -> int:
    """Compute the current week and ``weeks_ahead`` more; forget past weeks. Returns intervals stored."""
    from maillage.places.models import OpeningInterval, WeeklyHours

    monday, _minute_now = week_of(now or datetime.now(tz=opening_hours.PARIS))
    for offset in range(0, weeks_ahead + 1, 2):
        ensure_week(monday + timedelta(days=7 * offset))
    OpeningInterval.objects.filter(week__lt=monday).delete()
    WeeklyHours.objects.filter(week__lt=monday).delete()
    return OpeningInterval.objects.filter(week__gte=monday).count()


def open_keys(moment: datetime) -> list[int]:
    """Keys of the opening-hours strings open at ``moment`` (one index-only scan; when it finds none,
    the week may not be computed yet: compute it and look again)."""
    from maillage.places.models import OpeningInterval

    monday, minute = week_of(moment)
    query = (
        OpeningInterval.objects.filter(
            week=monday,
            start_minute__gte=minute - minute % 1440,
            start_minute__lte=minute,
            end_minute__gt=minute,
        )
        .values_list("hours_key", flat=True)
        .distinct()
        .order_by()
    )
    keys = list(query)
    if not keys:
        ensure_week(monday)
        keys = list(query.all())  # a fresh query (the first one's results are cached)
    return keys


def open_condition(keys: list[int], vendor: str) -> tuple[str, list[Any]]:
    """SQL « the place's hours are among ``keys`` » as one parameter: PostgreSQL folds
    ``string_to_array(…)::bigint[]`` into a constant array and probes it with a hash (no join for
    the planner to misjudge); SQLite reads it with ``json_each``."""
    if vendor == "postgresql":
        return (
            '"places_place"."opening_hours_key" = ANY(string_to_array(%s, \',\')::bigint[])',
            [",".join(str(k) for k in keys)],
        )
    import json

    return ('"places_place"."opening_hours_key" IN (SELECT value FROM json_each(%s))', [json.dumps(keys)])
