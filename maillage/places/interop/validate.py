"""Validate raw standard records and map them to ``Place`` field values.

Rules come from the schema (required, patterns, enumerations, ``maxLength``, ``date``) and from the
reference library (SIRET/RNA, coordinates ranges, phone normalisation). Tolerances (each one reported as a
warning so the producer can fix the source):

* values are trimmed and normalised to Unicode NFC;
* enumerations match whatever the case and accents (``Comprehension du monde numérique`` → the schema
  value); ``;`` is accepted as a list separator (the stale v0 README text); duplicates are dropped;
* ``Étapes numériques(La Poste)`` (v1.0.2 pattern defect) and ``Étapes numériques (La Poste)`` are both
  accepted and stored with the space;
* phones in national format (``05 65 …``, ``0033…``) are converted to the schema's ``+33…`` form;
* postcodes and INSEE codes that lost their leading zero in a spreadsheet (4 digits) are padded;
* decimal commas in coordinates; ``2024-04-02T10:00:00`` and ``02/04/2024`` dates;
* a pivot ``00000000000000`` (the national chain's "unknown") is stored empty;
* a CSV cell escaped against formula injection (``'=…``, ``'+…``, ``'-…``, ``'@…``) is unescaped;
* the library's business rule: no ``services`` → ``modalites_acces`` = « Ce lieu n'accueille pas de
  public » and the public-related fields are dropped; with services, that value is removed.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.places import opening_hours
from maillage.places.choices import ETAPES_NUMERIQUES_SCHEMA_SPELLING, TYPOLOGY_CODES, AccessMode, Label
from maillage.places.interop.reader import Issue, ParsedFile, RawRecord
from maillage.places.interop.standard import BY_NAME, COLUMNS, UNKNOWN_PIVOT, Column
from maillage.places.normalize import fold

EMAIL = re.compile(
    r"^[a-zA-Z0-9_][a-zA-Z0-9.!#$%&'*+/=?^_`{}~-]*@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$"
)
SIRET = re.compile(r"^\d{14}$")
RNA = re.compile(r"^W[a-zA-Z0-9]{9}$")
FORMULA_ESCAPE = re.compile(r"^'[=+\-@\t\r]")
_url_validator = URLValidator(schemes=["http", "https"])
_SIMPLE_URL = re.compile(
    r"^https?://[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?$"
)
_TYPOLOGIES = {fold(code): code for code in TYPOLOGY_CODES}
_TYPOLOGY_SET = frozenset(TYPOLOGY_CODES)
_PHONE_PREFIXES = ("33", "590", "594", "262", "596", "269", "687", "689", "508", "681")
# Fields dropped when a place does not welcome the public (library rule).
_PUBLIC_FIELDS = ("publics", "specific_support", "fees", "mobility", "support_modes")


@dataclass
class RowResult:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(i.level == "error" for i in self.issues)


def _enum_lookup(column: Column) -> dict[str, str]:
    assert column.enum is not None
    table = {fold(value): value for value in column.enum.values}
    if column.enum is Label:
        table[fold(ETAPES_NUMERIQUES_SCHEMA_SPELLING)] = Label.ETAPES_NUMERIQUES.value
    return table


_ENUMS = {c.name: _enum_lookup(c) for c in COLUMNS if c.kind == "enum"}
_EXACT = {c.name: frozenset(c.enum.values) for c in COLUMNS if c.kind == "enum" and c.enum is not None}


def _split(value: str, separators: str = "|") -> list[str]:
    if not value:
        return []
    if len(separators) == 1 or not any(sep in value for sep in separators[1:]):
        tokens = value.split(separators[0])
    else:
        tokens = re.split("[" + re.escape(separators) + "]", value)
    seen: dict[str, None] = {}
    for token in tokens:
        token = token.strip()
        if token:
            seen.setdefault(token, None)
    return list(seen)


def normalise_phone(value: str) -> str | None:
    """National or international French number → ``+33…`` (schema form), or None when impossible."""
    if BY_NAME["telephone"].pattern.match(value):  # type: ignore[union-attr]
        return value
    digits = re.sub(r"[\s.\-/()]", "", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        for prefix in _PHONE_PREFIXES:
            rest = digits[1 + len(prefix) :]
            if digits[1:].startswith(prefix) and rest.startswith("0"):
                digits = f"+{prefix}{rest[1:]}"  # +33 (0)5… written with its 0
                break
    elif digits.startswith("0") and len(digits) == 10 and digits.isdigit():
        digits = "+33" + digits[1:]
    return digits if BY_NAME["telephone"].pattern.match(digits) else None  # type: ignore[union-attr]


def _parse_date(value: str) -> tuple[dt.date | None, bool]:
    """(date, exact) — exact is False when a tolerated format was used."""
    try:
        return dt.date.fromisoformat(value), True
    except ValueError:
        pass
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[T ]", value)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1)), False
        except ValueError:
            return None, False
    match = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", value)
    if match:
        try:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1))), False
        except ValueError:
            return None, False
    return None, False


#: (field value, issues as (column, message, level, value)) of one cell.
_Outcome = tuple[Any, tuple[tuple[str, str, str, str], ...]]
_UNSET = object()  # a cell whose field is left unset (some errors)
_LIST_KINDS = frozenset({"list", "enum", "emails", "urls"})
#: A pivot needing no tolerance: SIRET, RNA or the schema's pattern, without spaces.
PIVOT_CLEAN = re.compile(r"^[a-zA-Z0-9]{9,14}$")


def _clean_column(column: Column, raw: list[str]) -> list[Any] | None:
    """The field values of a whole column when every cell needs no tolerance (what ``_column`` gives
    without any issue), computed with C-level loops; None when a cell needs ``_column``. Only for the
    columns whose values are unique per row (a per-value memo does not help there)."""
    kind = column.kind
    if kind not in {"text", "number", "phone", "emails", "urls"} and column.name != "pivot":
        return None
    if not all(raw) or any(map(_STARTS_WITH_QUOTE, raw)):  # empty cells, escaped formulas
        return None
    if column.max_length and max(map(len, raw), default=0) > column.max_length:
        return None
    if kind == "text":
        return raw
    if kind == "number":
        if any(map(_HAS_COMMA, raw)):
            return None
        try:
            numbers = list(map(float, raw))
        except ValueError:
            return None
        limit = 90 if column.name == "latitude" else 180
        if (
            any(map(math.isnan, numbers))
            or min(numbers, default=0) < -limit
            or max(numbers, default=0) > limit
        ):
            return None
        return numbers
    if kind == "phone" and column.pattern is not None and all(map(column.pattern.match, raw)):
        return raw
    if kind == "emails" and all(map(EMAIL.match, raw)) and not any(map(str.isupper, raw)):
        return [[value] for value in raw]
    if kind == "urls" and all(map(_SIMPLE_URL.match, raw)) and not any(map(_HAS_PIPE, raw)):
        return [[value] for value in raw]
    if column.name == "pivot" and all(map(PIVOT_CLEAN.match, raw)) and UNKNOWN_PIVOT not in raw:
        return raw
    return None


_STARTS_WITH_QUOTE = operator.methodcaller("startswith", "'")
_HAS_COMMA = operator.methodcaller("__contains__", ",")
_HAS_PIPE = operator.methodcaller("__contains__", "|")


class RowValidator:
    """Validate records of one file; keeps cross-row state (unique ``id``)."""

    def __init__(
        self,
        *,
        default_source: str = "",
        unit: str = "ligne",
        today: dt.date | None = None,
        missing_columns: frozenset[str] = frozenset(),
    ):
        self.default_source = default_source
        self.missing_columns = missing_columns  # already reported once on the header line
        self.unit = unit
        self.today = today or timezone.localdate()
        self.seen_ids: dict[tuple[str, str], int] = {}
        # A cell's outcome depends only on its column and its text (and on ``today``, ``default_source``
        # and ``missing_columns``, fixed for the file): each distinct value of a column is checked once
        # (a national file has ~8 000 distinct opening hours and a few hundred enum combinations for
        # 25 000 rows), its values and issues replayed on the other rows.
        self._memo: dict[str, dict[str, _Outcome]] = {c.name: {} for c in COLUMNS}

    def validate(self, record: RawRecord) -> RowResult:
        result = self._cells(record)
        self._cross_field_rules(result)
        self._check_unique(result)
        return result

    def validate_all(
        self, records: list[RawRecord], progress: Callable[[str, int, int], None] | None = None
    ) -> list[RowResult]:
        """Validate a whole file column by column: each distinct value of a column is checked once,
        and the rows are assembled from the columns' outcomes. Rows with an error in any cell go
        through :meth:`validate` (same issues, same order); the others get the cross-field rules only
        when one of them can apply. Same results as :meth:`validate` on each record, in order."""
        total = len(records)
        fields = [c.field for c in COLUMNS]
        columns: list[list[Any]] = []
        issues: dict[int, list[Issue]] = {}
        broken: set[int] = set()  # rows with an error in a cell
        for number, column in enumerate(COLUMNS, start=1):
            raw = [r.values.get(column.name, "") for r in records]
            clean = _clean_column(column, raw)
            if clean is not None:  # every cell as it should be (ids, names, coordinates, phones…)
                columns.append(clean)
                continue
            memo = self._memo[column.name]
            for value in set(raw).difference(memo):
                memo[value] = self._outcome(column, value)
            outcomes = list(map(memo.__getitem__, raw))
            if any(outcome[1] or outcome[0] is _UNSET for outcome in memo.values()):
                for index, (cell, found) in enumerate(outcomes):
                    if cell is _UNSET:
                        broken.add(index)
                    if not found:
                        continue
                    if any(level == "error" for _name, _message, level, _text in found):
                        broken.add(index)
                    issues.setdefault(index, []).extend(
                        Issue(records[index].line, name, message, level, text)
                        for name, message, level, text in found
                    )
            cells = [outcome[0] for outcome in outcomes]
            if column.kind in _LIST_KINDS:
                cells = [list(cell) if type(cell) is list else cell for cell in cells]  # never shared
            columns.append(cells)
            if progress and number % 8 == 0:
                progress(_("Analyse"), total * number // len(COLUMNS), total)
        latitude, longitude = columns[fields.index("latitude")], columns[fields.index("longitude")]
        services, access = columns[fields.index("services")], columns[fields.index("access_modes")]
        no_public = AccessMode.NO_PUBLIC.value
        results: list[RowResult] = []
        for index, row in enumerate(zip(*columns, strict=True)):
            record = records[index]
            if index in broken:
                result = self._cells(record)
                self._cross_field_rules(result)
            else:
                result = RowResult(record.line, dict(zip(fields, row, strict=True)), issues.get(index, []))
                if (
                    (latitude[index] is None) != (longitude[index] is None)
                    or not services[index]
                    or no_public in access[index]
                    or not result.values["source"]
                ):
                    self._cross_field_rules(result)
            self._check_unique(result)
            results.append(result)
        return results

    def _outcome(self, column: Column, value: str) -> _Outcome:
        """(field value, issues) of one cell; the field value is ``_UNSET`` when the cell leaves it so."""
        if value[:1] == "'" and FORMULA_ESCAPE.match(value):
            value = value[1:]
        fast = self._clean(column, value)
        if fast is not _UNSET:
            return fast, ()
        scratch = RowResult(0)
        self._column(column, value, scratch)
        return (
            scratch.values.get(column.field, _UNSET),
            tuple((i.column, i.message, i.level, i.value) for i in scratch.issues),
        )

    def _clean(self, column: Column, value: str) -> Any:
        """The field value of a cell that needs no tolerance (the same as ``_column`` would give, with no
        issue), cheaply; ``_UNSET`` when ``_column`` must decide."""
        if not value or (column.max_length and len(value) > column.max_length):
            return _UNSET
        kind = column.kind
        if kind == "text":
            return value
        if kind == "number" and "," not in value:
            try:
                number = float(value)
            except ValueError:
                return _UNSET
            limit = 90 if column.name == "latitude" else 180
            return number if -limit <= number <= limit else _UNSET
        if kind == "phone" and column.pattern is not None and column.pattern.match(value):
            return value
        if kind == "emails" and EMAIL.match(value):
            return [value.lower() if value.isupper() else value]
        if kind == "urls" and "|" not in value and _SIMPLE_URL.match(value):
            return [value]
        if kind == "pattern" and column.name == "pivot" and PIVOT_CLEAN.match(value):
            return value if value != UNKNOWN_PIVOT else _UNSET
        return _UNSET

    def _cells(self, record: RawRecord) -> RowResult:
        result = RowResult(record.line)
        raw = record.values
        values = result.values
        for column in COLUMNS:
            value = raw.get(column.name, "")
            if (
                column.kind == "text"
                and value
                and value[:1] != "'"
                and (not column.max_length or len(value) <= column.max_length)
            ):
                values[column.field] = value  # the common case of ``_column``, without its call
                continue
            outcome = self._memo[column.name].get(value)
            if outcome is None:
                outcome = self._memo[column.name][value] = self._outcome(column, value)
            cell, issues = outcome
            if cell is not _UNSET:
                values[column.field] = list(cell) if type(cell) is list else cell  # never share a list
            for name, message, level, text in issues:
                result.issues.append(Issue(record.line, name, message, level, text))
        return result

    def _check_unique(self, result: RowResult) -> None:
        if not result.ok:
            return
        key = (result.values["source"], result.values["source_id"])
        if key in self.seen_ids:
            self._error(
                result,
                "id",
                _("Identifiant « %(id)s » déjà utilisé %(unit)s %(line)d (il doit être unique).")
                % {"id": key[1], "unit": self.unit, "line": self.seen_ids[key]},
                key[1],
            )
        else:
            self.seen_ids[key] = result.line

    # --- helpers -----------------------------------------------------------------------------------
    def _error(self, result: RowResult, column: str, message: str, value: str = "") -> None:
        result.issues.append(Issue(result.line, column, message, "error", value[:200]))

    def _warn(self, result: RowResult, column: str, message: str, value: str = "") -> None:
        result.issues.append(Issue(result.line, column, message, "warning", value[:200]))

    def _column(self, column: Column, value: str, result: RowResult) -> None:  # noqa: C901
        name, values = column.name, result.values
        if not value:
            if name in self.missing_columns:
                pass
            elif column.required and name != "pivot":
                self._error(result, name, _("Valeur obligatoire manquante."))
            values[column.field] = (
                []
                if column.kind in {"list", "enum", "emails", "urls"}
                else None
                if column.kind in {"number", "date"}
                else ""
            )
            if name == "pivot" and name not in self.missing_columns:
                self._error(result, name, _("Valeur obligatoire manquante (SIRET ou RNA)."))
            if name == "source":
                values["source"] = self.default_source
            return
        if column.max_length and len(value) > column.max_length:
            self._error(
                result,
                name,
                _("%(len)d caractères : %(max)d au maximum.") % {"len": len(value), "max": column.max_length},
                value,
            )
            return
        kind = column.kind
        if kind == "text":
            values[column.field] = value
        elif kind == "pattern":
            self._pattern(column, value, result)
        elif kind == "number":
            self._number(column, value, result)
        elif kind == "date":
            parsed, exact = _parse_date(value)
            if parsed is None:
                self._error(result, name, _("Date invalide : format attendu AAAA-MM-JJ."), value)
            else:
                if not exact:
                    self._warn(result, name, _("Date convertie au format AAAA-MM-JJ."), value)
                if parsed > self.today + dt.timedelta(days=1):
                    self._warn(result, name, _("Date de mise à jour dans le futur."), value)
                values[column.field] = parsed
        elif kind == "phone":
            tokens = _split(value, "|;,")
            phone = normalise_phone(tokens[0]) if tokens else None
            if phone is None:
                self._error(
                    result,
                    name,
                    _(
                        "Numéro de téléphone invalide : format attendu +33 suivi de 9 chiffres (ex. +33565000000)."
                    ),
                    value,
                )
                return
            if phone != value:
                self._warn(
                    result,
                    name,
                    _("Numéro converti au format international (%(phone)s).") % {"phone": phone},
                    value,
                )
            if len(tokens) > 1:
                self._warn(
                    result,
                    name,
                    _("Un seul numéro est permis par le standard : seul le premier est gardé."),
                    value,
                )
            values[column.field] = phone
        elif kind == "emails":
            emails = _split(value, "|;")
            bad = [e for e in emails if not EMAIL.match(e)]
            if bad:
                self._error(
                    result,
                    name,
                    _("Adresse e-mail invalide : %(emails)s.") % {"emails": ", ".join(bad)},
                    value,
                )
            values[column.field] = [e.lower() if e.isupper() else e for e in emails]
        elif kind in {"url", "urls"}:
            self._urls(column, value, result)
        elif kind == "hours":
            try:
                values[column.field] = opening_hours.check(value)
            except opening_hours.InvalidOpeningHours as error:
                self._error(result, name, str(error), value)
        elif kind == "list":
            tokens = _split(value)
            if name == "typologie":
                fixed = [t if t in _TYPOLOGY_SET else _TYPOLOGIES.get(fold(t), t) for t in tokens]
                unknown = [t for t in fixed if t not in _TYPOLOGIES.values()]
                if unknown:
                    self._warn(
                        result,
                        name,
                        _("Code de typologie inconnu : %(codes)s.") % {"codes": ", ".join(unknown)},
                        value,
                    )
                tokens = fixed
            values[column.field] = tokens
        elif kind == "enum":
            self._enum(column, value, result)

    def _pattern(self, column: Column, value: str, result: RowResult) -> None:
        name = column.name
        assert column.pattern is not None
        if name == "pivot":
            compact = re.sub(r"\s", "", value)
            if compact == UNKNOWN_PIVOT:
                result.values[column.field] = ""
                return
            if SIRET.match(compact) or RNA.match(compact) or column.pattern.match(compact):
                if compact != value:
                    self._warn(result, name, _("Espaces retirés du SIRET."), value)
                result.values[column.field] = compact
                return
            self._error(
                result, name, _("SIRET (14 chiffres) ou RNA (W suivi de 9 caractères) attendu."), value
            )
            return
        if name in {"code_postal", "code_insee"} and re.fullmatch(r"\d{4}", value):
            self._warn(result, name, _("Zéro initial ajouté (%(code)s).") % {"code": "0" + value}, value)
            value = "0" + value
        if name == "code_insee":
            value = value.upper()
        if not column.pattern.match(value):
            message = {
                "code_postal": _("Code postal invalide : 5 chiffres attendus."),
                "code_insee": _("Code INSEE invalide : 5 caractères attendus (ex. 46102, 2A004)."),
            }[name]
            self._error(result, name, message, value)
            return
        result.values[column.field] = value

    def _number(self, column: Column, value: str, result: RowResult) -> None:
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            self._error(result, column.name, _("Nombre attendu (séparateur décimal « . »)."), value)
            return
        limit = 90 if column.name == "latitude" else 180
        if not -limit <= number <= limit or number != number:
            self._error(
                result, column.name, _("Doit être compris entre -%(l)d et %(l)d.") % {"l": limit}, value
            )
            return
        if "," in value:
            self._warn(result, column.name, _("Virgule décimale remplacée par un point."), value)
        result.values[column.field] = number

    def _urls(self, column: Column, value: str, result: RowResult) -> None:
        tokens = _split(value) if column.kind == "urls" else [value]
        urls: list[str] = []
        for token in tokens:
            url = token
            if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
                url = "https://" + url
                self._warn(result, column.name, _("« https:// » ajouté devant l'adresse."), token)
            try:
                if not _SIMPLE_URL.match(url):
                    _url_validator(url)
            except ValidationError:
                self._error(result, column.name, _("Adresse web invalide : %(url)s.") % {"url": token}, token)
                continue
            if column.max_length and len(url) > column.max_length:
                self._error(result, column.name, _("Adresse web trop longue."), token)
                continue
            urls.append(url)
        result.values[column.field] = urls if column.kind == "urls" else (urls[0] if urls else "")

    def _enum(self, column: Column, value: str, result: RowResult) -> None:
        table = _ENUMS[column.name]
        tokens = _split(value, "|;")
        if ";" in value:
            self._warn(result, column.name, _("Séparateur « ; » remplacé par « | »."), value)
        found: list[str] = []
        unknown: list[str] = []
        exact = _EXACT[column.name]
        for token in tokens:
            canonical = token if token in exact else table.get(fold(token))
            if canonical is None:
                unknown.append(token)
            elif canonical not in found:
                found.append(canonical)
                if canonical != token and token != ETAPES_NUMERIQUES_SCHEMA_SPELLING:
                    self._warn(
                        result,
                        column.name,
                        _("« %(token)s » lu comme « %(value)s ».") % {"token": token, "value": canonical},
                        token,
                    )
        if unknown:
            allowed = " ; ".join(column.enum.values) if column.enum else ""
            self._error(
                result,
                column.name,
                _("Valeur hors de la liste du standard : %(values)s. Valeurs permises : %(allowed)s.")
                % {"values": ", ".join(f"« {u} »" for u in unknown), "allowed": allowed},
                value,
            )
        result.values[column.field] = found

    def _cross_field_rules(self, result: RowResult) -> None:
        values = result.values
        if (values.get("latitude") is None) != (values.get("longitude") is None):
            self._warn(
                result, "latitude", _("Latitude et longitude vont ensemble : la position est ignorée.")
            )
            values["latitude"] = values["longitude"] = None
        if not values.get("source"):
            values["source"] = self.default_source
        no_public = AccessMode.NO_PUBLIC.value
        if any(i.column == "services" and i.level == "error" for i in result.issues):
            return
        if not values.get("services"):
            dropped = [f for f in _PUBLIC_FIELDS if values.get(f)]
            if dropped or values.get("access_modes") not in ([], [no_public]):
                self._warn(
                    result,
                    "services",
                    _(
                        "Sans service, le standard considère que le lieu n'accueille pas de public : "
                        "modalités d'accès, publics, frais et accompagnement sont ignorés."
                    ),
                )
            for f in _PUBLIC_FIELDS:
                values[f] = []
            values["access_modes"] = [no_public]
        elif no_public in values.get("access_modes", []):
            values["access_modes"] = [m for m in values["access_modes"] if m != no_public]
            self._warn(
                result,
                "modalites_acces",
                _("« %(value)s » retiré : le lieu propose des services.") % {"value": no_public},
            )


def check_headers(parsed: ParsedFile) -> list[Issue]:
    """File-level problems of the header (line 1)."""
    issues: list[Issue] = []
    present = set(parsed.headers)
    missing_required = [c.name for c in COLUMNS if c.required and c.name not in present]
    if missing_required and parsed.file_format == "csv":
        issues.append(
            Issue(
                1,
                ", ".join(missing_required),
                _(
                    "Colonne(s) obligatoire(s) absente(s) de l'en-tête : %(cols)s (séparateur détecté « %(sep)s »)."
                )
                % {"cols": ", ".join(missing_required), "sep": parsed.delimiter},
            )
        )
    missing = [c.name for c in COLUMNS if not c.required and c.name not in present]
    if missing and parsed.file_format == "csv":
        issues.append(
            Issue(
                1,
                ", ".join(missing),
                _("Colonne(s) absente(s), considérée(s) vide(s) : %(cols)s.") % {"cols": ", ".join(missing)},
                "warning",
            )
        )
    extra = [h for h in parsed.headers if h and h not in BY_NAME]
    if extra and parsed.file_format == "csv":
        issues.append(
            Issue(
                1,
                ", ".join(extra),
                _("Colonne(s) hors standard ignorée(s) : %(cols)s.") % {"cols": ", ".join(extra)},
                "warning",
            )
        )
    seen: set[str] = set()
    repeated: set[str] = set()
    for header in parsed.headers:  # linear (``list.count`` per header was quadratic)
        if header:
            (repeated if header in seen else seen).add(header)
    duplicated = sorted(repeated)
    if duplicated:
        issues.append(
            Issue(
                1,
                ", ".join(duplicated),
                _("Colonne(s) en double : %(cols)s.") % {"cols": ", ".join(duplicated)},
            )
        )
    return issues


def validate_records(
    records: list[RawRecord],
    *,
    default_source: str = "",
    unit: str = "ligne",
    progress: Callable[[str, int, int], None] | None = None,
    missing_columns: frozenset[str] = frozenset(),
) -> list[RowResult]:
    validator = RowValidator(default_source=default_source, unit=unit, missing_columns=missing_columns)
    return validator.validate_all(records, progress)
