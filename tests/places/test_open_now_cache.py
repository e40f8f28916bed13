"""« Ouvert maintenant » keeps the answer of a minute (the schedules open then) in the cache, keyed on the
minute and on the version of the computed hours: new hours written by any path show at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.places.opening_hours import PARIS
from maillage.places.selectors import SearchFilters, place_search
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db


def _tuesday_10() -> datetime:
    today = datetime.now(tz=PARIS).date()
    tuesday = today - timedelta(days=today.weekday()) + timedelta(days=1)
    return datetime(tuesday.year, tuesday.month, tuesday.day, 10, 0, tzinfo=PARIS)


def _open(at: datetime) -> set[str]:
    return {p.name for p in place_search(SearchFilters(open_now=True), at=at)}


def test_open_now_is_cached_per_minute_and_new_hours_show_at_once(figeac) -> None:
    at = _tuesday_10()
    PlaceFactory(name="Ouvert le mardi matin", commune=figeac, opening_hours="Tu 09:00-12:00")
    PlaceFactory(name="Fermé le mardi", commune=figeac, opening_hours="We 09:00-12:00")
    assert _open(at) == {"Ouvert le mardi matin"}
    with CaptureQueriesContext(connection) as captured:
        assert _open(at) == {"Ouvert le mardi matin"}
    assert not [q for q in captured.captured_queries if "places_openinginterval" in q["sql"]]
    # a place saved with hours never seen before: computed for the weeks already computed, shown at once
    PlaceFactory(name="Nouveaux horaires", commune=figeac, opening_hours="Tu 09:45-10:30")
    assert _open(at) == {"Ouvert le mardi matin", "Nouveaux horaires"}
    # another minute is another answer
    assert _open(at + timedelta(minutes=35)) == {"Ouvert le mardi matin"}
