"""A search around a point reads its page nearest first from the spatial index (PostgreSQL: GiST `<->`
in plain degrees, then the exact order by true distance); the order is the true distance's."""

from __future__ import annotations

import math

import pytest

from maillage.places.selectors import NearestFirst, SearchFilters, distance_km, first_results, place_search
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db

LAT0, LON0 = 45.0, 2.0
K = math.cos(math.radians(LAT0))
KM = 111.195  # km per degree of latitude


def test_the_page_is_in_true_distance_order_beyond_the_index_order(figeac) -> None:
    # East 10 km: plain distance 0.127° (a degree of longitude is short here); north 11 km: 0.099°.
    # The index meets « north » first; the true order puts « east » first.
    east = PlaceFactory(name="À l'est", commune=figeac, latitude=LAT0, longitude=LON0 + 10 / (KM * K))
    north = PlaceFactory(name="Au nord", commune=figeac, latitude=LAT0 + 11 / KM, longitude=LON0)
    for i in range(60):  # more than the first read (50 rows): the stopping rule decides
        PlaceFactory(name=f"Loin {i}", commune=figeac, latitude=LAT0 + (20 + i * 0.1) / KM, longitude=LON0)
    filters = SearchFilters(position=(LAT0, LON0), radius_km=50)
    queryset = place_search(filters)
    first = first_results(queryset, filters)
    assert isinstance(first, NearestFirst)
    assert first[0:2] == [east.pk, north.pk]
    page = first[0:20]
    expected = [p.pk for p in sorted(queryset, key=lambda p: (p.distance_sq, p.pk))][:20]
    assert page == expected
    assert first.capped_count(200) == 62
    km = [distance_km(type("P", (), {"distance_sq": first.distances[pk]})()) for pk in page]
    assert km == sorted(km) and round(km[0]) == 10


def test_the_count_and_the_page_come_from_one_read_on_postgresql(figeac) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from maillage.places.selectors import CappedPaginator

    if connection.vendor != "postgresql":
        pytest.skip("the count is its own query elsewhere")
    for i in range(30):
        PlaceFactory(name=f"Lieu {i}", commune=figeac, latitude=LAT0 + i / KM, longitude=LON0)
    filters = SearchFilters(position=(LAT0, LON0), radius_km=50)
    queryset = place_search(filters)
    first = first_results(queryset, filters)
    paginator = CappedPaginator(first, 20)  # type: ignore[arg-type]
    with CaptureQueriesContext(connection) as captured:
        page = paginator.get_page(2)
        ids = list(page.object_list)
    assert paginator.count == 30 and not paginator.more
    assert ids == [p.pk for p in sorted(queryset, key=lambda p: (p.distance_sq, p.pk))][20:30]
    assert len([q for q in captured.captured_queries if "places_place" in q["sql"]]) == 1


def test_a_page_s_places_are_read_by_key_in_the_page_s_order(figeac) -> None:
    from maillage.places.selectors import page_places

    fields = ("pk", "name", "latitude", "services", "national_programmes", "opening_hours")
    one = PlaceFactory(name="Un", commune=figeac, services=["Accès internet et matériel informatique"])
    two = PlaceFactory(name="Deux", commune=figeac, national_programmes=["France Services"])
    hidden = PlaceFactory(name="Caché", commune=figeac, is_published=False)
    for ids in ([two.pk, one.pk], [one.pk, hidden.pk, two.pk], [one.pk]):  # one compiled shape per size
        places = page_places([], ids, fields)
        assert [p.pk for p in places] == [pk for pk in ids if pk != hidden.pk]
        for place in places:
            model = type(one).objects.get(pk=place.pk)
            assert {name: getattr(place, name) for name in fields} == {n: getattr(model, n) for n in fields}
    assert page_places([], [], fields) == []


def test_an_invalid_search_around_a_point_reads_nothing(figeac) -> None:
    PlaceFactory(name="Proche", commune=figeac, latitude=LAT0, longitude=LON0)
    filters = SearchFilters(position=(LAT0, LON0), radius_km=50, invalid=True)
    first = first_results(place_search(filters), filters)
    assert isinstance(first, NearestFirst)
    assert first.capped_count(200) == 0 and first[0:20] == []


@pytest.mark.parametrize("in_transaction", [False, True])
def test_the_nearest_first_read_runs_without_bitmap_scans_in_one_round_trip(figeac, in_transaction) -> None:
    """The read asks PostgreSQL for the GiST index's own order: bitmap scans off for its statement
    only, the setting put back after it (inside a request's transaction as outside one), and the
    three statements sent as one."""
    from django.db import connection, transaction
    from django.db.models import CharField
    from django.db.models.expressions import RawSQL
    from django.test.utils import CaptureQueriesContext

    from maillage.places.models import Place
    from maillage.places.selectors import _rows_without_bitmap_scans

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner setting")
    place = PlaceFactory(name="Proche", commune=figeac, latitude=LAT0, longitude=LON0)
    setting = RawSQL("current_setting('enable_bitmapscan')", [], output_field=CharField())
    queryset = Place.objects.filter(pk=place.pk).annotate(setting=setting).values_list("pk", "setting")

    def current() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_bitmapscan')")
            return str(cursor.fetchone()[0])

    with transaction.atomic() if in_transaction else _nothing():
        with CaptureQueriesContext(connection) as captured:
            rows = _rows_without_bitmap_scans(queryset)
        assert rows == [(place.pk, "off")]
        assert len(captured.captured_queries) == 1
        assert current() == "on"
        if in_transaction:  # a setting the transaction had chosen is kept
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_bitmapscan = off")
            assert _rows_without_bitmap_scans(queryset) == [(place.pk, "off")]
            assert current() == "off"
    assert _rows_without_bitmap_scans(Place.objects.none().values_list("pk")) == []


