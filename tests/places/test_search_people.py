"""Search as people search: their words, « autour de moi », every result on the map, empty searches
explained; the spatial index and the precomputed « ouvert maintenant » agree with plain computation."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.places import open_now, opening_hours, search_document, spatial
from maillage.places.models import OpeningInterval, Place
from maillage.places.normalize import fold
from maillage.places.opening_hours import PARIS
from maillage.places.selectors import KM_PER_DEGREE, SearchFilters, place_search
from tests.factories import make_commune, make_department
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db
URL = reverse("places:search")


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(card.place.name for card in response.context["cards"])


@pytest.fixture
def needs(figeac):
    return {
        "taxes": PlaceFactory(
            name="Maison de quartier",
            commune=figeac,
            services=["Aide aux démarches administratives"],
            national_programmes=[],
        ),
        "caf": PlaceFactory(
            name="Centre social du Puy",
            commune=figeac,
            services=["Maîtrise des outils numériques du quotidien"],
            national_programmes=["Point d'accès numérique CAF"],
        ),
        "fs": PlaceFactory(
            name="Espace de Capdenac",
            commune=figeac,
            services=["Accès internet et matériel informatique"],
            national_programmes=["France Services", "Aidants Connect"],
        ),
        "library": PlaceFactory(
            name="Médiathèques réunies",
            commune=figeac,
            services=["Loisirs et créations numériques"],
            national_programmes=[],
            description="Ateliers pour apprendre à se servir d'une tablette.",
        ),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("impots", ["Maison de quartier"]),
        ("Impôts", ["Maison de quartier"]),
        ("IMPÔT", ["Maison de quartier"]),
        ("déclaration d'impôts", ["Maison de quartier"]),
        ("caf", ["Centre social du Puy", "Maison de quartier"]),  # CAF access point, and help with CAF files
        ("France Services", ["Espace de Capdenac"]),
        ("france service", ["Espace de Capdenac"]),
        ("Aidants Connect", ["Espace de Capdenac"]),
        ("mediatheque", ["Médiathèques réunies"]),
        ("tablettes", ["Centre social du Puy", "Médiathèques réunies"]),  # synonym; description, plural
        ("média", ["Médiathèques réunies"]),  # start of a word
        ("carte grise", ["Maison de quartier"]),
        ("nothing-like-this", []),
    ],
)
def test_people_words_find_the_places(client, needs, q, expected) -> None:
    assert names(client.get(URL, {"q": q})) == expected


def test_search_document_follows_edits(needs) -> None:
    place = needs["library"]
    place.description = "Permanence impôts le mardi."
    place.save()
    found = {p.name for p in place_search(SearchFilters(q="impots"))}
    assert found == {"Maison de quartier", "Médiathèques réunies"}


def test_query_terms_are_folded_stemmed_and_safe() -> None:
    assert search_document.query_terms("Les impôts & l'ANTS !") == ["impot", "ant"]
    assert search_document.tsquery(["impot", "caf"]) == "impot:* & caf:*"
    assert search_document.query_terms("' | & ! :*") == []


def test_the_stemmer_in_use_gives_the_stems_of_the_snowball_french_algorithm() -> None:
    """The C stemmer (PyStemmer, used by snowballstemmer when installed) and the pure-Python one agree:
    documents written by one installation are found by the queries of another."""
    from snowballstemmer.french_stemmer import FrenchStemmer

    reference = FrenchStemmer()
    text = (
        "Médiathèques municipales, impôts et déclarations ; ateliers d'initiation à l'ordinateur, "
        "accompagnement numérique des familles, reconditionnés, hameçonnage, cybersécurité, "
        "malentendants, Saint-Étienne-du-Rouvray, Château-Thierry, l'Haÿ-les-Roses 94240"
    )
    for word in fold(text).split():
        if not word.isdigit() and len(word) >= 3:
            assert search_document.stem.__wrapped__(word) == reference.stemWord(word), word


def test_unknown_commune_shows_no_place_and_says_so(client, needs) -> None:
    response = client.get(URL, {"commune": "Atlantide"})
    html = response.content.decode()
    assert response.context["count"] == 0 and names(response) == []
    assert "Commune ou territoire introuvable" in html
    assert "Aucun lieu n'est affiché tant que la recherche n'est pas corrigée" in html


def test_commune_of_another_department_explains_the_empty_result(client, needs) -> None:
    finistere = make_department("29", "Finistère")
    make_commune("29019", "Brest", finistere, postcodes=["29200"], lat=48.39, lon=-4.49, population=140000)
    response = client.get(URL, {"commune": "Brest (29019)"})
    html = response.content.decode()
    assert response.context["count"] == 0
    assert "aucun lieu dans le département Finistère (29)" in html
    assert "Le lieu correspondant le plus proche est à" in html
    assert "Figeac, Lot" in html


def test_around_me_sorts_by_distance_from_the_position(client, figeac, cahors) -> None:
    PlaceFactory(name="À Figeac", commune=figeac)
    PlaceFactory(name="À Cahors", commune=cahors)
    response = client.get(URL, {"position": "44.45,1.44", "rayon": "100"})
    assert [c.place.name for c in response.context["cards"]] == ["À Cahors", "À Figeac"]
    assert "de votre position" in response.content.decode()
    bad = client.get(URL, {"position": "999,abc"})
    assert bad.context["count"] == 0 and "Position invalide" in bad.content.decode()


def test_without_javascript_the_around_me_button_is_absent_and_the_form_works(client, needs) -> None:
    html = client.get(URL).content.decode()
    assert 'id="autour-de-moi"' in html and "<button" not in html.split('id="autour-de-moi"')[1][:200]
    assert 'name="position"' in html


def test_map_shows_every_result_not_only_the_page(client, figeac) -> None:
    PlaceFactory.create_batch(25, commune=figeac)
    page = client.get(URL, {"commune": "Figeac"})
    assert len(page.context["cards"]) == 20
    url = reverse("places:map_points")
    data = client.get(url, {"commune": "Figeac"}).json()
    assert len(data["points"]) == 25 and data["clusters"] == []
    assert data["points"][0][2].startswith("/lieux/")


def test_map_groups_many_results_in_clusters(client, figeac, cahors, monkeypatch) -> None:
    from maillage.places import views

    monkeypatch.setattr(views, "MAP_POINTS_MAX", 5)
    PlaceFactory.create_batch(6, commune=figeac)
    PlaceFactory.create_batch(4, commune=cahors)
    data = client.get(reverse("places:map_points")).json()
    assert data["points"] == []
    assert sorted(c[2] for c in data["clusters"]) == [4, 6]


def test_broad_searches_count_up_to_a_cap_and_sort_the_first_found_by_name(
    client, figeac, monkeypatch
) -> None:
    from maillage.places import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    monkeypatch.setattr(selectors.CappedPaginator, "cap", 5)
    PlaceFactory.create_batch(8, commune=figeac, services=["Aide aux démarches administratives"])
    PlaceFactory(commune=figeac, services=["Loisirs et créations numériques"], national_programmes=[])
    response = client.get(URL, {"q": "impots"})
    assert response.context["count"] == 5 and response.context["count_more"]
    assert "Plus de 5 lieux trouvés" in response.content.decode()
    matching = set(
        Place.objects.filter(services_search__contains="|Aide aux démarches administratives|").values_list(
            "normalized_name", flat=True
        )
    )
    names = dict(Place.objects.values_list("pk", "normalized_name"))
    shown = [names[card.place.pk] for card in response.context["cards"]]
    assert len(shown) == 5 and shown == sorted(shown) and set(shown) <= matching  # the first found, by name
    estimate = response.context["count_estimate"]
    assert estimate is None if connection.vendor == "sqlite" else estimate is None or estimate > 5
    narrow = client.get(URL, {"q": "loisirs"})
    assert narrow.context["count"] == 1 and not narrow.context["count_more"]
    assert "1 lieu trouvé" in narrow.content.decode()


def test_many_map_results_are_counted_and_grouped_by_the_database(
    client, figeac, cahors, monkeypatch
) -> None:
    from maillage.places import views

    monkeypatch.setattr(views, "MAP_POINTS_MAX", 5)
    PlaceFactory.create_batch(6, commune=figeac, services=["Aide aux démarches administratives"])
    PlaceFactory.create_batch(4, commune=cahors, services=["Aide aux démarches administratives"])
    url = reverse("places:map_points")
    with CaptureQueriesContext(connection) as captured:
        data = client.get(url, {"q": "impots"}).json()
    assert data["points"] == [] and sorted(c[2] for c in data["clusters"]) == [4, 6]
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2 and "GROUP BY" in selects[1]  # a capped count, one GROUP BY
    assert all('"name"' not in sql for sql in selects)  # no row read one by one
    with CaptureQueriesContext(connection) as captured:  # the clusters of a search are kept five minutes
        assert client.get(url, {"q": "impots"}).json() == data
    assert not any("GROUP BY" in q["sql"] for q in captured.captured_queries)


def test_radius_search_matches_plain_distance_computation(lot) -> None:
    """The spatial index returns exactly the places a full scan keeps (random points, random radii)."""
    rng = random.Random(7)
    commune = make_commune("46001", "Centre", lot, lat=44.6, lon=1.7)
    PlaceFactory.create_batch(
        120,
        commune=commune,
        latitude=factory_lat(rng),
        longitude=factory_lon(rng),
    )
    for place in Place.objects.all():
        place.latitude = 44.6 + rng.uniform(-0.6, 0.6)
        place.longitude = 1.7 + rng.uniform(-0.8, 0.8)
        place.save(update_fields=["latitude", "longitude"])
    k = math.cos(math.radians(44.6))
    for radius in (5, 10, 20, 30, 50):
        found = {p.pk for p in place_search(SearchFilters(commune=commune, radius_km=radius))}
        expected = {
            p.pk
            for p in Place.objects.all()
            if math.hypot(p.latitude - 44.6, (p.longitude - 1.7) * k) * KM_PER_DEGREE <= radius
        }
        assert found == expected
        assert expected  # the test means something


def factory_lat(rng: random.Random) -> float:
    return 44.6 + rng.uniform(-0.6, 0.6)


def factory_lon(rng: random.Random) -> float:
    return 1.7 + rng.uniform(-0.8, 0.8)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="R-tree: SQLite only")
def test_sqlite_rtree_follows_writes_and_survives_table_rebuilds(figeac) -> None:
    place = PlaceFactory(commune=figeac)

    def rtree_ids() -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {spatial.RTREE}")  # noqa: S608
            return {row[0] for row in cursor.fetchall()}

    assert place.pk in rtree_ids()
    Place.objects.filter(pk=place.pk).update(latitude=None)
    assert place.pk not in rtree_ids()
    Place.objects.filter(pk=place.pk).update(latitude=44.6)
    assert place.pk in rtree_ids()
    # A later migration rebuilding places_place drops the triggers: post_migrate puts them back.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {spatial.RTREE}_insert")
        cursor.execute(f"DELETE FROM {spatial.RTREE}")  # noqa: S608
    assert spatial.ensure_sqlite_rtree(connection) is True
    assert place.pk in rtree_ids()
    other = PlaceFactory(commune=figeac)
    assert other.pk in rtree_ids()
    place.delete()
    assert place.pk not in rtree_ids()


HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Mo-Fr 09:00-12:00; PH off",
    "Tu-Sa 10:00-12:30,14:00-18:00",
    "We 14:00-18:00; Sa 09:00-12:00",
    "24/7",
    "Mo-Su 22:00-02:00",
    "Mo,We,Fr 08:45-12:15; Th 13:30-19:00; PH off",
    "Mo-Fr 09:00-17:00; Dec 24-Dec 31 off",
]


def test_open_now_intervals_agree_with_the_evaluator() -> None:
    """At random moments of two weeks (Christmas: public holidays), the precomputed intervals say the
    same as evaluating the string."""
    rng = random.Random(3)
    start = datetime(2026, 12, 21, tzinfo=PARIS)
    moments = [start + timedelta(minutes=rng.randrange(0, 14 * 24 * 60)) for _ in range(300)]
    moments += [datetime(2026, 12, 25, 10, 0, tzinfo=PARIS), datetime(2026, 12, 22, 23, 30, tzinfo=PARIS)]
    for moment in moments:
        monday, minute = open_now.week_of(moment)
        for hours in HOURS:
            stored = any(low <= minute < high for low, high in open_now.intervals(hours, monday))
            assert stored == opening_hours.is_open(hours, moment), (hours, moment)


def test_open_now_search_uses_the_weekly_intervals(figeac) -> None:
    for hours in HOURS:
        PlaceFactory(name=hours, commune=figeac, opening_hours=hours)
    PlaceFactory(name="inconnu", commune=figeac, opening_hours="")
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)
    found = {p.name for p in place_search(SearchFilters(open_now=True), at=christmas)}
    assert found == {h for h in HOURS if opening_hours.is_open(h, christmas)}
    assert "Mo-Fr 09:00-12:00; PH off" not in found and "24/7" in found
    assert OpeningInterval.objects.filter(week=date(2026, 12, 21)).exists()
    # Hours changed after the week was computed: the new string is computed at once.
    place = Place.objects.get(name="inconnu")
    place.opening_hours = "Fr 09:30-10:30"
    place.save()
    found = {p.name for p in place_search(SearchFilters(open_now=True), at=christmas)}
    assert "inconnu" in found


def test_imported_hours_are_open_now_at_once(figeac) -> None:
    """A week already computed gets the new strings of an import (no stale « ouvert maintenant »)."""
    from maillage.places.services import places_import
    from tests.places.standard_files import row, to_csv

    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)
    PlaceFactory(commune=figeac, opening_hours="Mo-Su 08:00-20:00")
    assert {p.opening_hours for p in place_search(SearchFilters(open_now=True), at=christmas)} == {
        "Mo-Su 08:00-20:00"
    }
    job = places_import(data=to_csv([row(horaires="Fr 09:45-10:15")]), filename="lieux.csv")
    assert job.status == "done", job.report
    found = {p.opening_hours for p in place_search(SearchFilters(open_now=True), at=christmas)}
    assert found == {"Mo-Su 08:00-20:00", "Fr 09:45-10:15"}
