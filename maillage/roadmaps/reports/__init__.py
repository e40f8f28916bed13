"""The bilan annuel: one data builder, one list of blocks, three writers (PDF/UA, DOCX, ODT)."""

from maillage.roadmaps.reports.data import build_report
from maillage.roadmaps.reports.docx import render_docx
from maillage.roadmaps.reports.odt import render_odt
from maillage.roadmaps.reports.pdf import render_pdf

__all__ = ["build_report", "render_docx", "render_odt", "render_pdf"]
