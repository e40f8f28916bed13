"""PDF rendering of the bilan annuel with WeasyPrint (HTML template + print stylesheet)."""

from __future__ import annotations

from django.template.loader import render_to_string

from maillage.roadmaps.reports.data import Report


def render_html(report: Report) -> str:
    return render_to_string("roadmaps/report/bilan.html", {"report": report})


def render_pdf(report: Report, *, base_url: str = "") -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=render_html(report), base_url=base_url or None).write_pdf()
    return bytes(pdf or b"")
