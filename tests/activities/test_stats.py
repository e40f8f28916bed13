import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from maillage.activities import exports, selectors
from tests.activities.factories import followed, individual, workshop
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PERIOD = {"du": "2026-01-01", "au": "2026-12-31"}


@pytest.fixture
def activity_data(lot_mediator, lozere_mediator, figeac, cahors, mende):
    person = followed(lot_mediator)
    individual(lot_mediator, figeac, beneficiary=person, tags=["=HYPERLINK(1)"])
    individual(lot_mediator, cahors, day=date(2026, 5, 1))
    workshop(lot_mediator, figeac)
    individual(lozere_mediator, mende)
    return person


def _all_scopes(lot_mediator, lot, figeac_epci):
    return [
        f"department:{lot.pk}",
        f"epci:{figeac_epci.pk}",
        f"mediator:{lot_mediator.pk}",
        f"organisation:{lot_mediator.memberships.get().organisation_id}",
    ]


def test_lozere_coordinator_gets_404_on_every_lot_scope_and_export(
    client, activity_data, lozere_coordinator, lot_mediator, lot, figeac_epci
):
    client.force_login(lozere_coordinator)
    for scope in [*_all_scopes(lot_mediator, lot, figeac_epci), "national:0", "place:999999"]:
        for url in (
            reverse("activities:stats"),
            reverse("activities:stats_export", args=["csv"]),
            reverse("activities:stats_export", args=["xlsx"]),
        ):
            assert client.get(url, {"perimetre": scope, **PERIOD}).status_code == 404, (scope, url)


def test_lot_coordinator_sees_every_lot_scope(
    client, activity_data, lot_coordinator, lot_mediator, lot, figeac_epci, django_assert_max_num_queries
):
    client.force_login(lot_coordinator)
    for scope in _all_scopes(lot_mediator, lot, figeac_epci):
        with django_assert_max_num_queries(40):
            response = client.get(reverse("activities:stats"), {"perimetre": scope, **PERIOD})
        assert response.status_code == 200, scope
        assert "Zéphyrine" not in response.content.decode()
    html = client.get(
        reverse("activities:stats"), {"perimetre": f"department:{lot.pk}", **PERIOD}
    ).content.decode()
    assert "Mende" not in html  # Lozère activity not counted


def test_mediator_sees_only_own_statistics(
    client, activity_data, lot_mediator, lozere_mediator, lot, figeac_epci
):
    client.force_login(lot_mediator)
    assert client.get(reverse("activities:stats"), PERIOD).status_code == 200
    for scope in (
        f"department:{lot.pk}",
        f"epci:{figeac_epci.pk}",
        f"mediator:{lozere_mediator.pk}",
        "national:0",
    ):
        assert client.get(reverse("activities:stats"), {"perimetre": scope, **PERIOD}).status_code == 404, (
            scope
        )
        assert (
            client.get(
                reverse("activities:stats_export", args=["csv"]), {"perimetre": scope, **PERIOD}
            ).status_code
            == 404
        )


def test_viewer_and_epci_coordinator(client, activity_data, lot_viewer, lot, figeac_epci, cahors):
    client.force_login(lot_viewer)
    assert (
        client.get(reverse("activities:stats"), {"perimetre": f"department:{lot.pk}", **PERIOD}).status_code
        == 200
    )
    epci_user = MembershipFactory(territory=figeac_epci, role="coordinator").user
    client.force_login(epci_user)
    assert (
        client.get(reverse("activities:stats"), {"perimetre": f"epci:{figeac_epci.pk}", **PERIOD}).status_code
        == 200
    )
    assert (
        client.get(reverse("activities:stats"), {"perimetre": f"department:{lot.pk}", **PERIOD}).status_code
        == 404
    )
    assert (
        client.get(reverse("activities:stats"), {"perimetre": f"epci:{cahors.epci_id}", **PERIOD}).status_code
        == 404
    )


def test_cross_tab_on_page_and_exports(client, activity_data, lot_coordinator, lot):
    client.force_login(lot_coordinator)
    params = {"perimetre": f"department:{lot.pk}", "lignes": "theme", "colonnes": "age_band", **PERIOD}
    html = client.get(reverse("activities:stats"), params).content.decode()
    assert "Croisement" in html and "Prévention en sécurité numérique" in html
    response = client.get(reverse("activities:stats_export", args=["csv"]), params)
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert ["Accompagnements", "10"] in rows
    assert any(r[:1] == ["Thématique × Tranche d’âge"] for r in rows)
    response = client.get(reverse("activities:stats_export", args=["xlsx"]), params)
    book = load_workbook(io.BytesIO(response.content))
    assert book.active["A1"].value == "Périmètre"
    assert client.get(reverse("activities:stats_export", args=["pdf"]), params).status_code == 404


def test_csv_neutralises_formulas():
    assert exports.neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert exports.neutralise("+33") == "'+33"
    assert exports.neutralise("-1") == "'-1"
    assert exports.neutralise("@cmd") == "'@cmd"
    assert exports.neutralise("Figeac") == "Figeac"
    assert exports.neutralise(12) == 12


def test_same_dimension_twice_is_an_error(client, activity_data, lot_coordinator, lot):
    client.force_login(lot_coordinator)
    html = client.get(
        reverse("activities:stats"),
        {"perimetre": f"department:{lot.pk}", "lignes": "theme", "colonnes": "theme"},
    ).content.decode()
    assert "Choisissez deux dimensions différentes" in html


def test_default_period():
    assert selectors.default_period(date(2026, 11, 23)) == (date(2025, 12, 1), date(2026, 11, 30))
    assert selectors.default_period(date(2026, 1, 5)) == (date(2025, 2, 1), date(2026, 1, 31))
