"""Read a standard file (CSV or JSON bytes) into raw records of strings, whatever its encoding.

CSV: UTF-8 with or without BOM, or Windows-1252; ``,`` ``;`` or tab separator (detected on the header).
JSON: an array of objects (or ``{"data": [...]}``), either the flat form (the 32 keys, multi-valued
fields as ``|``-joined strings or arrays) or the DataSpace « /carto » form (structured ``adresse``,
arrays). Personal data of the DataSpace form (``mediateurs``) is ignored.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from maillage.places.interop.standard import COLUMN_NAMES, LIST_SEPARATOR

# Bounds: every parser is total (it only raises ``FileRefused``) and bounded in time and memory.
# The standard has 32 columns: 200 leaves room for extra columns without reading a million of them.
MAX_COLUMNS = 200
# A long free-text cell is legitimate (presentation_detail) but not 100 000 characters.
MAX_CELL_CHARS = 65_536
MAX_JSON_DEPTH = 8  # {"data": [ {"adresse": {…}, "services": [ … ]} ]} needs 4
csv.field_size_limit(MAX_CELL_CHARS)


@dataclass
class Issue:
    """One problem found in a file; ``line`` is the physical CSV line (header = 1) or the JSON element."""

    line: int
    column: str
    message: str
    level: str = "error"  # or "warning"
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "level": self.level,
            "value": self.value,
        }


@dataclass
class RawRecord:
    line: int
    values: dict[str, str]


@dataclass
class ParsedFile:
    file_format: str  # "csv" or "json"
    encoding: str = "utf-8"
    delimiter: str = ","
    headers: list[str] = field(default_factory=list)
    records: list[RawRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return "ligne" if self.file_format == "csv" else "élément"


class FileRefused(Exception):
    """The file cannot be read at all (encoding, format, size)."""


def detect_format(filename: str, data: bytes) -> str:
    name = (filename or "").lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith((".csv", ".txt")):
        return "csv"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if head in (b"[", b"{") else "csv"


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name): UTF-8 (BOM stripped) or Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise FileRefused(
                _("Encodage UTF-8 invalide (octet %(byte)s à la position %(position)d).")
                % {"byte": hex(data[3 + error.start]), "position": 3 + error.start}
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(_("Fichier en UTF-16 : enregistrez-le en CSV UTF-8 (ou Windows-1252) ou en JSON."))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise FileRefused(
            _(
                "Encodage non reconnu (octet %(byte)s à la position %(position)d) : enregistrez le fichier "
                "en UTF-8 ou en Windows-1252."
            )
            % {"byte": hex(data[error.start]), "position": error.start}
        ) from None


def _detect_delimiter(text: str) -> str:
    first = text[:65_536].replace("\r", "\n").split("\n", 1)[0]  # never walk a megabyte char by char
    counts = {d: 0 for d in (",", ";", "\t")}
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean_str(text: str) -> str:
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.strip()


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_clean(v) for v in value if _clean(v))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.strip()


def _too_many_columns(count: int) -> FileRefused:
    return FileRefused(
        _("L'en-tête compte %(count)d colonnes, %(max)d au maximum (le standard en a 32).")
        % {"count": count, "max": MAX_COLUMNS}
    )


def read_csv(text: str, *, encoding: str = "utf-8", max_rows: int | None = None) -> ParsedFile:
    """``max_rows``: stop after that many data rows + 1 (the caller refuses the file: too many rows)."""
    delimiter = _detect_delimiter(text)
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    first_line = text[: min(ends)] if ends else text
    if first_line.count(delimiter) >= MAX_COLUMNS:  # counted before parsing: no million-cell list
        raise _too_many_columns(first_line.count(delimiter) + 1)
    parsed = ParsedFile("csv", encoding=encoding, delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(_("Le fichier est vide.")) from None
    except csv.Error as error:
        raise FileRefused(_("Ligne 1 : en-tête illisible (%(error)s).") % {"error": error}) from None
    if len(header) > MAX_COLUMNS:  # a quoted header spanning several physical lines
        raise _too_many_columns(len(header))
    parsed.headers = [_clean(h).strip('"').lower() for h in header]
    previous_end = reader.line_num
    named = all(parsed.headers)  # no unnamed column to leave out
    while max_rows is None or len(parsed.records) <= max_rows:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            parsed.issues.append(
                Issue(previous_end + 1, "", _("Ligne illisible (%(error)s).") % {"error": error})
            )
            break
        start = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(parsed.headers):
            parsed.issues.append(
                Issue(
                    start,
                    "",
                    _("%(found)d colonnes au lieu de %(expected)d (séparateur « %(sep)s »).")
                    % {"found": len(row), "expected": len(parsed.headers), "sep": delimiter},
                )
            )
            continue
        # One Unicode check per row, not per cell (800 000 calls for 25 000 places): U+0000 never
        # combines with a neighbour (a normalisation boundary), so the joined row is NFC exactly when
        # each of its cells is.
        joined = "\x00".join(row)
        if named and (joined.isascii() or unicodedata.is_normalized("NFC", joined)):
            values = dict(zip(parsed.headers, map(str.strip, row), strict=True))
        else:
            values = {h: _clean_str(v) for h, v in zip(parsed.headers, row, strict=True) if h}
        parsed.records.append(RawRecord(start, values))
    return parsed


def _flatten_dataspace(item: dict[str, Any]) -> dict[str, Any]:
    """DataSpace « /carto » element → flat standard keys."""
    flat = {k: v for k, v in item.items() if k not in {"adresse", "mediateurs"}}
    address = item.get("adresse")
    if isinstance(address, dict):
        street = " ".join(
            _clean(address.get(k))
            for k in ("numero_voie", "repetition", "nom_voie")
            if _clean(address.get(k))
        )
        flat["adresse"] = street
        for key in ("commune", "code_postal", "code_insee"):
            if key not in flat and address.get(key) is not None:
                flat[key] = address.get(key)
    return flat


def _check_depth(payload: Any) -> None:
    """Refuse nesting deeper than ``MAX_JSON_DEPTH`` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise FileRefused(
                _("JSON trop imbriqué : plus de %(max)d niveaux (un tableau d'objets plats est attendu).")
                % {"max": MAX_JSON_DEPTH}
            )
        if isinstance(node, dict):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)


