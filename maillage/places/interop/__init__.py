"""Interoperability with the national « standard de données des lieux de médiation numérique » v1.0.2.

* ``reader``: bytes (CSV in UTF-8/BOM/Windows-1252 with ``,``/``;``, or JSON) → raw string records;
* ``validate``: raw records → Place field values + French issues by line and column;
* ``writer``: Place → standard rows, CSV (schema column order, ``|`` lists) and flat JSON;
* ``standard``: columns, Place field mapping (``FIELD_MAP``), patterns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from maillage.places.interop.reader import FileRefused, Issue, ParsedFile, read
from maillage.places.interop.standard import COLUMNS
from maillage.places.interop.validate import RowResult, check_headers, validate_records


@dataclass
class Analysis:
    parsed: ParsedFile
    rows: list[RowResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def analyse(
    data: bytes,
    filename: str = "",
    *,
    default_source: str = "",
    progress: Callable[[str, int, int], None] | None = None,
    max_rows: int | None = None,
) -> Analysis:
    """Read and validate a whole file; never raises on content errors (they are in ``issues``) but
    raises ``FileRefused`` when the file cannot be read at all."""
    parsed = read(data, filename, max_rows=max_rows)
    analysis = Analysis(parsed)
    analysis.issues.extend(check_headers(parsed))
    analysis.issues.extend(parsed.issues)
    if max_rows is not None and len(parsed.records) > max_rows:
        return analysis  # refused by the caller (too many rows): validating them would be wasted time
    missing = frozenset(c.name for c in COLUMNS if c.required and c.name not in set(parsed.headers))
    analysis.rows = validate_records(
        parsed.records,
        default_source=default_source,
        unit=parsed.unit,
        progress=progress,
        missing_columns=missing,
    )
    for row in analysis.rows:
        analysis.issues.extend(row.issues)
    analysis.issues.sort(key=lambda i: (i.line, i.level != "error"))
    return analysis


__all__ = ["Analysis", "FileRefused", "Issue", "analyse"]
