from __future__ import annotations

import pytest

from maillage.territories.models import TerritoryKind
from maillage.territories.selectors import commune_search, communes_in, territory_by_code
from maillage.territories.services import load_territories
from maillage.territories.text import search_normalize, search_query_normalize

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(sample_path):
    load_territories(path=sample_path)


def codes(results) -> list[str]:
    return [t.code for t in results]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Figeac", ["46102"]),
        ("figeac", ["46102"]),
        ("FIG", ["46102"]),
        ("Puy-l'Évêque", ["46231"]),
        ("puy l eveque", ["46231"]),
        ("Puy l’Eveque", ["46231"]),
        ("coeur de causse", ["46138"]),
        ("Cœur", ["46138"]),
        ("st chely", ["48140"]),
        ("Saint-Chély-d'Apcher", ["48140"]),
        ("apcher", ["48140"]),  # a word inside the name
        ("ozère", ["48116"]),  # anywhere in the name
        ("46102", ["46102"]),  # INSEE code
        ("46000", ["46042"]),  # postcode
        ("46000 cahors", ["46042"]),
        ("Cahors 46000", ["46042"]),
        ("figeac 48000", []),
        ("Figeac (46102)", ["46102"]),  # a commune's label, as str() shows it
        ("paris", []),
        ("", []),
        ("   ", []),
    ],
)
def test_commune_search(loaded, query, expected):
    assert codes(commune_search(query)) == expected


def test_postcode_search_ranks_by_population_and_limits(loaded):
    assert codes(commune_search("46100")) == ["46102", "46055", "46100"]  # Figeac, Capdenac, Faycelles
    assert codes(commune_search("46100", limit=2)) == ["46102", "46055"]
    assert codes(commune_search("48 000")) == ["48095", "48013"]
    assert codes(commune_search("482")) == ["48140", "48116"]  # started postcode: 48200, 48220


def test_name_search_ranks_exact_then_prefix_then_word(loaded):
    assert codes(commune_search("Mende")) == ["48095"]
    # Names starting with the query first (by population), then a word of the name starting with it.
    assert codes(commune_search("c")) == ["46042", "46055", "46138", "48140", "46251"]
    assert codes(commune_search("ca")) == ["46042", "46055", "46138"]  # « Cœur de Causse » by a word
    assert codes(commune_search("ap")) == ["48140"]  # « d'Apcher »
    assert codes(commune_search("pc")) == []  # inside a word: only from 3 letters on
    assert codes(commune_search("pch")) == ["48140"]
    assert codes(commune_search("saint")) == ["48140", "46251"]  # 3 955 inhabitants, then 3 429


def test_commune_search_query_count(loaded, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        results = commune_search("ozère")
        assert [str(t.department) for t in results] == ["Lozère (48)"]


def test_commune_search_finds_factory_communes(figeac, cahors):
    """Rows made by the shared test factories (no loader) are found too, by name and postcode."""
    assert codes(commune_search("figeac")) == ["46102"]
    assert codes(commune_search("46000")) == ["46042"]


def test_commune_search_corsica(db):
    from tests.factories import make_commune, make_department, make_region

    corse = make_department("2A", "Corse-du-Sud", make_region("94", "Corse"))
    make_commune("2A004", "Ajaccio", corse, postcodes=["20000", "20090"])
    assert codes(commune_search("2A004")) == ["2A004"]
    assert codes(commune_search("2a004")) == ["2A004"]
    assert codes(commune_search("Ajaccio (2A004)")) == ["2A004"]
    assert codes(commune_search("20090")) == ["2A004"]


def test_territory_by_code(loaded):
    assert territory_by_code(TerritoryKind.COMMUNE, "46102").name == "Figeac"
    assert territory_by_code(TerritoryKind.EPCI, "200067361").name == "CC Grand-Figeac"
    assert territory_by_code(TerritoryKind.DEPARTMENT, "48").name == "Lozère"
    assert territory_by_code(TerritoryKind.REGION, "76").name == "Occitanie"
    assert territory_by_code(TerritoryKind.COMMUNE, "200067361") is None
    assert territory_by_code(TerritoryKind.DEPARTMENT, "99") is None


def test_communes_in_each_level(loaded):
    epci = territory_by_code(TerritoryKind.EPCI, "200067361")
    lot = territory_by_code(TerritoryKind.DEPARTMENT, "46")
    occitanie = territory_by_code(TerritoryKind.REGION, "76")
    figeac = territory_by_code(TerritoryKind.COMMUNE, "46102")
    assert codes(communes_in(epci)) == ["46055", "46100", "46102"]  # Capdenac, Faycelles, Figeac
    assert communes_in(lot).count() == 7
    assert communes_in(occitanie).count() == 11
    assert codes(communes_in(figeac)) == ["46102"]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("L'Hospitalet-du-Larzac", "l hospitalet du larzac"),
        ("Puy-l’Évêque", "puy l eveque"),
        ("Œuilly", "oeuilly"),
        ("  Pont de Montvert - Sud Mont Lozère ", "pont de montvert sud mont lozere"),
        ("Saint-Chély-d'Apcher", "saint chely d apcher"),
        ("", ""),
    ],
)
def test_search_normalize(raw, normalised):
    assert search_normalize(raw) == normalised


def test_search_query_normalize_expands_saint():
    assert search_query_normalize("St-Céré") == "saint cere"
    assert search_query_normalize("Ste Eulalie") == "sainte eulalie"
    assert search_query_normalize("Stenay") == "stenay"


def test_admin_lists_are_read_only_for_superusers(client, loaded, django_assert_max_num_queries):
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    with django_assert_max_num_queries(10):
        response = client.get("/admin/territories/territory/", {"q": "figeac"})
    assert response.status_code == 200
    assert "Figeac" in response.content.decode()
    assert client.get("/admin/territories/territorydatavintage/").status_code == 200
    assert client.get("/admin/territories/territory/add/").status_code == 403
