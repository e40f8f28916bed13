"""The bilan annuel: PDF and DOCX content, read back as text."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from maillage.roadmaps.models import ActionUpdate
from maillage.roadmaps.reports import build_report, render_docx, render_pdf

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "bilan.pdf"
    path.write_bytes(content)
    command = [shutil.which("pdftotext") or "pdftotext", str(path), "-"]
    result = subprocess.run(command, capture_output=True, check=True, text=True)  # noqa: S603
    return result.stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils absent")
def test_pdf_contains_summary_sheets_and_governance(roadmap, tmp_path):
    action = roadmap.actions.get(number=1)
    update = ActionUpdate.objects.create(
        action=action, status="in_progress", progress=30, note="Premier COPIL installé"
    )
    ActionUpdate.objects.filter(pk=update.pk).update(created_at=datetime(2025, 6, 2, 10, tzinfo=UTC))
    content = render_pdf(build_report(roadmap, 2025))
    assert content.startswith(b"%PDF")
    text = _pdf_text(content, tmp_path)
    assert "Bilan 2025" in text
    assert "Synthèse" in text
    assert "Action 1 — Coordonner la feuille de route" in text
    assert "Action 3 — Former les animateurs" in text
    assert "Nombre de réunions" in text
    assert "Premier COPIL installé" in text
    assert "COPIL FNE" in text and "66,7 %" in text  # 2 present out of 3 on 19/06/2025
    assert "ANCT" in text and "22 000 €" in text  # funder totals: 2 000 + 20 000


def test_docx_contains_the_same_facts(roadmap):
    from docx import Document

    document = Document(io.BytesIO(render_docx(build_report(roadmap, 2025))))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Bilan 2025 — Feuille de route de test" in text
    assert "Action 3 — Former les animateurs" in text
    assert "Gouvernance en 2025" in text
    assert "taux de présence 66,7 %" in text
    assert "Nombre de réunions" in cells
    assert "22 000 €" in cells


def test_report_download_names(client, roadmap, lot_coordinator):
    client.force_login(lot_coordinator)
    response = client.get(reverse("roadmaps:report", args=[roadmap.pk, 2025, "docx"]))
    assert response["Content-Disposition"] == 'attachment; filename="bilan-test-lot-2024-2027-2025.docx"'
    assert client.get(reverse("roadmaps:report", args=[roadmap.pk, 2031, "pdf"])).status_code == 404
    assert client.get(reverse("roadmaps:report", args=[roadmap.pk, 2025, "odt"])).status_code == 404
