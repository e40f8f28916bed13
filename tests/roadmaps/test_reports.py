"""The bilan annuel: PDF (tagged), DOCX and ODT with the same content, totals that add up, versions."""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from maillage.roadmaps import demo
from maillage.roadmaps.exchange.importer import import_file
from maillage.roadmaps.models import ActionUpdate, ReportVersion
from maillage.roadmaps.reports import build_report, render_docx, render_odt, render_pdf
from maillage.roadmaps.reports.data import Money
from maillage.roadmaps.reports.document import Table, build_document
from maillage.roadmaps.reports.store import generate_report
from tests.factories import make_department

pytestmark = pytest.mark.django_db
POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdfinfo") is not None
STRATEGY = Path(__file__).parent / "data" / "strategie-cantal-engagements.yaml"


def _run(*command: str) -> str:
    return subprocess.run(list(command), capture_output=True, check=True, text=True).stdout  # noqa: S603


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "bilan.pdf"
    path.write_bytes(content)
    return _run(shutil.which("pdftotext") or "pdftotext", "-layout", str(path), "-")


def _pdf_objects(content: bytes) -> bytes:
    """The PDF's objects, object streams inflated (the catalog sits in one)."""
    import re
    import zlib

    out = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        try:
            out.append(zlib.decompressobj().decompress(content[match.end() : match.end() + 2_000_000]))
        except zlib.error:
            continue
    return b"\n".join(out)


def _odt_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("content.xml").decode()


@pytest.mark.skipif(not POPPLER, reason="poppler-utils absent")
def test_pdf_is_tagged_with_summary_sheets_and_governance(roadmap, tmp_path):
    action = roadmap.actions.get(number=1)
    update = ActionUpdate.objects.create(
        action=action, status="in_progress", progress=30, note="Premier COPIL installé"
    )
    ActionUpdate.objects.filter(pk=update.pk).update(created_at=datetime(2025, 6, 2, 10, tzinfo=UTC))
    content = render_pdf(build_report(roadmap, 2025))
    assert content.startswith(b"%PDF")
    path = tmp_path / "b.pdf"
    path.write_bytes(content)
    info = _run("pdfinfo", str(path))
    assert "Tagged:          yes" in info
    assert "Title:           Bilan 2025 — Feuille de route de test" in info
    assert b"/Lang (fr)" in _pdf_objects(content)  # document language in the catalog
    structure = _run("pdfinfo", "-struct", str(path))
    for tag in ("H1", "H2", "H3", "Table", "TH", "TD"):
        assert tag in structure, tag
    text = _pdf_text(content, tmp_path)
    for expected in (
        "Synthèse",
        "Le territoire en chiffres",
        "Action 1 — Coordonner la feuille de route",
        "Action 3 — Former les animateurs",
        "Premier COPIL installé",
        "Gouvernance en 2025",
        "Annexes",
        "Charges par financeur",
    ):
        assert expected in text, expected
    assert "66,7 %" in text  # 2 present out of 3 on 19/06/2025


def test_docx_and_odt_have_the_same_blocks(roadmap):
    from docx import Document

    report = build_report(roadmap, 2025)
    document = Document(io.BytesIO(render_docx(report)))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    blocks = [b for block in build_document(report).blocks for b in getattr(block, "blocks", [block])]
    expected = [b.text for b in blocks if type(b).__name__ == "Heading"]
    assert headings == expected
    assert document.core_properties.language == "fr-FR"
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Total" in cells and "Financeur" in cells
    header = document.tables[0].rows[0]._tr
    assert header.trPr is not None and "tblHeader" in header.trPr.xml
    odt = _odt_text(render_odt(report))
    assert 'text:outline-level="2"' in odt and "Synthèse" in odt
    assert "table:table-header-rows" in odt
    for title in expected:
        assert title.replace("'", "&apos;") in odt or title in odt


def _lot(lot):
    return import_file(demo.LOT_FILE).roadmap


def _check_adds_up(table: Table) -> None:
    def value(text: str) -> Decimal:
        digits = text.split("€")[0].replace("\u202f", "").replace("\u00a0", "").replace(",", ".").strip()
        return Decimal(digits) if digits and digits[0].isdigit() else Decimal(0)

    for column in (1, 2):
        rows = sum((value(row[column]) for row in table.rows), Decimal(0))
        assert table.footer is not None
        assert rows == value(table.footer[column]), (table.caption, column, rows, table.footer)


