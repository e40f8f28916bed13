"""Opening hours in the OSM ``opening_hours`` syntax, as the national standard requires (``horaires``).

* Validation and evaluation (« ouvert maintenant », next opening, French public holidays for ``PH``)
  rely on ``opening-hours-py`` (a complete implementation of the OSM grammar); its English parser
  messages are turned into French ones with a hint for the usual mistakes (French day names, ``9h``…).
* The plain-French rendering (« Du lundi au vendredi : 8 h 30 – 12 h, 14 h – 17 h 30 ») is computed here
  for the weekday/time subset that almost every place uses: weekday ranges and lists, several time
  ranges, ``;`` and ``,`` rules, ``off``, ``PH off``, ``24/7`` and comments. Rarer selectors (weeks,
  months, dates, sunrise…) are valid and evaluated, and are shown as written, introduced as such.

Every time is in Europe/Paris.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours as _oh
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
MAX_LENGTH = 500
EXAMPLE = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off"

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


class InvalidOpeningHours(ValueError):
    """The value is not valid OSM opening_hours; ``str(error)`` is a French sentence for the user."""


# --- Validation -----------------------------------------------------------------------------------

_FRENCH_DAYS = re.compile(
    r"\b(lun|mar|mer|jeu|ven|sam|dim)(di|s|credi|edi|anche)?\b|\b(lu|ma|me|je|ve|di)\b", re.IGNORECASE
)
_H_FORMAT = re.compile(r"\d{1,2}\s*h(\s*\d{2})?\b", re.IGNORECASE)
_BAD_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_POSITION = re.compile(r"-->\s*\d+:(\d+)")


def _hint(value: str) -> str:
    if _FRENCH_DAYS.search(value) and not re.search(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH)\b", value):
        return _(
            "Les jours s'écrivent avec leur abréviation anglaise : Mo, Tu, We, Th, Fr, Sa, Su "
            "(par exemple « Mo-Fr » pour du lundi au vendredi)."
        )
    if _H_FORMAT.search(value):
        return _("Les heures s'écrivent sur 24 heures avec deux-points : « 09:00-12:00 » et non « 9h-12h ».")
    for hours, minutes in _BAD_TIME.findall(value):
        if int(hours) > 24 or int(minutes) > 59:
            return _("L'heure « %(time)s » n'existe pas.") % {"time": f"{hours}:{minutes}"}
    if re.search(r"[,;-]\s*$", value):
        return _("La valeur se termine par un séparateur : une plage ou une règle est incomplète.")
    return ""


def check(value: str) -> str:
    """Return the value cleaned (spaces trimmed) or raise :class:`InvalidOpeningHours` in French."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        return ""
    if len(cleaned) > MAX_LENGTH:
        raise InvalidOpeningHours(
            _("Les horaires ne doivent pas dépasser %(max)d caractères.") % {"max": MAX_LENGTH}
        )
    try:
        _evaluator(cleaned)
    except (_oh.ParserError, SyntaxError, ValueError) as error:  # type: ignore[attr-defined]
        position = _POSITION.search(str(error))
        where = ""
        if position:
            column = int(position.group(1))
            excerpt = cleaned[column - 1 : column + 11] or cleaned[-12:]
            where = " " + _("Erreur au caractère %(column)d (« %(excerpt)s »).") % {
                "column": column,
                "excerpt": excerpt,
            }
        hint = _hint(cleaned)
        message = _("Horaires invalides (format OpenStreetMap attendu).") + where
        if hint:
            message += " " + hint
        message += " " + _("Exemple : « %(example)s ».") % {"example": EXAMPLE}
        raise InvalidOpeningHours(message) from None
    return cleaned


def validate_opening_hours(value: str) -> None:
    """Django validator (model and form fields)."""
    try:
        check(value)
    except InvalidOpeningHours as error:
        raise ValidationError(str(error), code="opening_hours") from None


@lru_cache(maxsize=8192)
def _evaluator(value: str) -> _oh.OpeningHours:
    return _oh.OpeningHours(value, timezone=PARIS, country="FR")


# --- Evaluation -----------------------------------------------------------------------------------


