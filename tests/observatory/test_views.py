"""Observatory pages: access per territory, choropleth and table, exports, publication, EPCI sheets."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.observatory.access import compute_access
from maillage.observatory.models import ObservatorySettings
from maillage.observatory.selectors import build_report
from maillage.observatory.services import import_mednum_reference, load_outlines
from maillage.observatory.svg import report_map
from maillage.places.choices import NationalProgramme
from tests.places.factories import PlaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def observed(lot_communes):
    load_outlines()
    import_mednum_reference()
    PlaceFactory(commune=lot_communes["46042"], national_programmes=[NationalProgramme.FRANCE_SERVICES.value])
    compute_access()
    return lot_communes


def test_private_page_needs_a_member_of_the_territory(client, observed, lozere_coordinator, lot_viewer):
    url = reverse("observatory:territory", args=["46"])
    assert client.get(url).status_code == 302
    client.force_login(lozere_coordinator)
    assert client.get(url).status_code == 404
    assert client.get(reverse("observatory:export", args=["46", "csv"])).status_code == 404
    client.force_login(lot_viewer)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img"' in html and "<desc" in html
    assert "Cahors" in html and "Arcambal" in html
    assert "Indicateurs socio-démographiques" in html
    # Nothing imported from INSEE: shown as missing (never 0 %), with no population covered.
    assert 'Taux de chômage des 15–64 ans</th><td class="num"><abbr title="donnée non disponible"' in html
    assert "Activité (données de Maillage)" in html
    epci = client.get(reverse("observatory:territory", args=["200067361"]))
    assert epci.status_code == 200
    assert "Fiche EPCI (PDF)" in epci.content.decode()


def test_table_sorts_server_side(client, observed, lot_viewer):
    client.force_login(lot_viewer)
    html = client.get(
        reverse("observatory:territory", args=["46"]) + "?tri=population&ordre=desc"
    ).content.decode()
    table = html[html.index('id="communes"') :]
    names = re.findall(r'<th scope="row">([^<]+) <span class="meta">', table)
    assert names == ["Cahors", "Figeac", "Arcambal", "Albas"]
    assert 'aria-sort="descending"' in table


def test_exports(client, observed, lot_viewer):
    client.force_login(lot_viewer)
    response = client.get(reverse("observatory:export", args=["46", "csv"]))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffcode INSEE;commune;population")
    cahors = next(line for line in text.splitlines() if line.startswith("46042;"))
    assert ";oui" in cahors or ";non" in cahors
    xlsx = client.get(reverse("observatory:export", args=["46", "xlsx"]))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert book["Communes"]["B2"].value in {"Albas", "Arcambal", "Cahors", "Figeac"}
    assert book["Sources"]["A2"].value.startswith("La MedNum")
    svg = client.get(reverse("observatory:map", args=["46"]) + "?carte=distance")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert b"Distance au lieu de m" in svg.content


def test_publication_by_a_coordinator_only(client, observed, lot_coordinator, lot_viewer):
    public = reverse("observatory:public", args=["46"])
    assert client.get(public).status_code == 404
    assert client.get(reverse("observatory:public", args=["200023737"])).status_code == 404
    client.force_login(lot_viewer)
    assert client.post(reverse("observatory:publish", args=["46"]), {"public": "1"}).status_code == 404
    client.force_login(lot_coordinator)
    assert client.post(reverse("observatory:publish", args=["46"]), {"public": "1"}).status_code == 302
    assert ObservatorySettings.objects.get(territory__code="46").is_public
    assert AuditLog.objects.filter(object_type="observatory.ObservatorySettings").count() == 1
    client.logout()
    html = client.get(public).content.decode()
    assert "version publique" in html
    assert "Activité (données de Maillage)" not in html  # no activity figures in public
    assert client.get(reverse("observatory:public", args=["200023737"])).status_code == 200  # its EPCI too
    assert client.get(reverse("observatory:public_export", args=["46", "csv"])).status_code == 200
    assert client.get(reverse("observatory:public_map", args=["46"])).status_code == 200
    assert (
        client.get(reverse("observatory:territory", args=["46"])).status_code == 302
    )  # private stays private


def _assert_tagged(content: bytes, tmp_path, expected_text: str) -> None:
    """pdfinfo says « Tagged: yes » (PDF/UA-1 variant) and the text layer holds ``expected_text``."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils absent")
    path = tmp_path / "fiche.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    assert re.search(r"^Title:\s+Fiche EPCI", info, re.MULTILINE)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603,S607
    assert expected_text in text


def test_epci_sheet_pdf_ua_and_docx(client, observed, lot_viewer, tmp_path):
    client.force_login(lot_viewer)
    pdf = client.get(reverse("observatory:sheet", args=["200023737", "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    _assert_tagged(pdf.content, tmp_path, "CA du Grand Cahors")
    docx = client.get(reverse("observatory:sheet", args=["200023737", "docx"]))
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        body = archive.read("word/document.xml").decode()
    assert "CA du Grand Cahors" in body
    assert "Aucune action de feuille de route" in body
    assert client.get(reverse("observatory:sheet", args=["46", "pdf"])).status_code == 404  # EPCI only


def test_department_book_is_a_background_job(
    client, observed, lot_coordinator, lozere_coordinator, tmp_path, settings
):
    from maillage.core.models import Job

    settings.MEDIA_ROOT = tmp_path
    client.force_login(lot_coordinator)
    assert client.get(reverse("observatory:book", args=["46"])).status_code == 405  # POST only
    response = client.post(reverse("observatory:book", args=["46"]))
    job = Job.objects.get(kind="observatory.book")
    assert response.url == job.get_absolute_url()
    assert job.status == "succeeded", job.error
    assert job.result["epcis"] == 2
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("observatory:book_download", args=[job.pk]) in page
    pdf = client.get(reverse("observatory:book_download", args=[job.pk]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    client.force_login(lozere_coordinator)
    assert client.get(reverse("observatory:book_download", args=[job.pk])).status_code == 404


def test_lot_choropleth_weight_and_missing_hatching(lot_with_mednum):
    report = build_report(lot_with_mednum, method="mednum", with_outlines=True)
    assert len(report.rows) >= 310
    svg = report_map(report, "ifn")
    assert len(svg.encode()) <= 150 * 1024
    assert svg.count("<path ") >= len(report.rows)
    assert 'fill="url(#m-na)"' in report_map(report, "distance")  # never computed: hatched as missing