def test_lot_seed_budget_totals_add_up(lot):
    roadmap = _lot(lot)
    for year in (2025, 2026):
        report = build_report(roadmap, year)
        budget = report.budget
        # charges by nature and by funder are two views of the same lines: same total, rows add up
        assert budget.by_nature.total.planned.total == budget.by_funder.total.planned.total
        assert sum(r.planned.total for r in budget.by_funder.rows) == budget.by_funder.total.planned.total
        assert (
            sum(r.planned.total for r in budget.income_by_funder.rows)
            == budget.income_by_funder.total.planned.total
        )
        tables = [b for b in build_document(report).blocks if isinstance(b, Table) and b.footer]
        budget_tables = [t for t in tables if t.caption.startswith(("Charges", "Recettes"))]
        assert len(budget_tables) >= 2
        for table in budget_tables:
            _check_adds_up(table)
    # revenue lines (Banque des Territoires subsidy) are not counted as spending
    report = build_report(roadmap, 2025)
    funders = {r.label for r in report.budget.by_funder.rows}
    assert "Banque des Territoires" not in funders
    assert "Banque des Territoires" in {r.label for r in report.budget.income_by_funder.rows}


def test_unknown_is_never_zero_nor_a_default_status(db, tmp_path):
    make_department("15", "Cantal")
    roadmap = import_file(STRATEGY).roadmap
    report = build_report(roadmap, 2025)
    document = build_document(report)
    text = "\n".join(
        str(getattr(b, "text", "")) + " ".join(" ".join(r) for r in getattr(b, "rows", []))
        for block in document.blocks
        for b in (block.blocks if hasattr(block, "blocks") else [block])
    )
    assert "0 €" not in text and "À lancer" not in text and "Conçue" not in text
    assert "statut : non renseigné" in text
    # every engagement and sub-action, with the document's words
    for n in range(1, 5):
        assert f"Engagement {n} — " in text
    assert "Action 1.2 — Généraliser un outil d'orientation partagé" in text
    assert "Action 3.4 — " in text
    assert "Indice de fragilité numérique" in text and "élevé" in text
    assert "Conseillers numériques en poste" in text
    assert "Préfecture du Cantal (Copilote)" in text
    assert report.indicators_total == 0
    assert "Définir les indicateurs de suivi et leurs cibles." in report.decisions


def test_money_keeps_unknown_apart():
    m = Money()
    m.add(None)
    assert not m.is_known
    m.add(Decimal(5))
    assert (m.total, m.known, m.unknown) == (5, 1, 1)


