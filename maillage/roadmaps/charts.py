"""Server-rendered horizontal bar charts: geometry computed here, SVG drawn by _bar_chart.html.

Every chart has a title, a description and is always shown next to a data table (accessibility).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

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
