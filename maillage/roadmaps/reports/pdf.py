"""Tagged, accessible PDF (PDF/UA-1) of the bilan with WeasyPrint."""

from __future__ import annotations

import logging

from maillage.core.pdf import collector_paused, write_pdf
from maillage.roadmaps.reports.data import Report
from maillage.roadmaps.reports.document import build_document
from maillage.roadmaps.reports.html import render_html

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(report: Report) -> bytes:
    """The bilan as a tagged PDF; its charts are inline ``data:`` images, nothing else is fetched."""
    with collector_paused():  # the document's construction allocates a lot too
        html = render_html(build_document(report))
        pdf = write_pdf(html, pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    return bytes(pdf or b"")
