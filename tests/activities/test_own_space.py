"""The mediator's own space: export of their activity list, « Dupliquer la dernière »."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from maillage.activities import importer
from maillage.activities.models import Activity
from tests.activities.coop_files import coop_export, realistic
from tests.activities.factories import individual, workshop

pytestmark = pytest.mark.django_db


def test_mediator_exports_own_list_and_it_imports_back_unchanged(
    client, lot_mediator, lozere_mediator, figeac, cahors, mende
):
    communes = [("Figeac", "46100", "46102"), ("Cahors", "46000", "46042")]
    importer.import_activities(
        actor=lot_mediator,
        mediator=lot_mediator,
        content=coop_export(realistic(communes, count=40)),
        filename="c.xlsx",
    )
    individual(lozere_mediator, mende, tags=["=ailleurs"])
    client.force_login(lot_mediator)
    response = client.get(reverse("activities:export", args=["csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0][:4] == ["ID CRA", "Date", "Type", "Participants"]
    people = sum(a.participants_count for a in Activity.objects.filter(mediator=lot_mediator))
    assert len(rows) == 1 + people and "ailleurs" not in text
    # Same file back into an empty account: every activity identical (the import compares all fields).
    before = {a.coop_id: a for a in Activity.objects.all()}
    result = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=response.content, filename="mes-activites.csv"
    )
    assert (result.created, result.updated, result.unchanged) == (0, 0, 40), result
    assert {a.coop_id: a.tags for a in Activity.objects.all()} == {k: a.tags for k, a in before.items()}
    xlsx = client.get(reverse("activities:export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "ID CRA" and len(values) == 1 + people
    assert client.get(reverse("activities:export", args=["pdf"])).status_code == 404


def test_export_is_for_mediators_only(client, lot_coordinator):
    client.force_login(lot_coordinator)
    assert client.get(reverse("activities:export", args=["csv"])).status_code == 404


def test_duplicate_the_last_takes_the_most_recent_by_date_and_says_which(client, lot_mediator, figeac):
    recent = workshop(lot_mediator, figeac, day=date(2026, 3, 20))
    individual(lot_mediator, figeac, day=date(2026, 3, 2))  # recorded after, but earlier in the month
    client.force_login(lot_mediator)
    html = client.get(reverse("activities:list")).content.decode()
    assert f"?dupliquer={recent.pk}" in html
    assert "Dupliquer la dernière : atelier collectif du 20/03/2026" in html
    form = client.get(reverse("activities:create"), {"dupliquer": recent.pk}).content.decode()
    assert "l’activité du 20/03/2026 (atelier collectif)" in form
