"""Readers of the public statistics files a territory downloads (documented in docs/observatory.md).

Each reader turns a file into ``{commune code: {key: (value, is_secret)}}`` and a list of French errors
by line; nothing is written here. The file kind is recognised from its header:

- INSEE « Dossier complet » (``dossier_complet.csv``, ``;``): ``CODGEO`` and ``Pyy_POP`` columns;
- ARCEP « Ma connexion internet » commune statistics (``commune_debit*.csv``, ``;``): ``code_insee``,
  ``nbr``, ``elig_thd30``;
- ARCEP 4G coverage per commune (our documented two-column layout, see the docs);
- CAF ``RSACom<année>.csv`` (``Codes_Insee``, ``NB_allocataire_RSA``) and ``AAHCom<année>.csv``
  (``Codes_Insee``, ``ALL_AAH``);
- La MedNum IFN (``name,division,code,no_thd_coverage_rate,…,total``).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from maillage.observatory.models import IndicatorSource

#: Cells that mean « not published »: statistical secrecy, not applicable, not available.
SECRET_MARKERS = {"", "s", "nd", "n.d.", "ns", "so", "nc", "secret", "-", "x"}
COMMUNE_CODE = re.compile(r"^(\d[\dAB]\d{3})$")
MAX_ERRORS = 200


class ImportRejected(Exception):
    """The file is refused as a whole; ``errors`` are French messages by line and column."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ParsedFile:
    source: str
    vintage: str
    rows: int = 0
    values: dict[str, dict[str, tuple[float | None, bool]]] = field(default_factory=dict)
    #: MedNum only: {(division, code): {"scores": {...}, "total": float | None, "name": str}}
    references: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
        elif len(self.errors) == MAX_ERRORS:
            self.errors.append("… d'autres erreurs ont été trouvées ; corrigez d'abord celles-ci.")


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d])


