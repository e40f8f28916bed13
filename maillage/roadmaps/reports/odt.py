"""Editable ODT of the bilan (odfpy): the same blocks as the PDF and the DOCX, with real heading styles
(outline levels), tables with a header row (repeated on each page) and totals."""

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


class _Writer:
    def __init__(self, document: Document) -> None:
        from odf.opendocument import OpenDocumentText
        from odf.style import (
            FontFace,
            ParagraphProperties,
            Style,
            TableColumnProperties,
            TableProperties,
            TextProperties,
        )

        self.doc = OpenDocumentText()
        self.doc.fontfacedecls.addElement(FontFace(name="DejaVu Sans", fontfamily="'DejaVu Sans'"))
        styles = self.doc.styles
        auto = self.doc.automaticstyles
        self.styles: dict[str, Any] = {}
        standard = Style(name="Standard", family="paragraph")
        standard.addElement(
            TextProperties(fontname="DejaVu Sans", fontsize="10pt", language="fr", country="FR")
        )
        standard.addElement(ParagraphProperties(margintop="0.05cm", marginbottom="0.1cm"))
        styles.addElement(standard)
        sizes = {1: "18pt", 2: "14pt", 3: "11.5pt", 4: "10pt"}
        for level, size in sizes.items():
            name = "Title" if level == 1 else f"Heading_20_{level - 1}"
            style = Style(
                name=name,
                displayname="Title" if level == 1 else f"Heading {level - 1}",
                family="paragraph",
                parentstylename="Standard",
                nextstylename="Standard",
                defaultoutlinelevel=str(max(1, level - 1)),
            )
            style.addElement(TextProperties(fontsize=size, fontweight="bold", color="#1d4e89"))
            style.addElement(
                ParagraphProperties(margintop="0.3cm", marginbottom="0.15cm", keepwithnext="always")
            )
            styles.addElement(style)
            self.styles[f"h{level}"] = style
            breaking = Style(name=f"{name}_break", family="paragraph", parentstylename=style)
            breaking.addElement(ParagraphProperties(breakbefore="page"))
            auto.addElement(breaking)
            self.styles[f"h{level}-break"] = breaking
        for key, props in (
            ("meta", TextProperties(fontstyle="italic", color="#555555")),
            ("lead", TextProperties(fontsize="12pt")),
            ("caption", TextProperties(fontsize="8.5pt", color="#555555")),
            ("bold", TextProperties(fontweight="bold")),
            ("right", None),
        ):
            style = Style(name=f"m_{key}", family="text" if key == "bold" else "paragraph")
            if props is not None:
                style.addElement(props)
            if key == "right":
                style.addElement(ParagraphProperties(textalign="end"))
            if key == "caption":
                style.addElement(ParagraphProperties(keepwithnext="always"))
            auto.addElement(style)
            self.styles[key] = style
        table = Style(name="m_table", family="table")
        table.addElement(TableProperties(width="17cm", align="margins"))
        auto.addElement(table)
        self.styles["table"] = table
        column = Style(name="m_col", family="table-column")
        column.addElement(TableColumnProperties(useoptimalcolumnwidth="true"))
        auto.addElement(column)
        self.styles["col"] = column
        self.doc.meta.addElement(_meta("title", document.title))
        self.doc.meta.addElement(_meta("subject", document.subject))
        self.doc.meta.addElement(_meta("language", document.lang))
        self.pending_break = False

    def para(self, text: str, *, label: str = "", style: str = "") -> Any:
        from odf.text import P, Span

        p = P(stylename=self.styles[style]) if style else P()
        if label:
            p.addElement(Span(stylename=self.styles["bold"], text=label + (" : " if text else "")))
        if text:
            p.addText(text)
        return p

    def block(self, block: Any) -> None:
        from odf.table import Table as OTable
        from odf.table import TableColumn, TableHeaderRows
        from odf.text import H, List, ListItem

        body = self.doc.text
        if isinstance(block, PageBreak):
            self.pending_break = True
        elif isinstance(block, Heading):
            key = f"h{block.level}" + ("-break" if self.pending_break else "")
            self.pending_break = False
            body.addElement(H(outlinelevel=block.level, stylename=self.styles[key], text=block.text))
        elif isinstance(block, Para):
            body.addElement(self.para(block.text, label=block.label, style=block.style))
        elif isinstance(block, Bullets):
            items = List()
            for item in block.items:
                li = ListItem()
                li.addElement(self.para("• " + item))
                items.addElement(li)
            body.addElement(items)
        elif isinstance(block, Table):
            body.addElement(self.para(block.caption, style="caption"))
            table = OTable(name=f"Tableau{id(block)}", stylename=self.styles["table"])
            table.addElement(
                TableColumn(numbercolumnsrepeated=len(block.header), stylename=self.styles["col"])
            )
            header = TableHeaderRows()
            header.addElement(self._row(block.header, block, bold=True))
            table.addElement(header)
            for row in block.rows:
                table.addElement(self._row(row, block))
            if block.footer:
                table.addElement(self._row(block.footer, block, bold=True))
            body.addElement(table)
        elif isinstance(block, Chart):
            body.addElement(self.para(block.alt, style="caption"))
        elif isinstance(block, Group):
            for inner in block.blocks:
                self.block(inner)

    def _row(self, cells: list[str], table: Table, *, bold: bool = False) -> Any:
        from odf.table import TableCell, TableRow
        from odf.text import P, Span

        row = TableRow()
        for i, text in enumerate(cells):
            cell = TableCell(valuetype="string")
            p = P(stylename=self.styles["right"]) if i in table.numeric else P()
            if bold:
                p.addElement(Span(stylename=self.styles["bold"], text=text))
            else:
                p.addText(text)
            cell.addElement(p)
            row.addElement(cell)
        return row

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.write(buffer)
        return buffer.getvalue()


def _meta(name: str, value: str) -> Any:
    from odf import dc

    return {"title": dc.Title, "subject": dc.Subject, "language": dc.Language}[name](text=value)


def render_document(document: Document) -> bytes:
    writer = _Writer(document)
    for block in document.blocks:
        writer.block(block)
    return writer.save()


def render_odt(report: Report) -> bytes:
    return render_document(build_document(report))