def test_versions_are_stored_numbered_and_served_as_generated(client, roadmap, lot_coordinator, lot_viewer):
    client.force_login(lot_coordinator)
    url = reverse("roadmaps:report_versions", args=[roadmap.pk])
    assert client.post(url, {"year": 2025, "format": "odt"}).status_code == 302
    assert client.post(url, {"year": 2025, "format": "odt"}).status_code == 302
    response = client.post(url, {"year": 1999, "format": "rtf"})
    assert response.status_code == 400 and "Choisissez une année" in response.content.decode()
    # generated by a background job (immediate in tests), which records who asked
    from maillage.core.models import Job

    job = Job.objects.filter(kind="roadmaps.bilan").latest("pk")
    assert job.status == "succeeded" and job.result["number"] == 2
    versions = list(ReportVersion.objects.filter(roadmap=roadmap, format="odt").order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].generated_by == lot_coordinator
    page = client.get(url).content.decode()
    assert "v2" in page and str(lot_coordinator) in page
    client.force_login(lot_viewer)
    assert client.post(url, {"year": 2025, "format": "pdf"}).status_code == 403
    response = client.get(reverse("roadmaps:report_file", args=[versions[0].pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == versions[0].file.open("rb").read()
    assert response["X-Content-SHA256"] == versions[0].sha256
    # the short link serves the latest version, exactly as stored
    response = client.get(reverse("roadmaps:report", args=[roadmap.pk, 2025, "odt"]))
    assert response["Content-Disposition"] == f'attachment; filename="{versions[1].filename}"'


def test_report_download_names(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.get(reverse("roadmaps:report", args=[roadmap.pk, 2025, "docx"]))
    assert response["Content-Disposition"] == 'attachment; filename="bilan-2025-test-lot-2024-2027-v1.docx"'
    assert client.get(reverse("roadmaps:report", args=[roadmap.pk, 2031, "pdf"])).status_code == 404
    assert client.get(reverse("roadmaps:report", args=[roadmap.pk, 2025, "rtf"])).status_code == 404


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="transactional test: SQLite refuses to flush the append-only audit log",
)
@pytest.mark.django_db(transaction=True)
def test_two_generations_at_once_get_two_numbers(lot):
    from tests.roadmaps.factories import make_roadmap

    roadmap = make_roadmap()
    errors: list[BaseException] = []

    def generate() -> None:
        try:
            generate_report(roadmap, 2025, "odt")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(ReportVersion.objects.values_list("number", flat=True)) == [1, 2]


def test_pdf_render_leaves_the_garbage_collector_as_it_found_it(roadmap):
    import gc

    from maillage.core.pdf import collector_paused

    report = build_report(roadmap, 2025)
    assert gc.isenabled()
    assert render_pdf(report).startswith(b"%PDF")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()


def test_pdf_charts_have_alt_text_and_their_periods_told_once_under_them():
    import base64
    import re

    from maillage.roadmaps.reports.document import Chart, Document, Group, Heading, Para
    from maillage.roadmaps.reports.html import render_html

    monthly = [("janvier 2025", 3.0), ("février 2025", 5.0), ("mars 2025", 4.0)]
    sheet = Group(
        blocks=[
            Heading(3, "Action 1 — Coordonner"),
            Chart(title="Ateliers", alt="Ateliers : janvier 2025 : 3 ; …", points=monthly, target=4.0),
            Chart(title="Inscrits", alt="Inscrits : janvier 2025 : 3 ; …", points=monthly),
            Para("après les graphiques"),
        ]
    )
    other = Group(
        blocks=[
            Chart(title="Ateliers", alt="Ateliers : …", points=monthly),
            Chart(title="Lieux", alt="Lieux : 2024 : 1 ; 2025 : 2", points=[("2024", 1.0), ("2025", 2.0)]),
        ]
    )
    html = render_html(Document(title="Bilan", lang="fr-FR", subject="Bilan annuel", blocks=[sheet, other]))
    images = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)">', html)
    assert [alt for _, alt in images] == [
        "Ateliers : janvier 2025 : 3 ; …",
        "Inscrits : janvier 2025 : 3 ; …",
        "Ateliers : …",
        "Lieux : 2024 : 1 ; 2025 : 2",
    ]
    for data, _ in images:
        svg = base64.b64decode(data).decode()
        assert "<path" in svg and "<text" not in svg  # WeasyPrint lays SVG text out letter by letter
    notes = re.findall(r'<p class="chart-note">([^<]+)</p>', html)
    assert notes == [
        "Graphiques, dans l&#x27;ordre : Ateliers ; Inscrits — une barre par période, de janvier 2025 "
        "(à gauche) à mars 2025 (à droite) ; en pointillé : la cible.",
        "Graphiques, dans l&#x27;ordre : Ateliers, janvier 2025 → mars 2025 ; Lieux, 2024 → 2025.",
    ]
    assert html.index(notes[0]) < html.index("après les graphiques")


def test_pdf_layout_draws_inline_images_and_fetches_nothing_else(caplog):
    """The bilan's charts are ``data:`` images: they are drawn. Any other address in a document we lay
    out (a file, a cloud metadata URL) is refused and left out, with a warning, and the PDF is still made:
    nothing in a document can make the server read a file or a URL."""
    from maillage.core.pdf import write_pdf

    svg = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIxMCIgaGVpZ2h0PSIxMCIvPg=="
    html = (
        '<html lang="fr"><body><img alt="graphique" src="data:image/svg+xml;base64,' + svg + '">'
        '<img alt="ailleurs" src="http://169.254.169.254/latest/meta-data">'
        '<img alt="fichier" src="file:///etc/hostname"></body></html>'
    )
    with caplog.at_level("WARNING", logger="weasyprint"):
        document = write_pdf(html)
    assert document.startswith(b"%PDF")
    refused = " ".join(r.getMessage() for r in caplog.records)
    assert "169.254.169.254" in refused and "/etc/hostname" in refused
    assert "data:image" not in refused
