"""« Ouvert maintenant » without parsing opening hours at query time.

Each distinct ``opening_hours`` string gets a small number (``OpeningSchedule``; a place holds its
string's number in ``opening_schedule``, kept by ``Place.save()`` and the import). For each string and
each week (Monday, Europe/Paris), the open intervals of that week are stored as minutes from Monday
00:00, wall-clock time, never across midnight (``OpeningInterval``), computed by ``opening-hours-py``
with the French public holidays (« PH off » is honoured on the holidays of that very week).
``WeeklyHours`` marks which (string, week) pairs are computed, open or not.

« Ouvert maintenant » then costs one index-only scan (the numbers of the schedules open at this minute
of this week: a few thousand at most), turned in Python into one bit string, and one bit test per
candidate place — no join for the planner to misjudge, no list for it to estimate::

    get_bit(:open_bits, opening_schedule) = 1      -- PostgreSQL (bytea)
    substr(:open_bits, opening_schedule, 1) = '1'  -- SQLite (text of 0 and 1)

Freshness: the first search of a week computes it (and the next one) for every distinct string in use —
about a second for 10 000 strings, once a week, or ahead of time with ``maillage refresh-opening-hours``
in a nightly job; a place saved or imported with new hours gets them computed for the weeks already
computed, so a search never misses them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

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


def schedules(values: Iterable[str]) -> dict[str, int]:
    """The number of each non-empty opening-hours string (created when new; safe under concurrency)."""
    from maillage.places.models import OpeningSchedule, hours_key

    keys: dict[int, str] = {}
    for value in values:
        key = hours_key(value)
        if key is not None:
            keys[key] = value
    if not keys:
        return {}
    OpeningSchedule.objects.bulk_create(
        [OpeningSchedule(hours_key=k, hours=v) for k, v in keys.items()],
        batch_size=1000,
        ignore_conflicts=True,
    )
    numbers: dict[str, int] = {}
    ordered = list(keys)
    for start in range(0, len(ordered), 500):
        for key, number in OpeningSchedule.objects.filter(
            hours_key__in=ordered[start : start + 500]
        ).values_list("hours_key", "pk"):
            numbers[keys[key]] = number
    return numbers


def sync_places() -> int:
    """Set ``opening_schedule`` where it is missing or stale (one set-based UPDATE); returns rows."""
    from maillage.places.models import OpeningSchedule, Place

    number = Subquery(
        OpeningSchedule.objects.filter(hours_key=OuterRef("opening_hours_key")).values("pk")[:1]
    )
    stale = Place.objects.exclude(opening_hours_key=None).filter(
        Q(opening_schedule=None) | ~Q(opening_schedule=number)
    )
    cleared = (
        Place.objects.filter(opening_hours_key=None)
        .exclude(opening_schedule=None)
        .update(opening_schedule=None)
    )
    return stale.update(opening_schedule=number) + cleared


def _compute(pairs: Iterable[tuple[str, date]], numbers: dict[str, int]) -> None:
    from maillage.places.models import OpeningInterval, WeeklyHours, hours_key

    markers: list[WeeklyHours] = []
    rows: list[OpeningInterval] = []
    for hours, monday in pairs:
        markers.append(WeeklyHours(hours=hours, hours_key=hours_key(hours) or 0, week=monday))
        if hours:
            rows += [
                OpeningInterval(schedule=numbers[hours], week=monday, start_minute=low, end_minute=high)
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
    numbers = schedules(values)
    sync_places()
    weeks = [monday, monday + timedelta(days=7)]
    done = set(WeeklyHours.objects.filter(week__in=weeks).values_list("hours", "week"))
    # The empty string marks the week as computed even when no place has hours.
    _compute(((v, w) for w in weeks for v in [*values, ""] if (v, w) not in done), numbers)


def ensure_hours(values: Iterable[str]) -> dict[str, int]:
    """Number new hours strings and compute them for the weeks already computed (call after writing
    places, then :func:`sync_places` or set ``opening_schedule``). Returns the numbers."""
    from maillage.places.models import WeeklyHours, hours_key

    wanted = sorted({v for v in values if v})
    numbers = schedules(wanted)
    if not wanted:
        return numbers
    this_week, _minute_now = week_of(datetime.now(tz=opening_hours.PARIS))
    weeks = list(
        WeeklyHours.objects.filter(week__gte=this_week).values_list("week", flat=True).distinct().order_by()
    )
    if not weeks:
        return numbers  # nothing computed yet: the first search will compute everything
    done: set[tuple[str, date]] = set()
    for start in range(0, len(wanted), 500):
        chunk = [hours_key(v) or 0 for v in wanted[start : start + 500]]
        done |= set(
            WeeklyHours.objects.filter(week__in=weeks, hours_key__in=chunk).values_list("hours", "week")
        )
    _compute(((v, w) for w in weeks for v in wanted if (v, w) not in done), numbers)
    return numbers


def ensure_place(place: Any) -> None:
    """After ``place`` was saved: number its hours, compute them if needed, store its number."""
    from maillage.places.models import Place

    number = ensure_hours([place.opening_hours]).get(place.opening_hours) if place.opening_hours else None
    if place.opening_schedule != number:
        Place.objects.filter(pk=place.pk).update(opening_schedule=number)
        place.opening_schedule = number


def refresh(weeks_ahead: int = 2, *, now: datetime | None = None) -> int:
    """Compute the current week and ``weeks_ahead`` more; forget past weeks. Returns intervals stored."""
    from maillage.places.models import OpeningInterval, WeeklyHours

    monday, _minute_now = week_of(now or datetime.now(tz=opening_hours.PARIS))
    for offset in range(0, weeks_ahead + 1, 2):
        ensure_week(monday + timedelta(days=7 * offset))
    OpeningInterval.objects.filter(week__lt=monday).delete()
    WeeklyHours.objects.filter(week__lt=monday).delete()
    return OpeningInterval.objects.filter(week__gte=monday).count()


def open_schedules(moment: datetime) -> list[int]:
    """Numbers of the schedules open at ``moment`` (one index-only scan; when it finds none, the week
    may not be computed yet: compute it and look again)."""
    from maillage.places.models import OpeningInterval, WeeklyHours

    monday, minute = week_of(moment)
    query = (
        OpeningInterval.objects.filter(
            week=monday,
            start_minute__gte=minute - minute % 1440,
            start_minute__lte=minute,
            end_minute__gt=minute,
        )
        .values_list("schedule", flat=True)
        .distinct()
        .order_by()
    )
    numbers = list(query)
    if not numbers and not WeeklyHours.objects.filter(week=monday).exists():
        ensure_week(monday)
        numbers = list(query.all())  # a fresh query (the first one's results are cached)
    return numbers


def open_condition(numbers: list[int], vendor: str) -> tuple[str, list[Any]]:
    """SQL « the place's schedule is one of ``numbers`` » as ONE parameter: a bit string."""
    size = max(numbers) + 1
    if vendor == "postgresql":
        bits = bytearray(size // 8 + 1)
        for number in numbers:
            bits[number // 8] |= 1 << (number % 8)  # get_bit numbers bits from the right of each byte
        return (
            'CASE WHEN "places_place"."opening_schedule" < %s '
            'THEN get_bit(%s::bytea, "places_place"."opening_schedule") = 1 ELSE false END',
            [len(bits) * 8, bytes(bits)],
        )
    text = ["0"] * size
    for number in numbers:
        text[number] = "1"
    return ('substr(%s, "places_place"."opening_schedule" + 1, 1) = \'1\'', ["".join(text)])


#: The condition of a minute is kept this long (it is keyed on the minute itself: a search at 10:01 never
#: reads 10:00's answer; two minutes bound the life of an entry).
CONDITION_CACHE_SECONDS = 120


def computed_version() -> int:
    """The data version of the computed weeks: the highest ``WeeklyHours`` id. Every write of intervals
    (:func:`_compute`, through :func:`ensure_week`, :func:`ensure_hours`, :func:`ensure_place` and the
    import) inserts its ``WeeklyHours`` markers in the same transaction as the intervals, so new hours
    change the version; deleting past weeks does not change any answer about this week. One read of the
    primary key index."""
    from django.db.models import Max

    from maillage.places.models import WeeklyHours

    return int(WeeklyHours.objects.aggregate(top=Max("pk"))["top"] or 0)


def open_condition_at(moment: datetime, vendor: str) -> tuple[str, list[Any]] | None:
    """:func:`open_condition` of the schedules open at ``moment``, None when none is open.

    Every search of the same minute asks the same question: its answer (a bit string of a few hundred
    bytes) is cached per minute and :func:`computed_version`, so only the first search of a minute reads
    the thousands of intervals open at that minute."""
    from django.core.cache import cache

    monday, minute = week_of(moment)
    key = f"places:open-now:{vendor}:{monday.isoformat()}:{minute}:{computed_version()}"
    cached = cache.get(key)
    if cached is not None:
        return cached[0]
    numbers = open_schedules(moment)
    condition = open_condition(numbers, vendor) if numbers else None
    # Computing the week on the fly (first search of a week) wrote new intervals: key on the new version.
    key = f"places:open-now:{vendor}:{monday.isoformat()}:{minute}:{computed_version()}"
    cache.set(key, (condition,), CONDITION_CACHE_SECONDS)
    return condition
