from __future__ import annotations

import datetime as dt
import json

import frictionless
import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maillage.places.choices import Service
from maillage.places.views_api import openapi_document
from tests.places.factories import MediatorFactory, PlaceFactory, PlaceManagerFactory
from tests.places.standard_files import SCHEMA

pytestmark = pytest.mark.django_db
LIST = "/api/v1/lieux"


def _validator(name):
    doc = openapi_document()
    schema = {"components": doc["components"], "$ref": f"#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def places(figeac, cahors, mende):
    return {
        "figeac": PlaceFactory(
            commune=figeac, services=[Service.LEISURE.value], data_updated_on=dt.date(2026, 3, 1)
        ),
        "cahors": PlaceFactory(commune=cahors, data_updated_on=dt.date(2025, 6, 1)),
        "mende": PlaceFactory(
            commune=mende, data_updated_on=dt.date(2026, 5, 1), labels=["Étapes numériques (La Poste)"]
        ),
        "hidden": PlaceFactory(commune=figeac, is_published=False, name="Fiche dépubliée"),
    }


def test_url_names():
    assert reverse("api:places") == LIST
    assert reverse("api:openapi") == "/api/v1/openapi.json"


def test_list_filters_and_pagination(client, places, figeac_epci):
    data = client.get(LIST).json()
    assert data["count"] == 3 and data["next"] is None
    assert "Fiche dépubliée" not in json.dumps(data, ensure_ascii=False)
    ids = lambda d: sorted(r["id"] for r in d["results"])  # noqa: E731
    assert ids(client.get(LIST, {"territoire": "46"}).json()) == sorted(
        [places["figeac"].source_id, places["cahors"].source_id]
    )
    assert ids(client.get(LIST, {"territoire": "46102"}).json()) == [places["figeac"].source_id]
    assert ids(client.get(LIST, {"territoire": figeac_epci.code}).json()) == [places["figeac"].source_id]
    assert ids(client.get(LIST, {"service": Service.LEISURE.value}).json()) == [places["figeac"].source_id]
    since = client.get(LIST, {"mis_a_jour_depuis": "2026-01-01"}).json()
    assert ids(since) == sorted([places["figeac"].source_id, places["mende"].source_id])
    first = client.get(LIST, {"limit": 2, "territoire": "46", "service": Service.EVERYDAY_TOOLS.value}).json()
    assert first["count"] == 1
    page = client.get(LIST, {"limit": 2}).json()
    assert len(page["results"]) == 2 and page["previous"] is None
    assert "offset=2" in page["next"]
    second = client.get(page["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None and "offset=0" in second["previous"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "x"},
        {"offset": "-1"},
        {"offset": "99999999999999999999999"},
        {"limit": "1_0"},
        {"territoire": ""},
        {"service": "Cuisine"},
        {"mis_a_jour_depuis": "hier"},
    ],
)
def test_invalid_parameters_are_400_in_french(client, params):
    response = client.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body["erreurs"]) == set(params)
    _validator("Erreur").validate(body)


def test_unknown_territory_is_a_json_404(client):
    response = client.get(LIST, {"territoire": "99999"})
    assert response.status_code == 404
    assert set(response.json()["erreurs"]) == {"territoire"}
    _validator("Erreur").validate(response.json())


@pytest.mark.parametrize(
    "path", ["/api/v1/lieux/null", "/api/v1/lieux/-1", "/api/v1/lieux/99999999999999999999"]
)
def test_unknown_place_paths_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    _validator("Erreur").validate(response.json())


def test_other_methods_are_405_not_a_csrf_403(client):
    for url in (LIST, "/api/v1/lieux.csv", "/api/v1/openapi.json"):
        response = client.post(url, enforce_csrf_checks=True)
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET"


def test_no_personal_data(client, places, lot_mediator):
    mediator = MediatorFactory(
        places=[places["figeac"]], first_name="Zoé", last_name="Confidentielle", email="zoe.privee@exemple.fr"
    )
    PlaceManagerFactory(place=places["figeac"], user=lot_mediator)
    body = json.dumps(
        [client.get(LIST).json(), client.get(f"{LIST}/{places['figeac'].pk}").json()], ensure_ascii=False
    )
    for secret in (mediator.first_name, mediator.last_name, mediator.email, lot_mediator.email):
        assert secret not in body


def test_detail(client, places):
    response = client.get(f"{LIST}/{places['figeac'].pk}")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    item = response.json()
    assert item["id"] == places["figeac"].source_id and item["url"].endswith(
        f"/api/v1/lieux/{places['figeac'].pk}"
    )
    _validator("Lieu").validate(item)
    assert client.get(f"{LIST}/{places['hidden'].pk}").status_code == 404
    assert client.get(f"{LIST}/999999").status_code == 404


