"""The coordinator sees the territory's referrals (no identity); place managers see what they received."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from maillage.core.models import AuditLog
from tests.pathways.factories import france_services, make_diagnostic, make_referral

pytestmark = pytest.mark.django_db
URL = reverse("pathways:referrals")


@pytest.fixture
def referrals(lot_prescriber, diagnostic, fs_figeac, cahors):
    fs_cahors = france_services(cahors, name="France Services de Cahors")
    diag_cahors = make_diagnostic(lot_prescriber, cahors)
    return [
        make_referral(lot_prescriber, diagnostic, fs_figeac),
        make_referral(lot_prescriber, diagnostic, fs_figeac, first_name="Zoé"),
        make_referral(lot_prescriber, diag_cahors, fs_cahors, send=False),
    ]


def test_coordinator_lists_filters_sorts_and_never_sees_identity(
    client, lot_coordinator, referrals, fs_figeac
):
    client.force_login(lot_coordinator)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200 and "Orientations du territoire" in html
    assert "3 orientations" in html
    assert "J. D." not in html and "Zoé" not in html
    html = client.get(URL + "?vue=territoire&statut=sent").content.decode()
    assert "2 orientations" in html
    html = client.get(URL + "?vue=territoire&commune=Cahors").content.decode()
    assert "1 orientation" in html
    html = client.get(URL + "?vue=territoire&lieu=de+test&tri=-numero").content.decode()
    assert "2 orientations" in html
    assert html.index(f"n° {referrals[1].pk}") < html.index(f"n° {referrals[0].pk}")
    assert 'aria-sort="descending"' in html
    # pagination links keep the filters
    html = client.get(URL + "?vue=territoire&statut=sent&par_page=25").content.decode()
    assert "statut=sent" in html


def test_coordinator_detail_page_without_identity(client, lot_coordinator, referrals):
    client.force_login(lot_coordinator)
    response = client.get(reverse("pathways:referral", args=[referrals[1].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zoé" not in html and "0600000000" not in html and "06 00 00 00 00" not in html
    # no status change from the coordination side
    assert (
        client.post(reverse("pathways:referral", args=[referrals[1].pk]), {"to": "cancelled"}).status_code
        == 404
    )
    assert client.get(reverse("pathways:referral_pdf", args=[referrals[1].pk])).status_code == 404


def test_other_territory_sees_nothing(client, lozere_coordinator, referrals):
    client.force_login(lozere_coordinator)
    assert "0 orientation" in client.get(URL).content.decode()
    assert client.get(reverse("pathways:referral", args=[referrals[0].pk])).status_code == 404


def test_export_csv_and_xlsx_are_audited_without_identity(client, lot_coordinator, referrals):
    client.force_login(lot_coordinator)
    response = client.get(URL + "?vue=territoire&statut=sent&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "numero" and len(rows) == 3
    assert "Zoé" not in response.content.decode("utf-8-sig")
    entry = AuditLog.objects.get(action="export", object_type="pathways.Referral")
    assert entry.changes["rows"] == 2 and "statut=sent" in entry.changes["filters"]
    xlsx = client.get(URL + "?vue=territoire&format=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_place_manager_sees_what_their_place_received(client, place_manager, referrals, fs_figeac):
    client.force_login(place_manager)
    html = client.get(URL).content.decode()
    assert "Reçues par mes lieux" in html and "2 orientations" in html
    # the proposal kept by the prescriber (address handed over only) is not theirs
    assert f"n° {referrals[2].pk}" not in html


def test_bad_dates_get_a_french_message(client, lot_coordinator, referrals):
    client.force_login(lot_coordinator)
    response = client.get(URL + "?vue=territoire&du=2026-05-01&au=2026-01-01")
    assert response.status_code == 400
    assert "La date de fin précède la date de début" in response.content.decode()
    assert client.get(URL + "?du=9999-12-31").status_code == 400


def test_statistics_export(client, lot_coordinator, referrals):
    client.force_login(lot_coordinator)
    url = reverse("pathways:statistics")
    assert "format=csv" in client.get(url).content.decode()
    response = client.get(url + "?start=2020-01-01&end=2030-12-31&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Orientations par statut" in text and "Zoé" not in text
    assert client.get(url + "?format=xlsx").content[:2] == b"PK"
    assert AuditLog.objects.filter(object_type="pathways.Statistics", action="export").count() == 2