def _nothing():
    from contextlib import nullcontext

    return nullcontext()


COMBINATIONS = [
    {},
    {"q": "impots"},
    {"q": "France Services"},
    {"q": "46100"},
    {"q": "  "},
    {"services": ["Accès internet et matériel informatique"], "fees": ["Gratuit", "Payant"]},
    {"publics": ["Seniors"], "support_modes": ["En autonomie"], "specific_support": ["Illettrisme"]},
    {"national_programmes": ["France Services"], "accessibility_sheet": True, "q": "caf"},
    {"services": ["100% en ligne", "a_b"], "radius_km": 5},
]


@pytest.mark.parametrize("values", COMBINATIONS)
def test_the_nearest_first_read_compiled_once_per_shape_is_the_orm_s(figeac, values) -> None:
    """The read of a search around a point is compiled by the ORM once per shape of search, its
    parameters computed apart: the same SQL and parameters as the ORM's, the same rows."""
    from django.db import connection

    from maillage.places import selectors

    if connection.vendor != "postgresql":
        pytest.skip("the read by the spatial index's order is PostgreSQL's")
    PlaceFactory(name="Proche", commune=figeac, latitude=LAT0, longitude=LON0)
    selectors._NEAR_QUERIES.clear()
    filters = SearchFilters(position=(LAT0, LON0), **{"radius_km": 30, **values})
    first = first_results(lambda: place_search(filters), filters)
    assert isinstance(first, NearestFirst)
    for _ in range(2):  # compiled by the ORM, then from the shape
        read = selectors.nearest_read(filters, 201, first.ordered)
        assert read is not None
        sql, params = first.ordered()[:201].query.sql_with_params()
        assert read == (sql, list(params))
    assert len(selectors._NEAR_QUERIES) == 1
    expected = [p.pk for p in sorted(place_search(filters), key=lambda p: (p.distance_sq, p.pk))][:20]
    assert first[0:20] == expected
    # The planner's estimate (« environ 20 600 » beyond the exact count): the same, its SQL kept too.
    for _ in range(2):
        assert first.estimated_count() == selectors.estimated_count(place_search(filters))
    assert len([key for key in selectors._NEAR_QUERIES if key[0] == "count"]) == 1


def test_a_shape_whose_parameters_differ_from_the_orm_s_is_not_kept(figeac, monkeypatch) -> None:
    """Parameters computed apart that do not match the ORM's (a condition the shape does not know):
    the ORM's SQL and parameters answer, and nothing is kept for the shape."""
    from django.db import connection

    from maillage.places import selectors

    if connection.vendor != "postgresql":
        pytest.skip("the read by the spatial index's order is PostgreSQL's")
    selectors._NEAR_QUERIES.clear()
    filters = SearchFilters(position=(LAT0, LON0), q="impots")
    shape, params = selectors._near_shape(filters, None)  # type: ignore[misc]
    monkeypatch.setattr(selectors, "_near_shape", lambda f, at: (shape, [*params[:-1], "autre"]))
    first = NearestFirst(lambda: place_search(filters), (LAT0, LON0), filters=filters)
    sql, orm_params = first.ordered()[:201].query.sql_with_params()
    assert selectors.nearest_read(filters, 201, first.ordered) == (sql, list(orm_params))
    assert selectors._NEAR_QUERIES == {}


def test_an_invalid_search_or_nothing_open_has_no_compiled_read(figeac) -> None:
    from maillage.places import selectors

    invalid = SearchFilters(position=(LAT0, LON0), invalid=True)
    assert selectors.nearest_read(invalid, 201, lambda: place_search(invalid)) is None
    first = first_results(lambda: place_search(invalid), invalid)
    assert isinstance(first, NearestFirst) and first.capped_count(200) == 0 and first[0:20] == []


def test_the_nearest_place_of_an_empty_search_is_the_nearest_by_true_distance(figeac) -> None:
    """An empty search explains itself with the nearest matching place: the nearest by true distance
    (not by the index's plain degrees), with its commune and département, and its distance."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from maillage.places.selectors import nearest_place

    east = PlaceFactory(name="À l'est", commune=figeac, latitude=LAT0, longitude=LON0 + 10 / (KM * K))
    PlaceFactory(name="Au nord", commune=figeac, latitude=LAT0 + 11 / KM, longitude=LON0)
    PlaceFactory(name="Caché", commune=figeac, latitude=LAT0, longitude=LON0, is_published=False)
    found = nearest_place((LAT0, LON0), SearchFilters(position=(LAT0, LON0), radius_km=5))
    assert found is not None
    place, km = found
    assert place.pk == east.pk and round(km) == 10
    with CaptureQueriesContext(connection) as captured:
        assert place.commune == figeac and place.commune.department == figeac.department
        assert (place.name, place.commune_name) == (east.name, east.commune_name)
        assert place.commune.department.name == figeac.department.name
    assert not captured.captured_queries
    assert nearest_place((LAT0, LON0), SearchFilters(q="introuvable")) is None
