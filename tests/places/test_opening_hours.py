"""OSM opening_hours: validation with French messages, plain French rendering, open now, next opening."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from maillage.places.opening_hours import (
    NBSP,
    PARIS,
    InvalidOpeningHours,
    check,
    days_label,
    format_time,
    humanize,
    is_open,
    open_on,
    parse,
    safe_parse,
    status_of,
    validate_opening_hours,
)

STANDARD = "Mo-Fr 08:30-12:00,14:00-17:30; Sa 09:00-12:00; PH off"


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# --- rendering -------------------------------------------------------------------------------------


def test_standard_example_in_plain_french() -> None:
    lines = [(label, plain(value)) for label, value in parse(STANDARD).lines]
    assert lines == [
        ("Du lundi au vendredi", "8 h 30 – 12 h, 14 h – 17 h 30"),
        ("Samedi", "9 h – 12 h"),
        ("Dimanche", "fermé"),
        ("Jours fériés", "fermé"),
    ]


def test_text_joins_lines() -> None:
    assert (
        plain(humanize("Mo-Fr 09:00-12:00"))
        == "Du lundi au vendredi : 9 h – 12 h ; Samedi et dimanche : fermé"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("24/7", [("Tous les jours", "24 h sur 24")]),
        ("Mo-Su 09:00-18:00", [("Tous les jours", "9 h – 18 h")]),
        (
            "Mo,We,Fr 09:00-12:00",
            [("Lundi, mercredi et vendredi", "9 h – 12 h"), ("Mardi, jeudi, samedi et dimanche", "fermé")],
        ),
        (
            "Mo-Fr 08:00-18:00; We off",
            [("Lundi, mardi, jeudi et vendredi", "8 h – 18 h"), ("Mercredi, samedi et dimanche", "fermé")],
        ),
        (
            "Mo-Fr 09:00-12:00, Sa 10:00-12:00",
            [("Du lundi au vendredi", "9 h – 12 h"), ("Samedi", "10 h – 12 h"), ("Dimanche", "fermé")],
        ),
        (
            'Tu-Th 14:00-18:00 "sur rendez-vous"',
            [
                ("Du mardi au jeudi", "14 h – 18 h (sur rendez-vous)"),
                ("Lundi et du vendredi au dimanche", "fermé"),
            ],
        ),
        (
            "Mo-Fr 22:00-02:00",
            [("Du lundi au vendredi", "22 h – 2 h (le lendemain)"), ("Samedi et dimanche", "fermé")],
        ),
        ("Mo-Sa 10:00+", [("Du lundi au samedi", "à partir de 10 h"), ("Dimanche", "fermé")]),
        (
            "Sa-Mo 10:00-12:00",
            [("Lundi, samedi et dimanche", "10 h – 12 h"), ("Du mardi au vendredi", "fermé")],
        ),
        ("Mo-Fr 9:00-12:00", [("Du lundi au vendredi", "9 h – 12 h"), ("Samedi et dimanche", "fermé")]),
        (
            "Mo-Fr 09:00-12:00; Mo 14:00-16:00",
            [
                ("Lundi", "14 h – 16 h"),
                ("Du mardi au vendredi", "9 h – 12 h"),
                ("Samedi et dimanche", "fermé"),
            ],
        ),
    ],
)
def test_rendering(value: str, expected: list[tuple[str, str]]) -> None:
    schedule = parse(value)
    assert schedule.simple
    assert [(label, plain(text)) for label, text in schedule.lines] == expected


@pytest.mark.parametrize(
    "value",
    [
        "week 1-53/2 Sa 10:00-12:00",
        "Jan-Mar Mo 10:00-12:00",
        "Mo-Fr sunrise-sunset",
        'Mo-Fr 09:00-12:00 || "sur rendez-vous"',
    ],
)
def test_rarer_selectors_are_tolerated_and_shown_as_written(value: str) -> None:
    schedule = parse(value)
    assert not schedule.simple
    assert schedule.lines == (("Horaires (format OpenStreetMap)", value),)
    schedule.status(paris(2026, 11, 23, 10, 0))  # evaluated without error


def test_days_label() -> None:
    assert days_label([0, 1, 2, 3, 4]) == "Du lundi au vendredi"
    assert days_label([5, 6]) == "Samedi et dimanche"
    assert days_label([0, 1, 2, 4]) == "Du lundi au mercredi et vendredi"
    assert days_label([3]) == "Jeudi"
    assert days_label(list(range(7))) == "Tous les jours"


def test_format_time() -> None:
    assert plain(format_time(8, 30)) == "8 h 30"
    assert plain(format_time(12, 0)) == "12 h"
    assert format_time(9, 5) == f"9{NBSP}h{NBSP}05"


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("lun-ven 9:00-12:00", "abréviation anglaise"),
        ("Lundi 09:00-12:00", "abréviation anglaise"),
        ("Mo-Fr 9h-12h", "deux-points"),
        ("Mo-Fr 25:00-26:00", "« 25:00 » n'existe pas"),
        ("Mo-Fr 09:70-12:00", "« 09:70 » n'existe pas"),
        ("Mo-Fr 09:00-12:00,", "séparateur"),
        ("n'importe quoi", "Horaires invalides"),
        ("Mo-Fr 09:00-12:00 et le samedi", "Erreur au caractère"),
    ],
)
def test_invalid_values_get_a_french_message(value: str, fragment: str) -> None:
    with pytest.raises(InvalidOpeningHours) as error:
        parse(value)
    assert fragment in str(error.value)
    assert "Exemple : « Mo-Fr" in str(error.value)


def test_django_validator() -> None:
    validate_opening_hours(STANDARD)
    validate_opening_hours("")
    with pytest.raises(ValidationError) as error:
        validate_opening_hours("tous les jours")
    assert error.value.code == "opening_hours"


def test_check_trims_and_limits_length() -> None:
    assert check("  Mo-Fr   09:00-12:00 ") == "Mo-Fr 09:00-12:00"
    assert check("") == ""
    with pytest.raises(InvalidOpeningHours, match="ne doivent pas dépasser"):
        check("Mo 09:00-10:00; " * 60)


def test_safe_parse_and_humanize_never_raise() -> None:
    assert safe_parse("n'importe quoi") is None
    assert humanize("n'importe quoi") == "n'importe quoi"
    assert humanize(None) == ""
    assert safe_parse("") is not None and safe_parse("").is_empty  # type: ignore[union-attr]


# --- evaluation ------------------------------------------------------------------------------------


def test_is_open_in_paris_time() -> None:
    schedule = parse(STANDARD)
    assert schedule.is_open(paris(2026, 11, 23, 10, 0))  # Monday
    assert not schedule.is_open(paris(2026, 11, 23, 12, 30))  # lunch
    assert schedule.is_open(paris(2026, 11, 23, 17, 29))
    assert not schedule.is_open(paris(2026, 11, 23, 17, 30))
    assert not schedule.is_open(paris(2026, 11, 22, 10, 0))  # Sunday
    # 08:00 UTC is 09:00 in Paris in winter, 10:00 in summer
    assert schedule.is_open(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert not schedule.is_open(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    assert schedule.is_open(datetime(2026, 7, 6, 6, 45, tzinfo=UTC))  # 08:45 CEST
    # naive datetimes are read as Paris time
    assert schedule.is_open(datetime(2026, 11, 23, 10, 0))  # noqa: DTZ001


def test_french_public_holidays_are_closed() -> None:
    schedule = parse(STANDARD)
    assert not schedule.is_open(paris(2026, 11, 11, 10, 0))  # Armistice, a Wednesday
    assert not schedule.is_open(paris(2026, 7, 14, 10, 0))  # Fête nationale, a Tuesday
    assert schedule.is_open(paris(2026, 11, 12, 10, 0))


def test_status_open_then_closed() -> None:
    schedule = parse(STANDARD)
    status = schedule.status(paris(2026, 11, 23, 10, 0))
    assert status is not None and status.is_open
    assert plain(str(status)) == "Ouvert maintenant — ferme à 12 h"
    assert plain(str(schedule.status(paris(2026, 11, 23, 12, 30)))) == "Fermé — ouvre aujourd'hui à 14 h"
    assert plain(str(schedule.status(paris(2026, 11, 23, 18, 0)))) == "Fermé — ouvre demain à 8 h 30"
    assert plain(str(schedule.status(paris(2026, 11, 21, 12, 30)))) == "Fermé — ouvre lundi à 8 h 30"
    # the day after a holiday
    assert plain(str(schedule.status(paris(2026, 11, 10, 18, 0)))) == "Fermé — ouvre jeudi à 8 h 30"


def test_status_far_away_and_never() -> None:
    seasonal = parse("Jan Mo 10:00-12:00")
    assert plain(str(seasonal.status(paris(2026, 11, 23, 10, 0)))) == "Fermé — ouvre le 4 janvier à 10 h"
    assert str(parse("Mo-Su off").status(paris(2026, 11, 23, 10, 0))) == "Fermé"
    assert str(parse("24/7").status(paris(2026, 11, 23, 10, 0))) == "Ouvert maintenant"
    assert parse("").status() is None


def test_next_opening() -> None:
    schedule = parse(STANDARD)
    assert schedule.next_opening(paris(2026, 11, 21, 12, 30)) == paris(2026, 11, 23, 8, 30)
    assert schedule.next_opening(paris(2026, 11, 23, 10, 0)) == paris(2026, 11, 23, 14, 0)
    assert parse("").next_opening() is None


def test_helpers_for_filters() -> None:
    assert is_open(STANDARD, paris(2026, 11, 23, 10, 0))
    assert not is_open("garbage", paris(2026, 11, 23, 10, 0))
    assert not is_open(None)
    assert open_on(STANDARD, datetime(2026, 11, 21).date())  # noqa: DTZ001 — Saturday
    assert not open_on(STANDARD, datetime(2026, 11, 22).date())  # noqa: DTZ001 — Sunday
    assert not open_on(None, datetime(2026, 11, 22).date())  # noqa: DTZ001


def test_generated_simple_values_round_trip() -> None:
    """Property-style check: every generated weekday/time value is valid, rendered and consistent."""
    rng = random.Random(46)
    days = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
    for _ in range(200):
        first = rng.randrange(7)
        last = rng.randrange(first, 7)
        selector = days[first] if first == last else f"{days[first]}-{days[last]}"
        start = rng.randrange(6, 12)
        end = rng.randrange(start + 1, 14)
        value = f"{selector} {start:02d}:{rng.choice([0, 15, 30]):02d}-{end:02d}:00"
        schedule = parse(value)
        assert schedule.simple
        open_days = [i for i in range(7) if first <= i <= last]
        # the first line describes the open days
        label, text = schedule.lines[0]
        assert label.lower().startswith(("du ", "tous", days_label(open_days).lower()[:3]))
        assert plain(text).startswith(f"{start} h")
        # evaluation agrees with the rendering: open at noon minus one minute on an open day iff in range
        monday = paris(2026, 11, 23, 0, 0)
        probe = monday.replace(day=23 + first, hour=start, minute=59)
        assert schedule.is_open(probe) == (start * 60 + 59 < end * 60)


def test_the_status_of_a_minute_is_remembered_for_that_minute_only() -> None:
    paris = PARIS
    schedule = parse("Mo-Fr 09:00-12:00")
    before = datetime(2026, 11, 23, 11, 59, 30, tzinfo=paris)  # a Monday
    assert schedule.status_this_minute(before) == schedule.status(before.replace(second=0))
    same_minute = schedule.status_this_minute(before.replace(second=59))
    assert same_minute is not None and same_minute.is_open
    after = datetime(2026, 11, 23, 12, 0, 5, tzinfo=paris)
    closed = schedule.status_this_minute(after)
    assert closed is not None and not closed.is_open and closed == schedule.status(after)
    # Another schedule in the same minute is computed for itself.
    always = parse("Mo-Su 00:00-24:00").status_this_minute(after)
    assert always is not None and always.is_open


@pytest.mark.parametrize(
    "stored",
    [
        "Mo-Fr 09:00-12:00",
        "  Mo-Fr   09:00-12:00 ",
        "Mo-Su 00:00-24:00",
        "24/7",
        "Sa 10:00-12:00; PH off",
        "",
        None,
        "n'importe quoi",
    ],
)
def test_the_status_of_a_stored_value_is_the_status_of_its_parsed_schedule(stored: str | None) -> None:
    """A result card asks the status of the stored value without rendering the week in French: the
    same answer as the parsed schedule's (None for an empty or invalid value), minute after minute."""
    for moment in (
        datetime(2026, 11, 23, 11, 59, 30, tzinfo=PARIS),  # a Monday morning
        datetime(2026, 11, 23, 12, 0, 5, tzinfo=PARIS),
        datetime(2026, 11, 28, 11, 0, 0, tzinfo=PARIS),  # a Saturday
    ):
        schedule = safe_parse(stored)
        expected = schedule.status(moment.replace(second=0)) if schedule and not schedule.is_empty else None
        assert status_of(stored, moment) == expected
        assert status_of(stored, moment) == expected  # remembered for the minute
