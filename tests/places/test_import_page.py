from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from maillage.places.models import ImportJob, Place
from maillage.places.services import places_import
from tests.places.standard_files import row, to_csv

pytestmark = pytest.mark.django_db
URL = "/lieux/importer/"


def _upload(client, data, territory, name="lieux.csv"):
    return client.post(
        URL,
        {
            "file": SimpleUploadedFile(name, data, content_type="text/csv"),
            "territory": territory.pk,
            "source": "",
        },
    )


def test_url_name():
    assert reverse("places:import") == URL


def test_only_coordinators(client, lot_mediator, lot_viewer):
    assert client.get(URL).status_code == 302  # login
    for user in (lot_mediator, lot_viewer):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_valid_upload_shows_counts(client, figeac, lot_coordinator):
    client.force_login(lot_coordinator)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert "/api/v1/lieux.csv?territoire=46" in page.content.decode()
    response = _upload(client, to_csv([row(), row(id="lieu-2")]), figeac.department)
    job = ImportJob.objects.get()
    # the import runs in the background: the job page shows its outcome and links to the report
    assert response.status_code == 302 and response.url.startswith("/traitements/")
    outcome = client.get(response.url).content.decode()
    assert "2 créé(s)" in outcome and reverse("places:import_report", args=[job.pk]) in outcome
    report = client.get(reverse("places:import_report", args=[job.pk])).content.decode()
    assert "2 créé(s)" in report and "lieux créés" in report
    assert Place.objects.count() == 2


def test_invalid_upload_lists_errors_and_writes_nothing(client, figeac, lot_coordinator):
    client.force_login(lot_coordinator)
    _upload(client, to_csv([row(), row(id="lieu-2", code_postal="ABCDE")]), figeac.department)
    html = client.get(reverse("places:import_report", args=[ImportJob.objects.get().pk])).content.decode()
    assert Place.objects.count() == 0
    assert 'class="error-summary"' in html and "<caption>1 erreur" in html
    assert '<th scope="row">3</th>' in html and "code_postal" in html and "Code postal invalide" in html


def test_form_errors_for_wrong_extension_and_foreign_territory(client, figeac, mende, lot_coordinator):
    client.force_login(lot_coordinator)
    response = _upload(client, b"x", figeac.department, name="lieux.xlsx")
    assert response.status_code == 200 and "Format attendu" in response.content.decode()
    response = _upload(client, to_csv([row()]), mende.department)  # not one of their territories
    assert response.status_code == 200 and ImportJob.objects.count() == 0


def test_reports_of_other_territories_are_404(client, figeac, mende, lot_coordinator, lozere_coordinator):
    job = places_import(
        data=to_csv([row()]), filename="x.csv", user=lot_coordinator, territory=figeac.department
    )
    client.force_login(lozere_coordinator)
    assert client.get(reverse("places:import_report", args=[job.pk])).status_code == 404
    assert "import-du-lot.csv" not in client.get(URL).content.decode()
    client.force_login(lot_coordinator)
    assert client.get(reverse("places:import_report", args=[job.pk])).status_code == 200


def test_import_page_query_count(client, figeac, lot_coordinator, django_assert_max_num_queries):
    for i in range(5):
        places_import(data=to_csv([row(id=f"l{i}")]), filename=f"{i}.csv", territory=figeac.department)
    client.force_login(lot_coordinator)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_json_upload_reports_elements(client, figeac, lot_coordinator):
    from tests.places.standard_files import to_json

    client.force_login(lot_coordinator)
    data = to_json([row(), row(id="lieu-2", date_maj="31/02/2026")])
    response = client.post(
        URL,
        {
            "file": SimpleUploadedFile("lieux.json", data, content_type="application/json"),
            "territory": figeac.department.pk,
            "source": "",
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("places:import_report", args=[ImportJob.objects.get().pk])).content.decode()
    assert '<th scope="col">Élément</th>' in html and '<th scope="row">2</th>' in html
    assert Place.objects.count() == 0