def parse_number(raw: str) -> tuple[float | None, bool, bool]:
    """(value, is_secret, ok). Accepts ``12,5`` and ``12.5``; secret markers give (None, True, True)."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if text.lower() in SECRET_MARKERS:
        return None, True, True
    try:
        return float(text.replace(",", ".")), False, True
    except ValueError:
        return None, False, False


Rows = Iterable[list[str]]


def _open(path: Path, encoding: str) -> io.TextIOWrapper:
    """The file as text, streamed (a national Dossier complet is hundreds of megabytes)."""
    with path.open("rb") as probe:
        packed = probe.read(2) == b"\x1f\x8b"
    raw = cast(IO[bytes], gzip.GzipFile(path, "rb") if packed else path.open("rb"))  # noqa: SIM115 — closed by the wrapper
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def _rows(handle: io.TextIOWrapper) -> tuple[list[str], Rows]:
    first = handle.readline()
    if not first.strip():
        raise ImportRejected(["Le fichier est vide."])
    delimiter = sniff_delimiter(first)
    header = [h.strip().strip('"') for h in next(csv.reader([first], delimiter=delimiter))]
    return header, csv.reader(handle, delimiter=delimiter)


def detect(header: list[str]) -> str | None:
    names = set(header)
    upper = {h.upper() for h in header}
    if "CODGEO" in upper and any(re.fullmatch(r"P\d\d_POP", h) for h in upper):
        return IndicatorSource.INSEE
    if {"code_insee", "nbr", "elig_thd30"} <= names:
        return IndicatorSource.ARCEP_FIXED
    if "code_insee" in names and MOBILE_SHARE_COLUMNS & names:
        return IndicatorSource.ARCEP_MOBILE
    if "Codes_Insee" in names and "NB_allocataire_RSA" in names:
        return IndicatorSource.CAF_RSA
    if "Codes_Insee" in names and "ALL_AAH" in names:
        return IndicatorSource.CAF_AAH
    if {"division", "code", "no_thd_coverage_rate", "total"} <= names:
        return IndicatorSource.MEDNUM
    return None


# --- INSEE Dossier complet -------------------------------------------------------------------------------

#: key → column name pattern (``{yy}`` is the census year of the file).
INSEE_RP_COLUMNS = {
    "population_rp": "P{yy}_POP",
    "pop65p": "P{yy}_POP65P",
    "pop6074": "P{yy}_POP6074",
    "pop7589": "P{yy}_POP7589",
    "pop90p": "P{yy}_POP90P",
    "nscol15p": "P{yy}_NSCOL15P",
    "nscol15p_diplmin": "P{yy}_NSCOL15P_DIPLMIN",
    "nscol15p_bepc": "P{yy}_NSCOL15P_BEPC",
    "pop1564": "P{yy}_POP1564",
    "act1564": "P{yy}_ACT1564",
    "actocc1564": "P{yy}_ACTOCC1564",
    "chom1564": "P{yy}_CHOM1564",
    "pop_imm": "P{yy}_POP_IMM",
    "households": "P{yy}_MEN",
    "single_households": "C{yy}_MENPSEUL",
}
INSEE_FILOSOFI_COLUMNS = {"poverty_rate": "TP60{yy}", "median_income": "MED{yy}"}


def parse_insee(header: list[str], rows: Rows) -> ParsedFile:
    upper = [h.upper() for h in header]
    index = {h: i for i, h in enumerate(upper)}
    rp_years = sorted({m.group(1) for h in upper if (m := re.fullmatch(r"P(\d\d)_POP", h))}, reverse=True)
    rp = rp_years[0]
    filo_years = sorted({m.group(1) for h in upper if (m := re.fullmatch(r"TP60(\d\d)", h))}, reverse=True)
    columns: dict[str, int] = {}
    for key, pattern in INSEE_RP_COLUMNS.items():
        name = pattern.format(yy=rp)
        if name in index:
            columns[key] = index[name]
    filo = filo_years[0] if filo_years else None
    if filo:
        for key, pattern in INSEE_FILOSOFI_COLUMNS.items():
            name = pattern.format(yy=filo)
            if name in index:
                columns[key] = index[name]
    vintage = f"RP 20{rp}" + (f", FiLoSoFi 20{filo}" if filo else "")
    parsed = ParsedFile(source=IndicatorSource.INSEE, vintage=vintage)
    parsed.notes["columns"] = sorted(upper[i] for i in columns.values())
    missing = [k for k in ("pop65p", "nscol15p", "nscol15p_diplmin") if k not in columns]
    if missing:
        parsed.notes["missing_columns"] = missing
    _collect(parsed, rows, index["CODGEO"], columns, header)
    return parsed


# --- ARCEP -----------------------------------------------------------------------------------------------

MOBILE_SHARE_COLUMNS = {"part_pop_4g", "pct_pop_4g"}


def parse_arcep_fixed(header: list[str], rows: Rows, filename: str) -> ParsedFile:
    index = {h: i for i, h in enumerate(header)}
    basis = "filaire" if "filaire" in filename else "terrestre" if "terrestre" in filename else "toutes"
    parsed = ParsedFile(source=IndicatorSource.ARCEP_FIXED, vintage="")
    parsed.notes["basis"] = basis
    if "type" in index:
        kind = index["type"]
        rows = (r for r in rows if len(r) <= kind or r[kind].strip() in ("all", ""))
    _collect(
        parsed,
        rows,
        index["code_insee"],
        {"premises": index["nbr"], "premises_thd30": index["elig_thd30"]},
        header,
        date_index=index.get("date"),
    )
    dates = parsed.notes.pop("dates", [])
    parsed.vintage = f"{max(dates) if dates else 'date inconnue'} ({basis})"
    return parsed


def parse_arcep_mobile(header: list[str], rows: Rows, vintage: str | None) -> ParsedFile:
    index = {h: i for i, h in enumerate(header)}
    share = next(c for c in header if c in MOBILE_SHARE_COLUMNS)
    parsed = ParsedFile(source=IndicatorSource.ARCEP_MOBILE, vintage="")
    _collect(
        parsed,
        rows,
        index["code_insee"],
        {"mobile_4g_share": index[share]},
        header,
        date_index=index.get("date"),
    )
    dates = parsed.notes.pop("dates", [])
    parsed.vintage = vintage or (max(dates) if dates else "date inconnue")
    for code, values in parsed.values.items():
        value = values["mobile_4g_share"][0]
        if value is not None and not 0 <= value <= 100:
            parsed.error(f"Commune {code} : part de population couverte en 4G hors de 0–100 ({value}).")
    return parsed


# --- CAF -------------------------------------------------------------------------------------------------


def _caf_vintage(filename: str, vintage: str | None) -> str:
    if vintage:
        return vintage
    match = re.search(r"(20\d\d)", filename)
    if not match:
        raise ImportRejected(
            ["Millésime introuvable dans le nom du fichier CAF (ex. RSACom2014.csv) : précisez --vintage."]
        )
    return f"CAF {match.group(1)}"


def parse_caf(source: str, header: list[str], rows: Rows, filename: str, vintage: str | None) -> ParsedFile:
    index = {h: i for i, h in enumerate(header)}
    allocataires = next((index[h] for h in header if h.lower() == "nb_allocataires"), None)
    columns = (
        {"rsa_households": index["NB_allocataire_RSA"]}
        if source == IndicatorSource.CAF_RSA
        else {"aah_households": index["ALL_AAH"]}
    )
    if allocataires is not None and source == IndicatorSource.CAF_RSA:
        columns["caf_allocataires"] = allocataires
    parsed = ParsedFile(source=source, vintage=_caf_vintage(filename, vintage))
    _collect(parsed, rows, index["Codes_Insee"], columns, header)
    return parsed


# --- La MedNum -------------------------------------------------------------------------------------------

MEDNUM_SCORES = {
    "no_thd_coverage_rate": "no_thd",
    "no_4g_coverage_rate": "no_4g",
    "poverty_rate": "poverty",
    "older_65_rate": "older",
    "nscol15p_rate": "education",
}


def parse_mednum(header: list[str], rows: Rows, filename: str, vintage: str | None) -> ParsedFile:
    index = {h: i for i, h in enumerate(header)}
    match = re.search(r"(20\d\d-\d\d)", filename)
    parsed = ParsedFile(
        source=IndicatorSource.MEDNUM,
        vintage=vintage or f"La MedNum {match.group(1) if match else ''} (données 2021)".replace("  ", " "),
    )
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        parsed.rows += 1
        if len(row) != len(header):
            parsed.error(f"Ligne {number} : {len(row)} colonnes au lieu de {len(header)}.")
            continue
        division, code = row[index["division"]].strip(), row[index["code"]].strip()
        if division not in ("city", "epci"):
            continue
        scores: dict[str, float | None] = {}
        for column, key in MEDNUM_SCORES.items():
            value, _secret, ok = parse_number(row[index[column]])
            if not ok:
                parsed.error(
                    f"Ligne {number}, colonne {column} : « {row[index[column]]} » n'est pas un nombre."
                )
                continue
            # 0 means « missing » in this file (observed, see standards/fragility.md).
            scores[key] = value if value else None
            if value and not 1 <= value <= 10:
                parsed.error(f"Ligne {number}, colonne {column} : {value} hors de l'échelle 1–10.")
        total, _secret, ok = parse_number(row[index["total"]])
        if not ok:
            parsed.error(f"Ligne {number}, colonne total : « {row[index['total']]} » n'est pas un nombre.")
        parsed.references[(division, code)] = {
            "scores": scores,
            "total": total if total else None,
            "name": row[index["name"]].strip(),
        }
    return parsed


# --- shared ----------------------------------------------------------------------------------------------


def _collect(
    parsed: ParsedFile,
    rows: Rows,
    code_index: int,
    columns: dict[str, int],
    header: list[str],
    *,
    date_index: int | None = None,
) -> None:
    seen: dict[str, int] = {}
    dates: set[str] = set()
    skipped = 0
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        parsed.rows += 1
        if len(row) != len(header):
            parsed.error(f"Ligne {number} : {len(row)} colonnes au lieu de {len(header)}.")
            continue
        code = row[code_index].strip().strip('"').upper()
        if len(code) == 4 and code.isdigit():  # a spreadsheet dropped the leading zero
            code = "0" + code
        if not COMMUNE_CODE.match(code):
            if re.fullmatch(r"\d{9}|\d{2,3}|2[AB]", code):  # EPCI, département: not a commune row
                skipped += 1
                continue
            parsed.error(f"Ligne {number} : code commune « {row[code_index]} » invalide.")
            continue
        if code in seen:
            parsed.error(f"Ligne {number} : la commune {code} apparaît déjà ligne {seen[code]}.")
            continue
        seen[code] = number
        if date_index is not None:
            dates.add(row[date_index].strip())
        values: dict[str, tuple[float | None, bool]] = {}
        for key, column in columns.items():
            value, secret, ok = parse_number(row[column])
            if not ok:
                parsed.error(
                    f"Ligne {number}, colonne {header[column]} : « {row[column]} » n'est pas un nombre."
                )
                continue
            if value is not None and value < 0:
                parsed.error(f"Ligne {number}, colonne {header[column]} : valeur négative ({row[column]}).")
                continue
            values[key] = (value, secret)
        parsed.values[code] = values
    parsed.notes["skipped_non_commune_rows"] = skipped
    if date_index is not None:
        parsed.notes["dates"] = sorted(d for d in dates if d)


def parse_file(path: Path, *, source: str | None = None, vintage: str | None = None) -> ParsedFile:
    """Read and check a whole file, streamed. Raises ImportRejected with every error found (nothing written).

    UTF-8 (with or without BOM) first; a file that is not UTF-8 is read again as Windows-1252."""
    try:
        try:
            return _parse(path, "utf-8-sig", source, vintage)
        except UnicodeDecodeError:
            return _parse(path, "cp1252", source, vintage)
    except OSError as exc:
        raise ImportRejected([f"Fichier illisible : {exc.strerror or exc}."]) from exc
    except (EOFError, gzip.BadGzipFile) as exc:
        raise ImportRejected(["Archive gzip illisible ou tronquée."]) from exc
    except csv.Error as exc:
        raise ImportRejected([f"CSV illisible : {exc}."]) from exc


def _parse(path: Path, encoding: str, source: str | None, vintage: str | None) -> ParsedFile:
    with _open(path, encoding) as handle:
        header, rows = _rows(handle)
        detected = detect(header)
        if source and detected and source != detected:
            raise ImportRejected([f"Le fichier ressemble à « {detected} », pas à « {source} »."])
        kind = source or detected
        if kind is None:
            raise ImportRejected(
                [
                    "Type de fichier non reconnu : en-tête attendu d'un Dossier complet INSEE (CODGEO, P22_POP…), "
                    "d'un fichier ARCEP (code_insee, nbr, elig_thd30 ; ou code_insee, part_pop_4g), d'un fichier "
                    "CAF (Codes_Insee, NB_allocataire_RSA ou ALL_AAH) ou de l'IFN de La MedNum."
                ]
            )
        name = path.name
        if kind == IndicatorSource.INSEE:
            parsed = parse_insee(header, rows)
        elif kind == IndicatorSource.ARCEP_FIXED:
            parsed = parse_arcep_fixed(header, rows, name)
        elif kind == IndicatorSource.ARCEP_MOBILE:
            parsed = parse_arcep_mobile(header, rows, vintage)
        elif kind in (IndicatorSource.CAF_RSA, IndicatorSource.CAF_AAH):
            parsed = parse_caf(kind, header, rows, name, vintage)
        elif kind == IndicatorSource.MEDNUM:
            parsed = parse_mednum(header, rows, name, vintage)
        else:  # pragma: no cover - every IndicatorSource readable from a file is handled above
            raise ImportRejected([f"Source « {kind} » non importable depuis un fichier."])
    if vintage and kind != IndicatorSource.MEDNUM:
        parsed.vintage = vintage
    if parsed.rows == 0:
        parsed.error("Le fichier ne contient aucune ligne de données.")
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    return parsed