def _paris(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(tz=PARIS)
    if at.tzinfo is None:
        return at.replace(tzinfo=PARIS)
    return at.astimezone(PARIS)


def format_time(hour: int, minute: int) -> str:
    """« 8 h 30 », « 12 h » (no-break spaces)."""
    if minute:
        return f"{hour}{NBSP}h{NBSP}{minute:02d}"
    return f"{hour}{NBSP}h"


def _format_dt_time(moment: datetime) -> str:
    return format_time(moment.hour, moment.minute)


def _day_phrase(moment: datetime, reference: datetime) -> str:
    days = (moment.date() - reference.date()).days
    if days == 0:
        return _("aujourd'hui")
    if days == 1:
        return _("demain")
    if days < 7:
        return DAY_NAMES[moment.weekday()]
    return _("le %(day)s %(month)s") % {
        "day": "1er" if moment.day == 1 else str(moment.day),
        "month": MONTH_NAMES[moment.month - 1],
    }


@dataclass(frozen=True)
class Status:
    is_open: bool
    label: str  # « Ouvert maintenant » / « Fermé »
    detail: str  # « ferme à 12 h » / « ouvre lundi à 9 h » / ""

    def __str__(self) -> str:
        return f"{self.label} — {self.detail}" if self.detail else self.label


# --- Plain French rendering -----------------------------------------------------------------------

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAY_ITEM = rf"(?:{_DAY}(?:-{_DAY})?|PH|SH)"
_TIME = r"(?:[01]?\d|2[0-4]):[0-5]\d"
_SPAN = rf"{_TIME}(?:-{_TIME}\+?|\+)"
_SIMPLE_RULE = re.compile(
    rf"^(?P<days>{_DAY_ITEM}(?:,{_DAY_ITEM})*)?\s*"
    rf"(?P<spans>{_SPAN}(?:\s*,\s*{_SPAN})*)?\s*"
    r"(?P<modifier>off|closed|open|unknown)?\s*"
    r'(?P<comment>"[^"]*")?$'
)


@dataclass(frozen=True)
class DayHours:
    spans: tuple[tuple[int, int, int, int, bool], ...] = ()  # (h1, m1, h2, m2, open_end)
    closed: bool = True
    comment: str = ""

    def text(self) -> str:
        if self.closed and not self.spans:
            return _("fermé") + (f" ({self.comment})" if self.comment else "")
        parts = []
        for h1, m1, h2, m2, open_end in self.spans:
            if open_end and h2 < 0:
                parts.append(_("à partir de %(time)s") % {"time": format_time(h1, m1)})
            else:
                piece = f"{format_time(h1, m1)} – {format_time(h2, m2)}"
                if (h2, m2) < (h1, m1):
                    piece += " " + _("(le lendemain)")
                parts.append(piece)
        text = ", ".join(parts) if parts else _("ouvert")
        return text + (f" ({self.comment})" if self.comment else "")


def _parse_span(text: str) -> tuple[int, int, int, int, bool]:
    open_end = text.endswith("+")
    text = text.rstrip("+")
    if "-" in text:
        start, end = text.split("-")
        h2, m2 = (int(x) for x in end.split(":"))
    else:
        start, h2, m2 = text, -1, 0
    h1, m1 = (int(x) for x in start.split(":"))
    return (h1, m1, h2, m2, open_end)


def _expand_days(selector: str) -> tuple[list[int], bool]:
    days: list[int] = []
    holidays = False
    for item in selector.split(","):
        if item in ("PH", "SH"):
            holidays = holidays or item == "PH"
            continue
        if "-" in item:
            first, last = (WEEKDAYS.index(x) for x in item.split("-"))
            index = first
            while True:
                days.append(index)
                if index == last:
                    break
                index = (index + 1) % 7
        else:
            days.append(WEEKDAYS.index(item))
    return days, holidays


def days_label(days: list[int]) -> str:
    """[0..4] → « Du lundi au vendredi »; [5, 6] → « Samedi et dimanche »; [0, 2] → « Lundi et mercredi »."""
    days = sorted(set(days))
    if len(days) == 7:
        return _("Tous les jours")
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    pieces: list[str] = []
    for run in runs:
        if len(run) >= 3:
            pieces.append(
                _("du %(first)s au %(last)s") % {"first": DAY_NAMES[run[0]], "last": DAY_NAMES[run[-1]]}
            )
        else:
            pieces.extend(DAY_NAMES[d] for d in run)
    label = pieces[0] if len(pieces) == 1 else ", ".join(pieces[:-1]) + " " + _("et") + " " + pieces[-1]
    return label[:1].upper() + label[1:]


_RULE_SPLIT = re.compile(r"\s*;\s*")
_ADDITIONAL_SPLIT = re.compile(r'(?<=[0-9"+fd]),\s*(?=[A-Z])')


@dataclass(frozen=True)
class Schedule:
    raw: str
    lines: tuple[tuple[str, str], ...] = field(default=())  # (« Du lundi au vendredi », « 8 h – 12 h »)
    simple: bool = True  # False when some rules are shown as written

    @property
    def is_empty(self) -> bool:
        return not self.raw

    # evaluation
    def is_open(self, at: datetime | None = None) -> bool:
        if not self.raw:
            return False
        return bool(_evaluator(self.raw).is_open(_paris(at)))

    def next_opening(self, at: datetime | None = None, *, horizon_days: int = 370) -> datetime | None:
        """The next moment (after ``at``) the place opens; ``None`` if it never opens within the horizon."""
        if not self.raw:
            return None
        start = _paris(at)
        evaluator = _evaluator(self.raw)
        end = start + timedelta(days=horizon_days)
        for begin, _finish, state, _comment in evaluator.intervals(start, end):
            if state == _oh.State.OPEN and begin > start:
                return _paris(begin)
        return None

    def next_closing(self, at: datetime | None = None) -> datetime | None:
        if not self.raw:
            return None
        moment = _evaluator(self.raw).next_change(_paris(at))
        return _paris(moment) if moment is not None else None

    def status(self, at: datetime | None = None) -> Status | None:
        if not self.raw:
            return None
        now = _paris(at)
        if self.is_open(now):
            closing = self.next_closing(now)
            if closing is None:
                return Status(True, _("Ouvert maintenant"), "")
            return Status(
                True,
                _("Ouvert maintenant"),
                _("ferme %(day)s à %(time)s")
                % {"day": _day_phrase(closing, now), "time": _format_dt_time(closing)}
                if closing.date() != now.date()
                else _("ferme à %(time)s") % {"time": _format_dt_time(closing)},
            )
        opening = self.next_opening(now)
        if opening is None:
            return Status(False, _("Fermé"), "")
        return Status(
            False,
            _("Fermé"),
            _("ouvre %(day)s à %(time)s")
            % {"day": _day_phrase(opening, now), "time": _format_dt_time(opening)},
        )

    def status_this_minute(self, at: datetime) -> Status | None:
        """:meth:`status` at the start of ``at``'s minute, remembered for that minute: opening hours
        change on whole minutes, and a page of results shows the same few schedules again and again
        (:func:`_minute_statuses`)."""
        return _remembered_this_minute(at, (self.raw, get_language()), self.status)

    def text(self) -> str:
        return " ; ".join(f"{label} : {value}" for label, value in self.lines)

    def __str__(self) -> str:
        return self.text()


_MINUTE_MEMO_MAX = 20_000
_minute_memo: tuple[datetime | None, dict[tuple[str | None, ...], Status | None]] = (None, {})


def _remembered_this_minute(
    at: datetime, key: tuple[str | None, ...], compute: Callable[[datetime], Status | None]
) -> Status | None:
    """``compute`` at the start of ``at``'s minute, remembered under ``key`` for that minute."""
    minute = at.replace(second=0, microsecond=0)
    memo = _minute_statuses(minute)
    if key in memo:
        return memo[key]
    found = compute(minute)
    if len(memo) < _MINUTE_MEMO_MAX:
        memo[key] = found
    return found


def _minute_statuses(minute: datetime) -> dict[tuple[str | None, ...], Status | None]:
    """The statuses computed during ``minute`` (a new, empty dict when the minute changes: nothing ages
    beyond its minute). Threads may race to replace it: each then computes a status again, never a
    wrong one."""
    global _minute_memo
    current, memo = _minute_memo
    if current != minute:
        memo = {}
        _minute_memo = (minute, memo)
    return memo


def _render(value: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    if value == "24/7":
        return ((_("Tous les jours"), _("24 h sur 24")),), True
    if "||" in value:
        return ((_("Horaires (format OpenStreetMap)"), value),), False
    week: dict[int, DayHours] = {}
    holidays: DayHours | None = None
    for rule_text in filter(None, _RULE_SPLIT.split(value.strip().rstrip(";"))):
        for index, part in enumerate(_ADDITIONAL_SPLIT.split(rule_text)):
            match = _SIMPLE_RULE.match(part.strip())
            if not match or not any(match.group(g) for g in ("days", "spans", "modifier")):
                if part.strip() == "24/7":
                    week = {d: DayHours(spans=((0, 0, 24, 0, False),), closed=False) for d in range(7)}
                    continue
                return ((_("Horaires (format OpenStreetMap)"), value),), False
            selector = match.group("days") or ""
            if selector:
                days, on_holidays = _expand_days(selector)
            else:
                days, on_holidays = list(range(7)), False
            spans = tuple(
                _parse_span(s.strip()) for s in (match.group("spans") or "").split(",") if s.strip()
            )
            modifier = match.group("modifier") or ""
            comment = (match.group("comment") or "").strip('"')
            closed = modifier in ("off", "closed")
            if not spans and not closed and modifier in ("", "open"):
                spans = ((0, 0, 24, 0, False),)
            hours = DayHours(spans=() if closed else spans, closed=closed or not spans, comment=comment)
            additional = index > 0
            for day in days:
                if additional and day in week and not closed:
                    previous = week[day]
                    week[day] = DayHours(
                        spans=previous.spans + hours.spans, closed=False, comment=previous.comment or comment
                    )
                else:
                    week[day] = hours
            if on_holidays:
                holidays = hours
    by_value: dict[DayHours, list[int]] = {}
    for day in range(7):
        by_value.setdefault(week.get(day, DayHours()), []).append(day)
    # open days first (in weekday order), closed days last
    groups = sorted(by_value.items(), key=lambda item: (item[0].closed and not item[0].spans, item[1][0]))
    lines = [(days_label(days), hours.text()) for hours, days in groups]
    if holidays is not None:
        lines.append((_("Jours fériés"), holidays.text()))
    return tuple(lines), True


@lru_cache(maxsize=8192)
def parse(value: str | None) -> Schedule:
    """Parse (and validate) a value; raises :class:`InvalidOpeningHours` with a French message."""
    cleaned = check(value or "")
    if not cleaned:
        return Schedule(raw="")
    lines, simple = _render(cleaned)
    return Schedule(raw=cleaned, lines=lines, simple=simple)


def safe_parse(value: str | None) -> Schedule | None:
    """Like :func:`parse` but answers ``None`` for invalid stored values (pages must not crash)."""
    try:
        return parse(value)
    except InvalidOpeningHours:
        return None


def status_of(value: str | None, at: datetime, *, language: str | None = None) -> Status | None:
    """« Ouvert maintenant » of a stored value at the start of ``at``'s minute (None when the value is
    empty or invalid): :meth:`Schedule.status_this_minute` without :func:`parse`'s French rendering of
    the week, which a result card does not show (it cost more than the status itself). Remembered for
    the minute under the stored value, beside the statuses of parsed schedules. ``language``: the
    active language, when the caller knows it (a page of cards asks it once)."""

    def compute(minute: datetime) -> Status | None:
        try:
            cleaned = check(value or "")
        except InvalidOpeningHours:
            return None
        return Schedule(raw=cleaned).status(minute) if cleaned else None

    return _remembered_this_minute(at, ("stored", value or "", language or get_language()), compute)


def humanize(value: str | None) -> str:
    """One-line plain French rendering; the raw value when it is invalid."""
    schedule = safe_parse(value)
    if schedule is None:
        return value or ""
    return schedule.text()


def is_open(value: str | None, at: datetime | None = None) -> bool:
    schedule = safe_parse(value)
    return bool(schedule and schedule.is_open(at))


def open_on(value: str | None, day: date) -> bool:
    """Whether the place opens at some point of ``day`` (used for « ouvert le samedi »)."""
    schedule = safe_parse(value)
    if schedule is None or schedule.is_empty:
        return False
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
    if schedule.is_open(start):
        return True
    opening = schedule.next_opening(start, horizon_days=1)
    return opening is not None and opening.date() == day
