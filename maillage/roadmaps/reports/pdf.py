"""Tagged, accessible PDF (PDF/UA-1) of the bilan with WeasyPrint."""

from __future__ import annotations

import logging

from maillage.core.pdf import collector_paused
from maillage.roadmaps.reports.data import Report
from maillage.roadmaps.reports.document import build_document
from maillage.roadmaps.reports.html import render_html

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(report: Report, *, base_url: str = "") -> bytes:
    with collector_paused():
        from weasyprint import HTML  # the first import, too, allocates a lot (its stylesheets, cffi)

        html = render_html(build_document(report))
        pdf = HTML(string=html, base_url=base_url or None).write_pdf(
            pdf_variant="pdf/ua-1", uncompressed_pdf=False
        )
    return bytes(pdf or b"")
