"""Serialise places to the standard (CSV with the schema's column order, flat JSON).

* Multi-valued fields are joined with ``|``; ``date_maj`` is ``YYYY-MM-DD``; coordinates are numbers.
* An unknown pivot is written ``00000000000000`` (the national chain's convention; re-imported as empty).
* ``Étapes numériques (La Poste)`` is written ``Étapes numériques(La Poste)``, the spelling of the v1.0.2
  schema pattern, so that exports validate (known defect of the standard; imports accept both).
* CSV only — formula injection: a free-text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is
  prefixed with ``'`` (OWASP). Cells whose value is fixed by the standard are never touched: numbers
  (a negative longitude), the phone (``+33…`` is the schema's own format and contains only digits, so a
  spreadsheet cannot run it), dates, codes, enumerations. The free-text columns have no pattern in the
  schema, so the prefix keeps the file valid; the importer removes it (lossless round trip). JSON is not
  escaped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from maillage.places.choices import ETAPES_NUMERIQUES_SCHEMA_SPELLING, Label
from maillage.places.interop.standard import (
    CODE_INSEE,
    COLUMN_NAMES,
    COLUMNS,
    LIST_SEPARATOR,
    PIVOT,
    UNKNOWN_PIVOT,
)
from maillage.places.interop.validate import normalise_phone

#: Columns whose content is free text (the only ones escaped against formula injection).
FREE_TEXT_COLUMNS = frozenset(
    {
        "id",
        "nom",
        "commune",
        "adresse",
        "complement_adresse",
        "typologie",
        "courriels",
        "site_web",
        "horaires",
        "presentation_resume",
        "presentation_detail",
        "source",
        "structure_parente",
        "autres_formations_labels",
        "fiche_acces_libre",
        "prise_rdv",
    }
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Place fields read by the serialiser (use with ``.values(*EXPORT_FIELDS)`` or ``.only()``).
EXPORT_FIELDS: tuple[str, ...] = tuple(c.field for c in COLUMNS)


#: Allowed values of the enumerated columns (``TextChoices.values`` rebuilds its list at every call).
_ENUM_VALUES: dict[str, frozenset[str]] = {
    column.name: frozenset(column.enum.values) for column in COLUMNS if column.enum is not None
}


_LIST, _NUMBER, _DATE, _TEXT = 0, 1, 2, 3
_ETAPES = Label.ETAPES_NUMERIQUES.value


def _plan(column: Any) -> tuple[str, str, int, frozenset[str] | None, bool]:
    if column.kind in {"list", "enum", "emails", "urls"}:
        kind = _LIST
    elif column.kind == "number":
        kind = _NUMBER
    elif column.kind == "date":
        kind = _DATE
    else:
        kind = _TEXT
    return column.name, column.field, kind, _ENUM_VALUES.get(column.name), column.name == "formations_labels"


#: One tuple per column, decided once (the serialiser runs for every place of every page and export).
_PLAN = tuple(_plan(column) for column in COLUMNS)


def to_standard(place: Any, *, place_id: str | None = None) -> dict[str, Any]:
    """One place (model instance or ``values()`` dict) → a dict with the 32 standard keys.

    Values are strings, except ``latitude``/``longitude`` (float or None). Empty values are ``""``.
    """
    get = place.__getitem__ if isinstance(place, dict) else place.__getattribute__
    row: dict[str, Any] = {}
    for name, field, kind, allowed, labels in _PLAN:
        value = get(field)
        if kind == _TEXT:
            row[name] = value or ""
        elif kind == _LIST:
            if not value:
                row[name] = ""
                continue
            items = [str(v) for v in value if v]
            if allowed is not None:  # never export a value the schema refuses (data edited elsewhere)
                items = [v for v in items if v in allowed]
            if labels:
                items = [ETAPES_NUMERIQUES_SCHEMA_SPELLING if v == _ETAPES else v for v in items]
            row[name] = LIST_SEPARATOR.join(items)
        elif kind == _NUMBER:
            row[name] = value
        else:
            row[name] = value.isoformat() if value else ""
    # Defensive: values typed in the app are validated by their forms, but the export must stay valid.
    if not PIVOT.match(row["pivot"] or ""):
        row["pivot"] = UNKNOWN_PIVOT
    if row["telephone"]:
        row["telephone"] = normalise_phone(row["telephone"]) or ""
    if row["code_insee"] and not CODE_INSEE.match(row["code_insee"]):
        row["code_insee"] = ""
    if len(row["presentation_resume"]) > 280:
        row["presentation_resume"] = row["presentation_resume"][:279] + "…"
    if place_id is not None:
        row["id"] = place_id
    return row


def to_json_item(row: dict[str, Any]) -> dict[str, Any]:
    """Flat JSON form: empty fields omitted, numbers as numbers."""
    return {k: v for k, v in row.items() if v not in ("", None)}


def escape_formula(column: str, value: str) -> str:
    if column in FREE_TEXT_COLUMNS and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return escape_formula(column, str(value))


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield the CSV text (header first), every cell quoted like the national exporter."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(COLUMN_NAMES)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(name, row.get(name)) for name in COLUMN_NAMES])
        yield buffer.getvalue()


def write_csv(rows: Iterable[dict[str, Any]], stream: Any) -> int:
    count = -1
    for count, line in enumerate(csv_lines(rows)):  # noqa: B007
        stream.write(line)
    return max(count, 0)


def write_json(rows: Iterable[dict[str, Any]], stream: Any) -> int:
    stream.write("[")
    count = 0
    for row in rows:
        stream.write(",\n" if count else "\n")
        stream.write(json.dumps(to_json_item(row), ensure_ascii=False))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


# --- the stored open-data document of each place ---------------------------------------------------


def _serialiser_stamp() -> str:
    """8 characters that change with the code producing the documents (this module, the columns, the
    enumerations, the phone normalisation): a document stored by another version of the code is never
    served, it is rebuilt."""
    import hashlib
    from pathlib import Path

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in (here / "writer.py", here / "standard.py", here / "validate.py", here.parent / "choices.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


DOCUMENT_STAMP = _serialiser_stamp()


def standard_document(place: Any) -> str:
    """The stored form of a place's open-data item: ``DOCUMENT_STAMP`` then the JSON text of
    ``to_json_item(to_standard(place))`` (the API's item without its ``url``, its own ``id``)."""
    return DOCUMENT_STAMP + json.dumps(to_json_item(to_standard(place)), ensure_ascii=False)


def stored_item(stored: str | None) -> str | None:
    """The JSON text of a stored document, or None when it is missing or was built by other code."""
    if not stored or not stored.startswith(DOCUMENT_STAMP):
        return None
    return stored[len(DOCUMENT_STAMP) :]
