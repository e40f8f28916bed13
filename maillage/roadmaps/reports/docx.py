"""Editable DOCX of the bilan (python-docx): heading styles, tables with a repeated header row, totals."""

from __future__ import annotations

import io
from typing import Any

from maillage.roadmaps.reports.data import Report
from maillage.roadmaps.reports.document import (
    Bullets,
    Chart,
    Document,
    Group,
    Heading,
    PageBreak,
    Para,
    Table,
    build_document,
)


def _mark_header(row: Any) -> None:
    """Repeat the row at the top of each page and mark it as the table's header (accessibility)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _table(doc: Any, t: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    caption = doc.add_paragraph(t.caption, style="Caption")
    caption.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(t.header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, t.header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    _mark_header(table.rows[0])
    body = [*t.rows, *([t.footer] if t.footer else [])]
    for n, row in enumerate(body):
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.text = text
            paragraph = cell.paragraphs[0]
            if i in t.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if t.footer and n == len(body) - 1:
                for run in paragraph.runs:
                    run.bold = True


def _write(doc: Any, block: Any, state: dict[str, bool]) -> None:
    if isinstance(block, PageBreak):
        state["break"] = True
        return
    if isinstance(block, Heading):
        heading = doc.add_heading(block.text, level=0 if block.level == 1 else block.level - 1)
        if state.pop("break", False):
            heading.paragraph_format.page_break_before = True
        return
    if isinstance(block, Para):
        p = doc.add_paragraph()
        if block.label:
            p.add_run(block.label + (" : " if block.text else "")).bold = True
        run = p.add_run(block.text)
        if block.style == "meta":
            run.italic = True
        return
    if isinstance(block, Bullets):
        for item in block.items:
            doc.add_paragraph(item, style="List Bullet")
        return
    if isinstance(block, Table):
        _table(doc, block)
        return
    if isinstance(block, Chart):
        # the chart's text equivalent: the series itself
        doc.add_paragraph(block.alt, style="Caption")
        return
    if isinstance(block, Group):
        for inner in block.blocks:
            _write(doc, inner, state)


def render_document(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.shared import Pt

    doc = Docx()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = document.title
    doc.core_properties.subject = document.subject
    doc.core_properties.author = "Maillage"
    doc.core_properties.language = document.lang
    state: dict[str, bool] = {}
    for block in document.blocks:
        _write(doc, block, state)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_docx(report: Report) -> bytes:
    return render_document(build_document(report))