def _json_cell(value: Any) -> str:
    text = _clean(value)
    if len(text) > MAX_CELL_CHARS:
        raise FileRefused(
            _("Une valeur dépasse %(max)d caractères : ce n'est pas une fiche de lieu.")
            % {"max": MAX_CELL_CHARS}
        )
    return text


def read_json(text: str, *, max_rows: int | None = None) -> ParsedFile:
    parsed = ParsedFile("json")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRefused(
            _("JSON invalide ligne %(line)d, colonne %(col)d : %(msg)s.")
            % {"line": error.lineno, "col": error.colno, "msg": error.msg}
        ) from None
    except RecursionError:
        raise FileRefused(
            _("JSON trop imbriqué : plus de %(max)d niveaux (un tableau d'objets plats est attendu).")
            % {"max": MAX_JSON_DEPTH}
        ) from None
    except ValueError as error:  # e.g. an integer of more than 4 300 digits
        raise FileRefused(
            _("JSON invalide : un nombre compte plus de 4 300 chiffres ou une valeur est illisible.")
        ) from error
    _check_depth(payload)
    if isinstance(payload, dict):
        for key in ("data", "results", "lieux", "items"):
            if isinstance(payload.get(key), list):
                payload = payload[key]
                break
    if not isinstance(payload, list):
        raise FileRefused(_("Le JSON doit être un tableau d'objets (un objet par lieu)."))
    headers: dict[str, None] = {}
    for index, item in enumerate(payload, start=1):
        if max_rows is not None and index > max_rows + 1:
            break  # the caller refuses the file: too many elements
        if not isinstance(item, dict):
            parsed.issues.append(Issue(index, "", _("L'élément n'est pas un objet JSON.")))
            continue
        flat = _flatten_dataspace(item) if isinstance(item.get("adresse"), dict) else item
        if len(flat) > MAX_COLUMNS:
            raise FileRefused(
                _("L'élément %(index)d compte %(count)d champs, %(max)d au maximum (le standard en a 32).")
                % {"index": index, "count": len(flat), "max": MAX_COLUMNS}
            )
        values = {_json_cell(k).lower(): _json_cell(v) for k, v in flat.items()}
        headers.update(dict.fromkeys(values))
        if len(headers) > MAX_COLUMNS:
            raise _too_many_columns(len(headers))
        parsed.records.append(RawRecord(index, values))
    # JSON omits empty fields: every standard column is "present" for the header checks.
    parsed.headers = list(dict.fromkeys([*COLUMN_NAMES, *headers]))
    return parsed


def _refuse_nul(text: str) -> None:
    position = text.find("\x00")
    if position >= 0:
        line = text.count("\n", 0, position) + 1
        raise FileRefused(
            _(
                "Ligne %(line)d : caractère nul (octet 0x00) : ce n'est pas un fichier texte. "
                "Enregistrez-le en CSV (UTF-8) ou en JSON."
            )
            % {"line": line}
        )


def read(data: bytes, filename: str = "", *, max_rows: int | None = None) -> ParsedFile:
    """Bytes → raw records. Only ever raises ``FileRefused`` (with a French message)."""
    file_format = detect_format(filename, data)
    text, encoding = decode(data)
    _refuse_nul(text)
    if file_format == "json":
        parsed = read_json(text, max_rows=max_rows)
        parsed.encoding = encoding
        return parsed
    return read_csv(text, encoding=encoding, max_rows=max_rows)
