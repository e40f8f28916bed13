"""Public directory /lieux/: text, filters, distance order, open now, pagination, htmx partial."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from maillage.places.opening_hours import PARIS
from maillage.places.selectors import (
    SearchFilters,
    commune_search,
    distance_km,
    format_distance,
    place_search,
    resolve_commune,
)
from tests.factories import make_commune
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db
URL = reverse("places:search")


@pytest.fixture
def places(figeac, cahors):
    capdenac = make_commune(
        "46053",
        "Capdenac",
        figeac.department,
        figeac.epci,
        postcodes=["46100"],
        lat=44.5769,
        lon=2.0778,
        population=500,
    )
    return {
        "figeac": PlaceFactory(
            name="Médiathèque de Figeac", commune=figeac, services=["Aide aux démarches administratives"]
        ),
        "capdenac": PlaceFactory(
            name="Espace France Services de Capdenac",
            commune=capdenac,
            national_programmes=["France Services"],
            publics=["Seniors"],
            fees=["Gratuit sous condition"],
            accessibility_url="https://acceslibre.beta.gouv.fr/app/46-capdenac/a/mairie/",
        ),
        "cahors": PlaceFactory(
            name="Tiers-lieu de Cahors",
            commune=cahors,
            opening_hours="Sa 09:00-12:00",
            support_modes=["Dans un atelier collectif"],
            specific_support=["Surdité"],
        ),
        "hidden": PlaceFactory(name="Lieu dépublié de Figeac", commune=figeac, is_published=False),
    }


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [card.place.name for card in response.context["cards"]]


def test_empty_search_lists_published_places_by_name(client, places) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    assert names(response) == [
        "Espace France Services de Capdenac",
        "Médiathèque de Figeac",
        "Tiers-lieu de Cahors",
    ]
    assert "Lieu dépublié" not in response.content.decode()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("mediatheque", ["Médiathèque de Figeac"]),
        ("MÉDIATHÈQUE figeac", ["Médiathèque de Figeac"]),
        ("cahors", ["Tiers-lieu de Cahors"]),
        ("46100", ["Espace France Services de Capdenac", "Médiathèque de Figeac"]),
        ("introuvable", []),
    ],
)
def test_text_search(client, places, q, expected) -> None:
    assert names(client.get(URL, {"q": q})) == expected


def test_filters(client, places) -> None:
    assert names(client.get(URL, {"public": "Seniors"})) == ["Espace France Services de Capdenac"]
    assert names(client.get(URL, {"frais": "Gratuit sous condition"})) == [
        "Espace France Services de Capdenac"
    ]
    assert names(client.get(URL, {"accompagnement": "Dans un atelier collectif"})) == ["Tiers-lieu de Cahors"]
    assert names(client.get(URL, {"prise_en_charge": "Surdité"})) == ["Tiers-lieu de Cahors"]
    assert names(client.get(URL, {"acceslibre": "on"})) == ["Espace France Services de Capdenac"]
    assert names(client.get(URL, {"dispositif": "France Services"})) == ["Espace France Services de Capdenac"]
    both = names(
        client.get(
            URL,
            {
                "service": ["Aide aux démarches administratives"],
                "accompagnement": "Accompagnement individuel",
            },
        )
    )
    assert "Médiathèque de Figeac" in both


def test_invalid_filter_value_is_reported_not_crashing(client, places) -> None:
    response = client.get(URL, {"service": "N'existe pas"})
    assert response.status_code == 200
    assert "Vérifiez la recherche" in response.content.decode()


def test_sorted_by_distance_from_a_commune(client, places, figeac) -> None:
    response = client.get(URL, {"commune": "Figeac", "rayon": "100"})
    assert names(response) == [
        "Médiathèque de Figeac",
        "Espace France Services de Capdenac",
        "Tiers-lieu de Cahors",
    ]
    html = response.content.decode()
    assert [c.distance for c in response.context["cards"]] == ["à moins de 100 m", "à 5,1 km", "à 50 km"]
    assert "à moins de 100 km de Figeac" in html


def test_radius_limits_results(client, places) -> None:
    assert names(client.get(URL, {"commune": "46100", "rayon": "10"})) == [
        "Médiathèque de Figeac",
        "Espace France Services de Capdenac",
    ]


def test_unknown_commune_is_a_french_error(client, places) -> None:
    response = client.get(URL, {"commune": "Atlantide"})
    assert "Commune ou territoire introuvable" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_resolve_commune_accepts_name_postcode_and_label(figeac) -> None:
    assert resolve_commune("Figeac") == figeac
    assert resolve_commune("figeac") == figeac
    assert resolve_commune("46100") == figeac
    assert resolve_commune("Figeac (46102)") == figeac
    assert resolve_commune("46102") == figeac
    assert resolve_commune("") is None
    assert figeac in commune_search("Fig")


def test_communes_json(client, figeac) -> None:
    data = client.get(reverse("places:communes"), {"q": "fig"}).json()
    assert data["results"][0]["label"] == "Figeac (46102)"
    assert data["results"][0]["postcodes"] == ["46100"]


def test_open_now(places) -> None:
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    saturday_10 = datetime(2026, 11, 21, 10, 0, tzinfo=PARIS)
    open_monday = {p.name for p in place_search(SearchFilters(open_now=True), at=monday_10)}
    assert open_monday == {"Médiathèque de Figeac", "Espace France Services de Capdenac"}
    open_saturday = {p.name for p in place_search(SearchFilters(open_now=True), at=saturday_10)}
    assert open_saturday == {"Tiers-lieu de Cahors"}


def test_open_now_status_is_shown(client, places, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
    html = client.get(URL, {"q": "figeac"}).content.decode()
    assert "Ouvert maintenant" in html
    assert "ferme à 12" in html


def test_distance_helpers() -> None:
    assert format_distance(None) == ""
    assert format_distance(0.04) == "à moins de 100 m"
    assert format_distance(0.12) == "à 100 m"
    assert format_distance(0.75) == "à 800 m"
    assert format_distance(2.0) == "à 2 km"
    assert format_distance(2.46) == "à 2,5 km"
    assert format_distance(12.4) == "à 12 km"

    class P:
        distance_sq = 0.01  # 0.1° ≈ 11.1 km

    assert round(distance_km(P()), 1) == 11.1  # type: ignore[arg-type]


def test_pagination_keeps_the_query(client, figeac) -> None:
    PlaceFactory.create_batch(25, commune=figeac)
    response = client.get(URL, {"q": "espace", "ouvert": ""})
    assert len(response.context["cards"]) == 20
    html = response.content.decode()
    assert "page=2" in html and "q=espace" in html
    second = client.get(URL, {"q": "espace", "page": "2"})
    assert len(second.context["cards"]) == 5


def test_htmx_request_gets_the_result_list_only(client, places) -> None:
    response = client.get(URL, {"q": "cahors"}, headers={"HX-Request": "true", "HX-Target": "resultats"})
    html = response.content.decode()
    assert "Tiers-lieu de Cahors" in html
    assert "<html" not in html and "<form" not in html
    full = client.get(URL, {"q": "cahors"}).content.decode()
    assert "<html" in full


def test_works_without_javascript(client, places) -> None:
    html = client.get(URL).content.decode()
    assert 'method="get"' in html and 'action="/lieux/"' in html
    assert 'id="carte-zone"' in html and "hidden" in html  # the map only appears with JavaScript
    assert 'data-lat="' in html  # markers come from the list itself


def test_query_count_is_constant(client, figeac, django_assert_max_num_queries, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS))  # a Monday morning: places are open
    PlaceFactory.create_batch(30, commune=figeac)
    params = {"commune": "Figeac", "service": "Aide aux démarches administratives", "ouvert": "on"}
    client.get(URL, params)  # the first search of the week computes its opening intervals
    # PostgreSQL: the nearest-first read (one message: bitmap scans off, the read, the setting back)
    # and the page's places by key; SQLite: the count, the ids nearest first, the places by key.
    with django_assert_max_num_queries(5):
        response = client.get(URL, params)
    assert response.status_code == 200


def test_default_radius_is_kept_in_the_form(client, places) -> None:
    html = client.get(URL, {"commune": "Figeac"}).content.decode()
    assert '<option value="30" selected>' in html


def test_search_forms_share_their_fields_but_not_their_state(figeac) -> None:  # type: ignore[no-untyped-def]
    from maillage.places.forms import SearchForm

    wrong = SearchForm({"rayon": "999", "service": ["inconnu"]})
    right = SearchForm({"rayon": "20", "commune": "Figeac"})
    assert not wrong.is_valid() and right.is_valid()
    assert set(wrong.errors) == {"rayon", "service"} and not right.errors
    assert wrong.fields is not right.fields and wrong.fields["rayon"] is right.fields["rayon"]
    assert right.filters().radius_km == 20 and right.filters().commune == figeac
    assert [selected for _v, _l, selected in SearchForm().radius_options()].count(True) == 1


def test_the_distance_select_follows_the_value_asked(client, figeac) -> None:  # type: ignore[no-untyped-def]
    import re

    def select(params: dict[str, str]) -> str:
        html = client.get(URL, params).content.decode()
        found = re.search(r'<select name="rayon".*?</select>', html, re.S)
        assert found is not None
        return found.group(0)

    for _round in range(2):  # the second time from the kept fragment
        wrong = select({"commune": "Figeac", "rayon": "999"})
        assert 'aria-invalid="true"' in wrong and " selected" not in wrong
        twenty = select({"commune": "Figeac", "rayon": "20"})
        assert "aria-invalid" not in twenty and '<option value="20" selected>20 km</option>' in twenty
        assert select({}).count(" selected") == 1 and '<option value="30" selected>' in select({})


def test_stored_search_vector_holds_the_lexemes_of_the_document(places) -> None:
    """PostgreSQL: the vector is the document cast to ``tsvector`` (migration 0010): the same lexemes
    as the text-search parser gives, without positions, kept in the row; a prefix query finds the place by
    it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("search_vector is a PostgreSQL column")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE search_vector = strip(to_tsvector('simple', search_document))) "
            "FROM places_place"
        )
        total, same = cursor.fetchone()
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'places_place'::regclass "
            "AND attname = 'search_vector'"
        )
        storage = cursor.fetchone()[0]
        cursor.execute(
            "SELECT name FROM places_place WHERE search_vector @@ to_tsquery('simple', 'mediathequ:* & figeac:*')"
        )
        found = [name for (name,) in cursor.fetchall()]
    assert total == len(places) and same == total
    assert storage == "m"  # kept in the row (migration 0012): the text test never reads TOAST
    assert found == ["Médiathèque de Figeac"]


def test_the_page_s_links_keep_the_search_but_its_page_and_the_map_its_return(client, places) -> None:  # type: ignore[no-untyped-def]
    """The links of the page (the cards' « retour », the map's points) carry the search as typed:
    repeated boxes, accents, in order; without ``page``; the map's without ``retour`` either."""
    from urllib.parse import quote

    kept = (
        "q=m%C3%A9diath%C3%A8que&service=Aide+aux+d%C3%A9marches+administratives"
        "&service=Acc%C3%A8s+internet+et+mat%C3%A9riel+informatique"
    )
    html = client.get(f"{URL}?{kept}&retour=x&page=1").content.decode()
    assert "Médiathèque de Figeac" in html
    assert f'data-points-url="/lieux/carte.json?{kept.replace("&", "&amp;")}"' in html
    assert f'href="/lieux/{places["figeac"].pk}/?retour={quote(kept + "&retour=x", safe="/")}"' in html
