"""The bilan annuel: one data builder, two renderers (PDF with WeasyPrint, DOCX with python-docx)."""

from maillage.roadmaps.reports.data import build_report
from maillage.roadmaps.reports.docx import render_docx
from maillage.roadmaps.reports.pdf import render_pdf

__all__ = ["build_report", "render_docx", "render_pdf"]