def test_responses_match_the_documented_schema_and_the_standard(client, places, tmp_path):
    body = client.get(LIST).json()
    _validator("PageLieux").validate(body)
    items = [{k: v for k, v in item.items() if k != "url"} for item in body["results"]]
    assert any(i.get("formations_labels") == "Étapes numériques(La Poste)" for i in items)
    (tmp_path / "api.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    schema = frictionless.Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    report = frictionless.Resource(path="api.json", basepath=str(tmp_path), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "note"])


def test_every_documented_parameter_works(client, places):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    jsonschema.Draft202012Validator.check_schema(doc["components"]["schemas"]["Lieu"])
    for parameter in doc["paths"]["/lieux"]["get"]["parameters"]:
        response = client.get(LIST, {parameter["name"]: parameter["example"]})
        assert response.status_code == 200, (parameter["name"], response.json())
        _validator("PageLieux").validate(response.json())
        wrong = client.get(LIST, {parameter["name"]: "n'importe quoi"})
        assert wrong.status_code == 400, parameter["name"]
    for path in ("/lieux.csv", "/lieux.json"):
        for parameter in doc["paths"][path]["get"]["parameters"]:
            assert client.get(f"/api/v1{path}", {parameter["name"]: parameter["example"]}).status_code == 200
            assert client.get(f"/api/v1{path}", {parameter["name"]: "n'importe quoi"}).status_code == 400
    assert set(doc["paths"]) == {"/lieux", "/lieux/{id}", "/lieux.csv", "/lieux.json", "/openapi.json"}


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_open_data_files_validate_against_the_standard(client, places, tmp_path, file_format):
    response = client.get(f"/api/v1/lieux.{file_format}", {"territoire": "46"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode()
    assert "Fiche dépubliée" not in content and places["mende"].source_id not in content
    assert places["figeac"].source_id in content and places["cahors"].source_id in content
    (tmp_path / f"lieux.{file_format}").write_text(content, encoding="utf-8")
    schema = frictionless.Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    report = frictionless.Resource(
        path=f"lieux.{file_format}", basepath=str(tmp_path), schema=schema
    ).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "note"])


def test_list_query_count(client, figeac, django_assert_max_num_queries):
    for _ in range(30):
        MediatorFactory(places=[PlaceFactory(commune=figeac)])
    # territory, count, page with its id clashes (+ the request's savepoint and release)
    with django_assert_max_num_queries(5):
        data = client.get(LIST, {"territoire": "46", "limit": 100}).json()
    assert len(data["results"]) == 30


def test_a_page_of_100_costs_two_queries_wherever_it_starts(client, figeac) -> None:
    PlaceFactory.create_batch(230, commune=figeac)
    pages = []
    for offset in (0, 100, 200):
        with CaptureQueriesContext(connection) as captured:
            pages.append(client.get(LIST, {"limit": 100, "offset": offset}).json())
        selects = [
            q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
        ]
        assert len(selects) == 2, selects  # count, page (clashes included); never one per place
    assert [len(p["results"]) for p in pages] == [100, 100, 30]
    assert pages[0]["count"] == 230 and pages[2]["next"] is None
    ids = [item["url"].rsplit("/", 1)[1] for page in pages for item in page["results"]]
    assert ids == sorted(ids, key=int) and len(set(ids)) == 230


def test_ids_shared_by_two_sources_are_prefixed_in_lists_and_detail(client, figeac):
    first = PlaceFactory(commune=figeac, source="Région", source_id="lieu-1")
    second = PlaceFactory(commune=figeac, source="Département du Lot", source_id="lieu-1")
    alone = PlaceFactory(commune=figeac, source="Région", source_id="lieu-2")
    PlaceFactory(commune=figeac, source="Autre", source_id="lieu-2", is_published=False)  # not a clash
    items = {item["nom"]: item["id"] for item in client.get(LIST, {"limit": 10}).json()["results"]}
    assert items[first.name] == "Région_lieu-1"
    assert items[second.name] == "Département-du-Lot_lieu-1"
    assert items[alone.name] == "lieu-2"
    assert client.get(f"{LIST}/{second.pk}").json()["id"] == "Département-du-Lot_lieu-1"
    assert client.get(f"{LIST}/{alone.pk}").json()["id"] == "lieu-2"


def test_large_pages_are_streamed_and_equal_small_ones(client, figeac):
    PlaceFactory.create_batch(120, commune=figeac)
    response = client.get(LIST, {"limit": 150})
    assert response.streaming
    assert response["Access-Control-Allow-Origin"] == "*"
    streamed = json.loads(b"".join(response.streaming_content))
    assert streamed["count"] == 120 and streamed["next"] is None and len(streamed["results"]) == 120
    small = client.get(LIST, {"limit": 100}).json()
    assert streamed["results"][:100] == small["results"]
    paged = client.get(LIST, {"limit": 101, "offset": 1})
    assert json.loads(b"".join(paged.streaming_content))["results"][0] == small["results"][1]
