"""HTML of the bilan for WeasyPrint (PDF/UA): real headings, table headers, charts as images with alt."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from maillage.roadmaps.reports.document import (
    Bullets,
    Chart,
    Document,
    Group,
    Heading,
    PageBreak,
    Para,
    Table,
)

CSS = """
@page { size: A4; margin: 15mm 14mm 16mm;
  @bottom-center { content: string(doctitle) " — page " counter(page) " / " counter(pages);
    font-family: "DejaVu Sans", sans-serif; font-size: 7pt; color: #555; } }
h1 { string-set: doctitle content(); }
body { font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt; color: #1b1b1b; line-height: 1.3; }
h1 { font-size: 18pt; color: #1d4e89; margin: 0 0 3mm; }
h2 { font-size: 13pt; color: #1d4e89; border-bottom: 1px solid #1d4e89; padding-bottom: 1mm; margin: 5mm 0 2mm; }
h3 { font-size: 10.5pt; color: #1d4e89; margin: 3mm 0 1mm; }
h4 { font-size: 9pt; margin: 2mm 0 1mm; }
p { margin: 0.8mm 0; }
p.lead { font-size: 11pt; }
p.meta { color: #555; }
ul { margin: 0.5mm 0 1.5mm; padding-left: 4.5mm; }
li { margin: 0; }
.break { break-before: page; }
section.sheet { break-inside: avoid; border-top: 1px solid #bbb; padding-top: 1.5mm; margin-top: 2.5mm; }
section.sub-sheet { break-inside: avoid; margin-left: 5mm; border-left: 2px solid #c9d6e8; padding-left: 2.5mm; margin-top: 1.5mm; }
table { width: 100%; border-collapse: collapse; margin: 1mm 0 2.5mm; table-layout: fixed; }
thead th:first-child { width: 30%; }
th, td { overflow-wrap: break-word; hyphens: auto; }
caption { text-align: left; color: #555; font-size: 7.5pt; caption-side: top; padding-bottom: 0.5mm; }
th, td { border: 1px solid #bbb; padding: 0.8mm 1.3mm; text-align: left; vertical-align: top; }
thead th { background: #e8eef6; }
tfoot th, tfoot td { background: #f3f3f3; font-weight: bold; }
tr { break-inside: avoid; }
.num { text-align: right; }
td.num { white-space: nowrap; }
img.chart { width: 70mm; height: auto; margin: 0.5mm 3mm 0 0; }
p.chart-note { font-size: 7pt; color: #555; margin: 0 0 1.5mm; }
"""

BAR = "#1d4e89"
TARGET = "#d9822b"


def chart_svg(chart: Chart) -> str:
    """The series as bars drawn by one path, a dashed line at the target and the axis: no text. WeasyPrint
    draws every SVG node, and lays an SVG text out and draws it one letter at a time (one Pango layout
    per letter: the two period labels of each chart cost more than the rest of the bilan's charts). The
    periods are told once under the sheet's charts (``chart_note``); the alt text of the image and the
    annex table give every value."""
    width, height, left, bottom = 280, 66, 6, 2
    values = [v for _, v in chart.points]
    top = max([*values, chart.target or 0, 1])
    step = (width - left) / len(chart.points)
    bar = step * 0.62
    base = height - bottom
    bars = []
    for i, value in enumerate(values):
        h = max(0.5, (base - 8) * value / top)
        bars.append(f"M{left + i * step:.1f} {base}v{-h:.1f}h{bar:.1f}v{h:.1f}z")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<path d="{"".join(bars)}" fill="{BAR}"/>',
    ]
    if chart.target is not None:
        y = base - (base - 8) * chart.target / top
        parts.append(f'<path d="M{left} {y:.1f}H{width}" stroke="{TARGET}" stroke-dasharray="3 2"/>')
    parts.append(f'<path d="M{left} {base}H{width}" stroke="#555"/>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class ChartNote:
    charts: list[Chart]


def _noted(blocks: list[Any]) -> Iterator[Any]:
    """The blocks, with a ``ChartNote`` after each run of charts."""
    charts: list[Chart] = []
    for block in blocks:
        if isinstance(block, Chart):
            charts.append(block)
        elif charts:
            yield ChartNote(charts)
            charts = []
        yield block
    if charts:
        yield ChartNote(charts)


def chart_note(charts: list[Chart]) -> str:
    """A line under a run of charts: what each one shows, the periods of its bars (the same for all,
    usually) and the meaning of the dashed line."""
    spans = [(c.points[0][0], c.points[-1][0]) for c in charts]
    if len(set(spans)) == 1:
        first, last = spans[0]
        text = " ; ".join(c.title for c in charts) if len(charts) > 1 else charts[0].title
        text += f" — une barre par période, de {first} (à gauche) à {last} (à droite)"
    else:
        text = " ; ".join(
            f"{c.title}, {first} → {last}" for c, (first, last) in zip(charts, spans, strict=True)
        )
    if len(charts) > 1:
        text = f"Graphiques, dans l'ordre : {text}"
    if any(c.target is not None for c in charts):
        text += " ; en pointillé : la cible"
    return f'<p class="chart-note">{escape(text)}.</p>'


def _table(t: Table) -> str:
    def cell(tag: str, text: str, i: int, scope: str = "") -> str:
        cls = ' class="num"' if i in t.numeric else ""
        sc = f' scope="{scope}"' if scope else ""
        return f"<{tag}{cls}{sc}>{escape(text)}</{tag}>"

    out = [f"<table><caption>{escape(t.caption)}</caption>"]
    if t.widths:
        out.append("<colgroup>" + "".join(f'<col style="width: {w}%">' for w in t.widths) + "</colgroup>")
    out.append("<thead><tr>")
    out += [cell("th", h, i, "col") for i, h in enumerate(t.header)]
    out.append("</tr></thead><tbody>")
    for row in t.rows:
        out.append("<tr>")
        for i, text in enumerate(row):
            out.append(cell("th", text, i, "row") if i == 0 and t.row_headers else cell("td", text, i))
        out.append("</tr>")
    out.append("</tbody>")
    if t.footer:
        out.append("<tfoot><tr>")
        out += [
            cell("th", text, i, "row") if i == 0 else cell("td", text, i) for i, text in enumerate(t.footer)
        ]
        out.append("</tr></tfoot>")
    out.append("</table>")
    return "".join(out)


def _block(block: Any, pending_break: list[bool]) -> str:
    cls = ""
    if pending_break and pending_break[0]:
        cls = ' class="break"'
        pending_break[0] = False
    if isinstance(block, Heading):
        return f"<h{block.level}{cls}>{escape(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        style = f' class="{block.style}"' if block.style else ""
        label = f"<strong>{escape(block.label)}</strong>{' : ' if block.text else ''}" if block.label else ""
        return f"<p{style}>{label}{escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, ChartNote):
        return chart_note(block.charts)
    if isinstance(block, Chart):
        data = base64.b64encode(chart_svg(block).encode()).decode()
        return f'<img class="chart" src="data:image/svg+xml;base64,{data}" alt="{escape(block.alt)}">'
    if isinstance(block, Group):
        inner = "".join(_block(b, []) for b in _noted(block.blocks))
        return f'<section class="{block.kind}">{inner}</section>'
    return ""


def render_html(document: Document) -> str:
    pending = [False]
    body = []
    for block in _noted(document.blocks):
        if isinstance(block, PageBreak):
            pending[0] = True
            continue
        body.append(_block(block, pending))
    return (
        f'<!doctype html><html lang="{document.lang[:2]}"><head><meta charset="utf-8">'
        f"<title>{escape(document.title)}</title>"
        f'<meta name="description" content="{escape(document.subject)}">'
        f'<meta name="author" content="Maillage"><style>{CSS}</style></head><body>'
        + "".join(body)
        + "</body></html>"
    )
