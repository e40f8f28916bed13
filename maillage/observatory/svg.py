"""Server-rendered SVG choropleth of the communes: works without JavaScript, in print and in PDF.

The outlines (quantised, delta-encoded, see scripts/build_commune_outlines.py) are projected
equirectangularly around the map's mean latitude, snapped to a grid of ``WIDTH`` units and re-deduplicated,
then written as relative paths. The colour scale goes from light to dark with a monotonic lightness (it
reads in black and white); missing data is hatched, never coloured as a class. Each commune has a
<title> for pointer users; the page always shows the data table beside the map.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.formats import number_format
from django.utils.translation import gettext as _

WIDTH = 800
#: YlOrBr, 7 classes: lightness decreases monotonically (readable in greyscale).
PALETTE = ("#ffffd4", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04")
TEXT_ON = ("#000", "#000", "#000", "#000", "#000", "#fff", "#fff")


@dataclass
class Legend:
    label: str
    fill: str


@dataclass
class Area:
    code: str
    name: str
    outline: list[list[int]] | None
    klass: int | None
    title: str
    emphasis: bool = False


def ifn_legend() -> list[Legend]:
    items = []
    for k in range(7):
        low, high = 1 + 10 * k / 7, 1 + 10 * (k + 1) / 7
        items.append(Legend(f"{number_format(low, 1)} – {number_format(min(high, 10), 1)}", PALETTE[k]))
    return items


DISTANCE_BREAKS = (2, 5, 10, 15, 20, 30)


def distance_class(km: float | None) -> int | None:
    if km is None:
        return None
    for index, limit in enumerate(DISTANCE_BREAKS):
        if km < limit:
            return index
    return len(DISTANCE_BREAKS)


def distance_legend() -> list[Legend]:
    bounds = (0, *DISTANCE_BREAKS)
    items = [
        Legend(_("%(a)s à %(b)s km") % {"a": bounds[i], "b": bounds[i + 1]}, PALETTE[i])
        for i in range(len(DISTANCE_BREAKS))
    ]
    items.append(Legend(_("%(a)s km et plus") % {"a": DISTANCE_BREAKS[-1]}, PALETTE[len(DISTANCE_BREAKS)]))
    return items


def _decode(ring: Sequence[int]) -> list[tuple[int, int]]:
    x, y = ring[0], ring[1]
    points = [(x, y)]
    for i in range(2, len(ring), 2):
        x += ring[i]
        y += ring[i + 1]
        points.append((x, y))
    return points


def render(
    areas: list[Area],
    *,
    title: str,
    description: str,
    legend: list[Legend],
    legend_title: str,
    emphasis_label: str = "",
    id_prefix: str = "m",
    legend_side: bool | None = None,
) -> str:
    decoded: list[tuple[Area, list[list[tuple[int, int]]]]] = []
    xs: list[int] = []
    ys: list[int] = []
    for area in areas:
        rings = [_decode(r) for r in (area.outline or []) if len(r) >= 6]
        decoded.append((area, rings))
        for ring in rings:
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
    if not xs:
        return ""
    xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
    mean_lat = (ymin + ymax) / 2 * 1e-4
    kx = math.cos(math.radians(mean_lat))
    span = max((xmax - xmin) * kx, ymax - ymin, 1)
    scale = WIDTH / span
    map_w = math.ceil((xmax - xmin) * kx * scale)
    map_h = math.ceil((ymax - ymin) * scale)
    legend_h = 24 * (len(legend) + 4) + 16
    # A tall map (or a printed sheet): legend on the right, so that it keeps a readable size.
    side = map_w < WIDTH * 0.75 if legend_side is None else legend_side
    legend_x, legend_y = (map_w + 24, 0) if side else (0, map_h + 24)
    view_w = max(map_w + 300, 320) if side else max(map_w, 320)
    height = max(map_h, legend_h) + 4 if side else map_h + legend_h + 10
    project: Callable[[int, int], tuple[int, int]] = lambda x, y: (  # noqa: E731
        round((x - xmin) * kx * scale),
        round((ymax - y) * scale),
    )
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view_w} {height}" '
        f'role="img" aria-labelledby="{id_prefix}-t {id_prefix}-d" class="choropleth">',
        f'<title id="{id_prefix}-t">{escape(title)}</title>',
        f'<desc id="{id_prefix}-d">{escape(description)}</desc>',
        "<defs>"
        f'<pattern id="{id_prefix}-na" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="1.6"/></pattern></defs>',
        '<g stroke="#333" stroke-width="0.4" stroke-linejoin="round" fill-rule="evenodd">',
    ]
    emphasised: list[str] = []
    for area, rings in decoded:
        parts: list[str] = []
        for ring in rings:
            projected: list[tuple[int, int]] = []
            for x, y in ring:
                p = project(x, y)
                if not projected or projected[-1] != p:
                    projected.append(p)
            if len(projected) > 1 and projected[0] == projected[-1]:
                projected.pop()
            if len(projected) < 3:
                continue
            x0, y0 = projected[0]
            d = [f"M{x0} {y0}"]
            px, py = x0, y0
            for x, y in projected[1:]:
                d.append(f"{x - px} {y - py}")
                px, py = x, y
            parts.append(d[0] + "l" + " ".join(d[1:]) + "z")
        if not parts:
            continue
        fill = PALETTE[area.klass] if area.klass is not None else f"url(#{id_prefix}-na)"
        path = "".join(parts)
        out.append(f'<path d="{path}" fill="{fill}"><title>{escape(area.title)}</title></path>')
        if area.emphasis:
            emphasised.append(path)
    out.append("</g>")
    if emphasised:
        out.append('<g fill="none" stroke="#000" stroke-width="2.2" stroke-dasharray="4 2">')
        out.extend(f'<path d="{d}"/>' for d in emphasised)
        out.append("</g>")
    # Legend (inside the SVG so that the PDF and the printed page carry it).
    y = legend_y + 18
    out.append(
        f'<g font-family="sans-serif" font-size="16" fill="#000" transform="translate({legend_x} 0)">'
        f'<text x="0" y="{y}">{escape(legend_title)}</text>'
    )
    for index, item in enumerate(legend):
        top = y + 10 + 24 * index
        out.append(
            f'<rect x="0" y="{top}" width="28" height="18" fill="{item.fill}" stroke="#333" stroke-width="0.6"/>'
            f'<text x="36" y="{top + 14}">{escape(item.label)}</text>'
        )
    top = y + 10 + 24 * len(legend)
    out.append(
        f'<rect x="0" y="{top}" width="28" height="18" fill="url(#{id_prefix}-na)" stroke="#333" stroke-width="0.6"/>'
        f'<text x="36" y="{top + 14}">{escape(_("donnée manquante"))}</text>'
    )
    if emphasised and emphasis_label:
        top += 24
        out.append(
            f'<rect x="0" y="{top}" width="28" height="18" fill="none" stroke="#000" stroke-width="2.2" '
            f'stroke-dasharray="4 2"/><text x="36" y="{top + 14}">{escape(emphasis_label)}</text>'
        )
    out.append("</g></svg>")
    return "".join(out)


MAP_INDICATORS = ("ifn", "distance")


def report_map(
    report: object, indicator: str = "ifn", *, id_prefix: str = "m", legend_side: bool | None = None
) -> str:
    """The choropleth of a report's communes (``indicator``: ``ifn`` or ``distance``)."""
    from maillage.observatory.selectors import Report

    assert isinstance(report, Report)
    areas: list[Area] = []
    for row in report.rows:
        if indicator == "distance":
            km = row.distances.get("mediation")
            if km is None:
                value = _("distance inconnue")
            else:
                value = _("lieu le plus proche à %(km)s km") % {"km": number_format(km, 1)}
            klass = distance_class(km)
        else:
            klass = row.ifn_class
            value = (
                _("IFN %(v)s / 10") % {"v": number_format(row.ifn, 1)}
                if row.ifn is not None
                else _("IFN manquant")
            )
        title = f"{row.name} : {value}"
        if row.fragile_far:
            title += " — " + _("fragile et éloignée")
        areas.append(Area(row.code, row.name, row.outline, klass, title, emphasis=row.fragile_far))
    territory = str(report.territory)
    if indicator == "distance":
        title = _("Distance au lieu de médiation numérique le plus proche, par commune — %(t)s") % {
            "t": territory
        }
        legend, legend_title = distance_legend(), _("Distance (km)")
    else:
        title = _("Indice de fragilité numérique par commune — %(t)s") % {"t": territory}
        legend, legend_title = ifn_legend(), _("IFN (1 à 10, 10 = plus fragile)")
    description = _(
        "Carte des %(n)s communes. Les mêmes valeurs figurent dans le tableau des communes de la page."
    ) % {"n": len(report.rows)}
    return render(
        areas,
        title=title,
        description=description,
        legend=legend,
        legend_title=legend_title,
        emphasis_label=_("commune fragile et éloignée"),
        id_prefix=id_prefix,
        legend_side=legend_side,
    )


def cached_report_map(report: object, indicator: str = "ifn", *, id_prefix: str = "m") -> str:
    """``report_map`` cached per territory, index, map and data version (outlines loaded only on a miss)."""
    from django.core.cache import cache

    from maillage.observatory.selectors import Report, load_outlines_into

    assert isinstance(report, Report)
    key = f"observatory:svg:{report.territory.pk}:{indicator}:{id_prefix}:{report.version}"
    svg = cache.get(key)
    if svg is None:
        if any(row.outline is None for row in report.rows):
            load_outlines_into(report)
        svg = report_map(report, indicator, id_prefix=id_prefix)
        cache.set(key, svg, 24 * 3600)
    return str(svg)
