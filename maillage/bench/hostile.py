"""Hostile files against every import: peak memory and time of each, against the aim.

``python -m maillage.bench hostile`` builds the bombs (an XLSX declaring A1:XFD1048576, an XLSX zip bomb
of 5 M rows, a CSV with 1 M header columns, JSON and YAML nested 100 000 deep, a 5 001-digit integer,
NUL bytes, CR-only line ends, UTF-16, truncated XML) and feeds each to the public import function of
places, activities and roadmaps, each in its own subprocess (address space capped by ``--cap-mb``
so a bomb cannot take the machine down; wall time capped by ``--timeout``). It prints, per import and
bomb: the outcome (refused with a French message / accepted / crashed), seconds and peak RSS, beside
the baseline RSS of the same process before the import, against the aim (≤ 512 MB, ≤ 10 s, refused).
Nothing is kept: each child runs in a transaction rolled back at the end and checks no row was written.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

AIM_MB, AIM_SECONDS = 512, 10.0
IMPORTS = ("places", "activities", "roadmaps")

# --- the bombs ---------------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Accompagnements" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="{ref}"/><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _xlsx(path: Path, sheet_writer: Callable[[Any], None], *, padding: int = 0) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet_writer(sheet)
        if padding:  # incompressible bytes: the file weighs what a real export of that size weighs
            archive.writestr(zipfile.ZipInfo("docProps/padding.bin"), os.urandom(padding), zipfile.ZIP_STORED)


def _header_row(sheet: Any) -> None:
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABC", ("ID CRA", "Date", "Durée"), strict=True)
    )
    sheet.write(f'<row r="1">{cells}</row>'.encode())


def xlsx_dimension(path: Path) -> None:
    """8.5 MB, declaring A1:XFD1048576, one cell in the very last row (openpyxl pads every row)."""

    def write(sheet: Any) -> None:
        sheet.write(_SHEET_HEAD.format(ref="A1:XFD1048576").encode())
        _header_row(sheet)
        sheet.write(b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
        sheet.write(_SHEET_TAIL.encode())

    _xlsx(path, write, padding=8_500_000)


def xlsx_zip_bomb(path: Path) -> None:
    """About 1 MB compressed, 5 M identical rows (about 250 MB of XML) once inflated."""

    def write(sheet: Any) -> None:
        sheet.write(_SHEET_HEAD.format(ref="A1:C5000001").encode())
        _header_row(sheet)
        block = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 50_000
        for _ in range(100):
            sheet.write(block)
        sheet.write(_SHEET_TAIL.encode())

    _xlsx(path, write)


def xlsx_truncated(path: Path) -> None:
    """A sheet whose XML stops in the middle of a tag."""
    _xlsx(path, lambda sheet: sheet.write(_SHEET_HEAD.format(ref="A1:C3").encode() + b'<row r="1"><c r="A'))


def xlsx_entities(path: Path) -> None:
    """Billion laughs in the sheet XML."""
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    _xlsx(path, lambda sheet: sheet.write(lol.encode()))


def csv_million_columns(path: Path) -> None:
    path.write_bytes(b"nom," * 1_000_000 + b"nom\n" + b"x\n")


def csv_cr_only(path: Path) -> None:
    path.write_bytes(b"ID CRA;Date;Duree\r" + b"".join(b"%d;2026-01-05;30\r" % i for i in range(1000)))


def csv_utf16(path: Path) -> None:
    path.write_bytes("ID CRA;Date;Durée\n1;2026-01-05;30\n".encode("utf-16"))


def csv_nul(path: Path) -> None:
    path.write_bytes(b"nom;adresse;ID CRA\nCaf\x00e;1 rue;\x00\n")


def json_deep(path: Path) -> None:
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)


def yaml_deep(path: Path) -> None:
    path.write_bytes(b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n")


def json_big_int(path: Path) -> None:
    path.write_text('{"format": "maillage-feuille-de-route/1", "nom": ' + "9" * 5001 + "}")


def yaml_big_int(path: Path) -> None:
    path.write_text(
        "format: maillage-feuille-de-route/1\nfeuille_de_route:\n  annee_debut: " + "9" * 5001 + "\n"
    )


BOMBS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "xlsx-dimension-A1:XFD1048576": ("bombe.xlsx", xlsx_dimension),
    "xlsx-zip-5M-lignes": ("bombe.xlsx", xlsx_zip_bomb),
    "xlsx-xml-tronqué": ("tronque.xlsx", xlsx_truncated),
    "xlsx-entités-xml": ("entites.xlsx", xlsx_entities),
    "csv-1M-colonnes": ("colonnes.csv", csv_million_columns),
    "csv-fins-de-ligne-CR": ("cr.csv", csv_cr_only),
    "csv-utf16": ("utf16.csv", csv_utf16),
    "csv-octets-nuls": ("nul.csv", csv_nul),
    "json-profondeur-100k": ("profond.json", json_deep),
    "yaml-profondeur-100k": ("profond.yaml", yaml_deep),
    "json-entier-5001-chiffres": ("entier.json", json_big_int),
    "yaml-entier-5001-chiffres": ("entier.yaml", yaml_big_int),
}


# --- the child: one import of one file ---------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, path: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import transaction

    from maillage.accounts.models import Membership, Organisation, User
    from maillage.activities.models import Activity
    from maillage.places.models import Place
    from maillage.roadmaps.models import Roadmap
    from maillage.territories.models import Territory, TerritoryKind

    def counts() -> tuple[int, int, int]:
        return Place.objects.count(), Activity.objects.count(), Roadmap.objects.count()

    data = path.read_bytes()
    baseline = _rss_mb()
    outcome, message = "accepté", ""
    with transaction.atomic():
        department, _ = Territory.objects.get_or_create(
            kind=TerritoryKind.DEPARTMENT, code="46", defaults={"name": "Lot"}
        )
        organisation = Organisation.objects.create(name="Banc hostile", territory=department)
        user = User.objects.create_user(email=f"hostile-{os.getpid()}@banc.invalid", password=None)
        Membership.objects.create(user=user, organisation=organisation, territory=department, role="mediator")
        before = counts()
        started = time.perf_counter()
        try:
            if kind == "places":
                from maillage.places.services.imports import places_import

                job = places_import(data=data, filename=path.name, user=user, territory=department)
                outcome = "refusé" if job.status == "refused" else "accepté"
                first = (job.report.get("errors") or [{}])[0]
                message = first.get("message") or job.report.get("message", "")
            elif kind == "activities":
                from maillage.activities.importer import ImportFailed, import_activities, iter_errors

                try:
                    import_activities(actor=user, mediator=user, content=data, filename=path.name)
                except ImportFailed as error:
                    outcome, message = "refusé", " ".join(iter_errors(error.errors)[:1])
            else:
                from maillage.roadmaps.exchange.importer import RoadmapImportError, import_file

                try:
                    import_file(path, actor=user, territory=department)
                except RoadmapImportError as error:
                    outcome, message = (
                        "refusé",
                        str((getattr(error, "errors", None) or [str(error)])[0]),
                    )
        except MemoryError:
            outcome, message = "PLANTÉ", "MemoryError"
        except BaseException as error:  # noqa: BLE001 — the bench reports whatever escapes
            outcome, message = "PLANTÉ", f"{type(error).__name__}: {str(error)[:120]}"
        seconds = time.perf_counter() - started
        written = counts() != before
        transaction.set_rollback(True)
    return {
        "outcome": outcome,
        "message": message[:110],
        "seconds": seconds,
        "rss_mb": _rss_mb(),
        "baseline_mb": baseline,
        "written": written,
    }


# --- the parent ----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=120, help="secondes au plus par essai (défaut 120)")
    parser.add_argument(
        "--cap-mb", type=int, default=2048, help="mémoire adressable par essai (défaut 2048 Mo)"
    )
    parser.add_argument("--only", default="", help="ne lancer que les bombes dont le nom contient ce texte")
    parser.add_argument("--imports", default=",".join(IMPORTS), help="places,activities,roadmaps")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def run(args: argparse.Namespace) -> None:
    from maillage.bench.common import ensure_database

    ensure_database()
    print(f"Charge de la machine (1/5/15 min) : {_load()}")
    print(f"But : refusé avec un message en français, ≤ {AIM_MB} Mo de RSS, ≤ {AIM_SECONDS:.0f} s.")
    print(f"Garde-fous : {args.cap_mb} Mo de mémoire adressable et {args.timeout:.0f} s par essai.\n")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="maillage-hostile-") as folder:
        for bomb, (filename, build) in BOMBS.items():
            if args.only and args.only not in bomb:
                continue
            path = Path(folder) / filename
            started = time.perf_counter()
            build(path)
            print(
                f"— {bomb} : {path.stat().st_size / 1_048_576:.2f} Mo sur disque "
                f"(fabriqué en {time.perf_counter() - started:.1f} s ; charge {_load()})"
            )
            for kind in args.imports.split(","):
                result = _spawn(kind, path, args)
                within = (
                    result["outcome"] == "refusé"
                    and result["rss_mb"] <= AIM_MB
                    and result["seconds"] <= AIM_SECONDS
                    and not result["written"]
                )
                failures += not within
                print(
                    f"    {kind:<11} {result['outcome']:<8} {result['seconds']:6.2f} s "
                    f"{result['rss_mb']:7.0f} Mo (base {result['baseline_mb']:.0f} Mo)"
                    f"{'  ÉCRIT !' if result['written'] else ''}  {'ok' if within else 'HORS BUT'}"
                    f"  « {result['message']} »",
                    flush=True,
                )
    print(f"\n{failures} essai(s) hors du but. Charge finale : {_load()}")


def _spawn(kind: str, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    cap = args.cap_mb * 1024 * 1024

    def limit() -> None:  # in the child, before exec: a bomb cannot take the machine down
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.perf_counter()
    try:
        done = subprocess.run(  # noqa: S603 — our own interpreter and module
            [sys.executable, "-m", "maillage.bench.hostile", kind, str(path)],
            capture_output=True,
            text=True,
            timeout=args.timeout,
            preexec_fn=limit,  # noqa: PLW1509 — no threads in the parent at this point
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings_bench"),
            },
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _crash(f"arrêté après {args.timeout:.0f} s", args.timeout, 0)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1][:110]
        return _crash(f"code {done.returncode} : {tail}", time.perf_counter() - started, args.cap_mb)
    return json.loads(lines[-1])


def _crash(message: str, seconds: float, rss: float) -> dict[str, Any]:
    return {
        "outcome": "PLANTÉ",
        "message": message,
        "seconds": seconds,
        "rss_mb": rss,
        "baseline_mb": 0,
        "written": False,
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_bench")
    print(json.dumps(_child(sys.argv[1], Path(sys.argv[2])), ensure_ascii=False), flush=True)
