"""The public search's place field reads territories as people type them: an EPCI by name, nickname or
SIREN, a département by name or code — with suggestions, as links, when the text is ambiguous or
unknown (no JavaScript needed)."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from tests.factories import make_commune, make_epci
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db
URL = reverse("places:search")


@pytest.fixture
def places(lot, figeac, cahors):
    cauvaldor = make_epci("200066371", "CC Causses et Vallée de la Dordogne", lot)
    souillac = make_commune("46311", "Souillac", lot, cauvaldor, postcodes=["46200"], lat=44.8969, lon=1.4769)
    return {
        "figeac": PlaceFactory(name="Médiathèque de Figeac", commune=figeac),
        "cahors": PlaceFactory(name="Tiers-lieu de Cahors", commune=cahors),
        "souillac": PlaceFactory(name="France Services de Souillac", commune=souillac),
    }


def _names(response) -> set[str]:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    return {
        name
        for name in ("Médiathèque de Figeac", "Tiers-lieu de Cahors", "France Services de Souillac")
        if name in html
    }


@pytest.mark.parametrize("typed", ["Grand Figeac", "CC du Grand Figeac", "200067361", "grand-figeac"])
def test_an_epci_lists_its_places(client, places, typed) -> None:
    response = client.get(URL, {"commune": typed})
    assert response.status_code == 200
    assert _names(response) == {"Médiathèque de Figeac"}
    assert "Lieux de CC du Grand Figeac (intercommunalité), classés par nom." in unescape(
        response.content.decode()
    )


def test_a_nickname_and_a_department(client, places) -> None:
    assert _names(client.get(URL, {"commune": "Cauvaldor"})) == {"France Services de Souillac"}
    every = {"Médiathèque de Figeac", "Tiers-lieu de Cahors", "France Services de Souillac"}
    assert _names(client.get(URL, {"commune": "Lot"})) == every
    assert _names(client.get(URL, {"commune": "46"})) == every
    assert _names(client.get(URL, {"commune": "Lot (46)"})) == every


def test_a_commune_name_still_searches_around_it(client, places) -> None:
    html = client.get(URL, {"commune": "Figeac", "rayon": "10"}).content.decode()
    assert "Médiathèque de Figeac" in html and "Tiers-lieu de Cahors" not in html
    assert "à moins de 10 km de Figeac" in html


def test_ambiguous_text_offers_links_to_each_territory(client, places) -> None:
    response = client.get(URL, {"commune": "Grand", "rayon": "20"})
    html = unescape(response.content.decode())
    assert "Plusieurs territoires correspondent à « Grand »" in html
    assert _names(response) == set()
    assert "CC du Grand Figeac (200067361)" in html and "CA du Grand Cahors (200023737)" in html
    # following a suggestion keeps the rest of the search and finds the EPCI's places
    links = response.context["area_candidates"]
    link = next(c["query"] for c in links if c["label"] == "CC du Grand Figeac (200067361)")
    assert "rayon=20" in link and f'href="?{link}"' in html
    assert _names(client.get(f"{URL}?{link}")) == {"Médiathèque de Figeac"}


def test_unknown_text_gets_a_french_error_and_suggestions(client, places) -> None:
    response = client.get(URL, {"commune": "Grand Figeak"})
    html = unescape(response.content.decode())
    assert "Commune ou territoire introuvable" in html
    assert "Vouliez-vous dire l'un des territoires proposés ci-dessous ?" in html
    assert "CC du Grand Figeac (200067361)" in html
    assert _names(response) == set()


def test_map_points_follow_the_territory(client, places) -> None:
    data = client.get(reverse("places:map_points"), {"commune": "Cauvaldor"}).json()
    assert [p[3] for p in data["points"]] == ["France Services de Souillac"]
