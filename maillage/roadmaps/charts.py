"""Server-rendered horizontal bar charts: geometry and SVG markup computed here (``BarChart.svg``, one
string built in Python: the template engine resolved a dozen variables per bar), framed by
_bar_chart.html.

Every chart has a title, a description and is always shown next to a data table (accessibility).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

COLOURS = ("#1d4e89", "#d9822b", "#2f7d4a")  # contrast ≥ 4.5:1 on white
LABEL_WIDTH = 330
BAR_WIDTH = 360
ROW_HEIGHT = 22
GAP = 10


@dataclass
class Bar:
    x: int
    y: int
    width: float
    height: int
    fill: str
    text: str
    text_x: float


@dataclass
class Row:
    label: str
    label_y: int
    bars: list[Bar]


@dataclass
class BarChart:
    ident: str
    title: str
    description: str
    series: list[tuple[str, str]]  # (label, colour)
    rows: list[Row] = field(default_factory=list)
    width: int = LABEL_WIDTH + BAR_WIDTH + 90
    height: int = 0
    track: bool = False  # draw the 0–maximum track behind bars (percentages)
    track_x: int = LABEL_WIDTH
    track_width: int = BAR_WIDTH

    def svg(self) -> SafeString:
        """The chart as accessible SVG (role img, title and description); every text escaped."""
        ident = escape(self.ident)
        out = [
            f'<svg role="img" aria-labelledby="{ident}-t {ident}-d" viewBox="0 0 {self.width} {self.height}" '
            f'width="{self.width}" height="{self.height}" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{ident}-t">{escape(self.title)}</title>',
            f'<desc id="{ident}-d">{escape(self.description)} '
            f"{escape(gettext('Les valeurs figurent dans le tableau qui suit.'))}</desc>",
        ]
        if len(self.series) > 1:
            for i, (label, colour) in enumerate(self.series):
                out.append(f'<rect x="{i * 120}" y="4" width="14" height="14" fill="{colour}"/>')
                out.append(
                    f'<text x="{i * 120}" dx="20" y="16" font-size="13" fill="#1b1b1b">{escape(label)}</text>'
                )
        for row in self.rows:
            out.append(
                f'<text x="0" y="{row.label_y}" font-size="12" fill="#1b1b1b">{escape(row.label)}</text>'
            )
            for bar in row.bars:
                if self.track:
                    out.append(
                        f'<rect x="{self.track_x}" y="{bar.y}" width="{self.track_width}" '
                        f'height="{bar.height}" fill="#e8ecf2"/>'
                    )
                out.append(
                    f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}" fill="{bar.fill}"/>'
                )
                out.append(
                    f'<text x="{bar.text_x}" y="{bar.y + 14}" font-size="12" fill="#1b1b1b">{escape(bar.text)}</text>'
                )
        out.append("</svg>")
        return mark_safe("".join(out))  # noqa: S308 — built from escaped texts and numbers


def _fmt(value: float, unit: str) -> str:
    text = (
        f"{value:,.0f}".replace(",", " ")
        if abs(value) >= 10 or value == int(value)
        else f"{value:.2f}".rstrip("0")
    )
    return f"{text.replace('.', ',')} {unit}".strip()


def _short(label: str, limit: int = 46) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(
    ident: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[float | Decimal | None]]],
    *,
    series: list[str],
    unit: str = "",
    maximum: float | None = None,
) -> BarChart:
    values = [float(v) for _, vs in rows for v in vs if v is not None]
    top = maximum if maximum is not None else max(values, default=0) or 1
    chart = BarChart(
        ident=ident,
        title=title,
        description=description,
        series=list(zip(series, COLOURS, strict=False)),
        track=maximum is not None,
    )
    y = 30 if len(series) > 1 else 6
    per_row = ROW_HEIGHT * len(series)
    for label, vs in rows:
        bars = []
        for i, v in enumerate(vs):
            value = float(v) if v is not None else 0.0
            width = max(0.0, min(value, top)) / top * BAR_WIDTH
            bar_y = y + i * ROW_HEIGHT
            bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=bar_y,
                    width=round(width, 1),
                    height=ROW_HEIGHT - 4,
                    fill=COLOURS[i % len(COLOURS)],
                    text=_fmt(value, unit) if v is not None else "—",
                    text_x=LABEL_WIDTH + width + 6,
                )
            )
        chart.rows.append(Row(label=_short(label), label_y=y + per_row // 2 + 3, bars=bars))
        y += per_row + GAP
    chart.height = y + 4
    return chart
