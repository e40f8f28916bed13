"""Columns of the files, value lookups, reading XLSX/CSV, errors and the CSV template."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from maillage.activities.choices import (
    NOT_GIVEN,
    ActivityKind,
    AgeBand,
    Autonomy,
    Device,
    Gender,
    Orientation,
    PlaceType,
    Procedure,
    SocialStatus,
    Theme,
    WorkshopLevel,
)
from maillage.places.normalize import fold

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 80  # the Coop's widest export has 34 columns
HEADER_SEARCH_ROWS = 40  # the Coop's header sits on row 22 to 24, after two information blocks
MAX_CELL_CHARACTERS = 10_000
# XLSX: a zip of XML. Checked before openpyxl opens anything (zip bombs, padded sheets).
MAX_UNCOMPRESSED_FACTOR = 40  # total uncompressed size ≤ 40 × the size limit of the upload
MAX_COMPRESSION_RATIO = 250  # per member larger than 1 MB once uncompressed
XML_PROLOGUE_BYTES = 4096


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


# Header names of the Coop's « Liste des accompagnements » (coop-export.md), then the older names of
# our CSV template as aliases. « Bénéficiaire » and « Notes supplémentaires » are deliberately absent:
# never read (names of people, free notes).
COLUMNS = [
    Column("coop_id", "ID CRA", True, ("identifiant cra", "id du cra"), "identifiant unique de l’activité"),
    Column("date", "Date", True, ("date accompagnement", "date de l activite"), "JJ/MM/AAAA"),
    Column(
        "kind",
        "Type",
        True,
        ("type d activite", "type activite"),
        "Accompagnement individuel / Atelier collectif",
    ),
    Column("participants", "Participants", False, (), "1, ou i/N pour un atelier"),
    Column(
        "place_type",
        "Canaux d’accompagnement",
        True,
        ("canal", "canaux", "type de lieu", "lieu type"),
        "Lieu d’activité, À domicile, À distance, Autre lieu",
    ),
    Column("place", "Nom du lieu", False, ("lieu d activite", "lieu", "lieu activite", "structure")),
    Column("commune", "Commune", False, ("commune du lieu", "lieu commune")),
    Column("insee", "Code Insee", False, ("code insee commune", "code commune", "lieu code insee")),
    Column("duration", "Durée (min)", True, ("duree", "duree minutes", "duree en minutes"), "minutes"),
    Column("workshop_title", "Nom de l’atelier", False, ("titre de l atelier", "titre atelier")),
    Column(
        "devices",
        "Matériel numérique utilisé",
        False,
        ("materiel", "materiel utilise"),
        "une valeur par ligne dans la cellule",
    ),
    Column(
        "themes",
        "Thématique(s) d’accompagnement",
        True,
        ("thematiques", "thematique", "thematiques mediation numerique"),
        "une valeur par ligne ; sous-thèmes administratifs dans la même cellule",
    ),
    Column("tags", "Tags", False, ("etiquettes",), "une étiquette par ligne dans la cellule"),
    Column(
        "procedure_details",
        "Nom de la démarche administrative",
        False,
        ("precisions demarche", "precisions sur la demarche"),
    ),
    Column(
        "level",
        "Niveau d’autonomie (ou de l’atelier)",
        False,
        (),
        "n/3 : autonomie (individuel) ou niveau (atelier)",
    ),
    Column(
        "oriented",
        "Bénéficiaire réorienté",
        False,
        ("oriente vers une structure", "orientation"),
        "Oui / Non",
    ),
    Column("orientation", "Structure de redirection", False),
    Column("residence_insee", "Code Insee du bénéficiaire", False, ("code insee de residence",)),
    Column("gender", "Genre du bénéficiaire", False, ("genre",)),
    Column("age_band", "Tranche d’âge du bénéficiaire", False, ("tranche d age", "tranche age")),
    Column("social_status", "Statut du bénéficiaire", False, ("statut", "statut social")),
    # Older columns of our CSV template, still accepted.
    Column("procedures", "Démarches administratives", False, ("thematiques administratives",)),
    Column("autonomy", "Autonomie", False, ("autonomie du beneficiaire",)),
    Column("workshop_level", "Niveau de l’atelier", False, ("niveau atelier",)),
    # A team export (a coordinator's file) names each row's mediator.
    Column("mediator_first_name", "Prénom du médiateur", False),
    Column("mediator_last_name", "Nom du médiateur", False),
    Column("conum_id", "ID - Conum", False, ("id conum", "identifiant conum")),
    Column("mediator_email", "E-mail du médiateur", False, ("email du mediateur", "courriel du mediateur")),
]
TEAM_KEYS = ("mediator_first_name", "mediator_last_name", "conum_id", "mediator_email")
HEADER_MARKERS = ("id cra", "date", "type")  # cells a header row must hold (folded)


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        # Line 0 is the file as a whole (too big, unreadable, no header): no line to name.
        where = _("fichier") if self.line == 0 else _("ligne %(line)s") % {"line": self.line}
        if self.column:
            where += _(", colonne « %(col)s »") % {"col": self.column}
        return f"{where} : {self.message}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} erreur(s)")
        self.errors = errors


@lru_cache(maxsize=10_000)
def _parse_date(text: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 — a calendar date
        except ValueError:
            continue
    return None


@lru_cache(maxsize=100_000)
def _fold(text: str) -> str:
    return fold(text)


def _norm(text: Any) -> str:
    return _fold(str(text or ""))


HEADER_INDEX: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_INDEX[_norm(_name)] = _column


def _lookup(choices: Any, extra: dict[str, str] | None = None) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[_norm(value)] = value
        table[_norm(label)] = value
    for key, value in (extra or {}).items():
        table[_norm(key)] = value
    return table


KIND = _lookup(ActivityKind, {"individuel": "individuel", "collectif": "collectif", "atelier": "collectif"})
PLACE_TYPE = _lookup(
    PlaceType, {"lieu d activite": "lieu_activite", "a distance": "a_distance", "domicile": "domicile"}
)
THEMES = _lookup(Theme)
PROCEDURES = _lookup(Procedure)
DEVICES = _lookup(Device, {"aucun": "aucun"})
AUTONOMY = _lookup(Autonomy)
ORIENTATION = _lookup(Orientation)
LEVEL = _lookup(WorkshopLevel)
GENDER = _lookup(Gender, {"homme": "masculin", "femme": "feminin", "": NOT_GIVEN})
AGE = _lookup(AgeBand, {"": NOT_GIVEN})
STATUS = _lookup(SocialStatus, {"non communique": NOT_GIVEN, "": NOT_GIVEN})
INDIVIDUAL, PLACE, HOME, OTHER, REMOTE = "individuel", "lieu_activite", "domicile", "autre", "a_distance"
ADMINISTRATIVE = "aide_aux_demarches_administratives"
THEME_VALUES = frozenset(str(v) for v in Theme.values)
PROCEDURE_VALUES = frozenset(str(v) for v in Procedure.values)
YES = {"oui", "true", "vrai", "1", "yes", "o"}
NO = {"non", "false", "faux", "0", "no", "n"}
LINES = re.compile(r"\r\n|\r|\n")  # the Coop joins the values of a multi-valued cell with line breaks
SPLIT = re.compile(r"[;,|]+")  # fallback for enumerations only (our older CSV template), never for tags
SCORE = re.compile(r"^\s*([123])\s*/\s*3\s*$")  # « n/3 »: autonomy or workshop level
AUTONOMY_SCORES = {"1": "entierement_accompagne", "2": "partiellement_autonome", "3": "autonome"}
LEVEL_SCORES = {"1": "debutant", "2": "intermediaire", "3": "avance"}
DURATION = re.compile(
    r"^\s*(?:(\d{1,2})\s*(?:h|:)\s*(\d{0,2})\s*(?:min)?|(\d{1,4})\s*(?:min(?:utes)?)?)\s*$", re.I
)


# --- Reading files ----------------------------------------------------------------------------


@dataclass
class Table:
    """What a file holds: its header (and the line it sits on) and its non-empty data rows, each with
    its line number as the spreadsheet shows it."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[Any]]]


def _refuse(message: str, line: int = 0) -> ImportFailed:
    return ImportFailed([RowError(line, "", message)])


def read_table(
    content: bytes, filename: str, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES
) -> Table:
    """The header (found by its content in the first rows) and the data rows after it, bounded:
    at most ``max_rows`` non-empty data rows (reading stops at the first one over), ``MAX_COLUMNS``
    columns and ``MAX_CELL_CHARACTERS`` characters per cell. Any malformed input raises
    ``ImportFailed`` with a French message, never another exception."""
    try:
        selection = None
        if content[:2] == b"PK" or filename.lower().endswith(".xlsx"):
            from maillage.activities.importer.xlsx import Selection

            selection = Selection()
            lines = _xlsx_lines(content, max_bytes=max_bytes, selection=selection)
        else:
            lines = _csv_lines(content)
        return _table(lines, max_rows=max_rows, selection=selection)
    except ImportFailed:
        raise
    except (MemoryError, RecursionError) as exc:
        raise _refuse(_("Le fichier est trop complexe pour être lu.")) from exc
    except Exception as exc:  # noqa: BLE001 — any parsing failure of an uploaded file is a user error
        raise _refuse(
            _("Le fichier est illisible ou abîmé : enregistrez-le à nouveau au format XLSX ou CSV.")
        ) from exc


def _is_empty(row: list[Any]) -> bool:
    return all(cell is None or (type(cell) is str and not cell.strip()) for cell in row)


def _table(lines: Iterator[tuple[int, list[Any]]], *, max_rows: int, selection: Any = None) -> Table:
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[Any]]] = []
    for line, row in lines:
        if header is None:
            if line > HEADER_SEARCH_ROWS:
                break
            names = {_norm(c) for c in row if c is not None}
            if all(marker in names for marker in HEADER_MARKERS):
                header, header_line = ["" if c is None else str(c) for c in row], line
                if selection is not None:  # from now on only the columns we know are decoded
                    selection.columns = frozenset(
                        index + 1 for index, name in enumerate(header) if _norm(name) in HEADER_INDEX
                    )
            continue
        if _is_empty(row):
            continue
        if len(rows) >= max_rows:
            raise _refuse(_("Le fichier dépasse %(max)s lignes : découpez-le.") % {"max": max_rows})
        rows.append((line, row))
    if header is None:
        raise _refuse(
            _(
                "En-tête introuvable : aucune des %(n)s premières lignes ne contient les colonnes "
                "« ID CRA », « Date » et « Type ». Déposez l’export « Liste des accompagnements » de "
                "la Coop ou le modèle CSV."
            )
            % {"n": HEADER_SEARCH_ROWS}
        )
    return Table(header, header_line, rows)


def _too_wide(line: int) -> ImportFailed:
    return _refuse(_("plus de %(max)s colonnes.") % {"max": MAX_COLUMNS}, line)


def _check_width(line: int, row: list[Any]) -> list[Any]:
    if len(row) > MAX_COLUMNS:
        if any(cell not in (None, "") for cell in row[MAX_COLUMNS:]):
            raise _too_wide(line)
        row = row[:MAX_COLUMNS]
    return row


def _cell_too_long(line: int) -> ImportFailed:
    return _refuse(_("une cellule dépasse %(max)s caractères.") % {"max": MAX_CELL_CHARACTERS}, line)


def _check_cells(line: int, row: list[Any]) -> list[Any]:
    row = _check_width(line, row)
    for cell in row:
        if type(cell) is str and len(cell) > MAX_CELL_CHARACTERS:
            raise _cell_too_long(line)
    return row


def _check_zip(content: bytes, *, max_bytes: int) -> None:
    """Refuse zip bombs and XML declarations before any XML parser sees the file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refuse(_("Le fichier XLSX est illisible (archive abîmée).")) from exc
    with archive:
        members = archive.infolist()
        if len(members) > 500:
            raise _refuse(_("Le fichier XLSX contient trop d’éléments."))
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO:
                raise _refuse(
                    _("Le fichier XLSX est anormalement compressé (× %(r)s) : il est refusé.")
                    % {"r": round(ratio)}
                )
        if total > MAX_UNCOMPRESSED_FACTOR * max_bytes:
            raise _refuse(
                _("Le fichier XLSX est trop volumineux une fois décompressé (%(mb)s Mo).")
                % {"mb": total // (1024 * 1024)}
            )
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                with archive.open(member) as stream:
                    prologue = stream.read(XML_PROLOGUE_BYTES)
                if b"<!DOCTYPE" in prologue or b"<!ENTITY" in prologue:
                    raise _refuse(_("Le fichier XLSX contient des déclarations XML interdites (DOCTYPE)."))


def _xlsx_lines(content: bytes, *, max_bytes: int, selection: Any = None) -> Iterator[tuple[int, list[Any]]]:
    """Rows of the sheet « Activités » (or the one naming « accompagnements », or the first), streamed
    from the sheet's XML with their real row numbers (``xlsx.rows``): the declared ``<dimension>`` is
    ignored, missing rows cost nothing, columns stop at ``MAX_COLUMNS + 1``."""
    from maillage.activities.importer import xlsx

    _check_zip(content, max_bytes=max_bytes)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            for line, row in xlsx.rows(
                archive, max_columns=MAX_COLUMNS, selection=selection, max_characters=MAX_CELL_CHARACTERS
            ):  # the reader checks the length of each text it decodes: only the width is left here
                yield line, row if len(row) <= MAX_COLUMNS else _check_width(line, row)
        except xlsx.CellTooLong as exc:
            raise _cell_too_long(exc.line) from exc
        except xlsx.SheetError as exc:
            raise _refuse(str(exc)) from exc


def _decode(content: bytes) -> str:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _refuse(_("Encodage UTF-16 invalide : enregistrez le fichier en UTF-8.")) from exc
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(_("Encodage non reconnu (UTF-8 ou Windows-1252 attendu)."))


def _csv_lines(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    """Records of a CSV (« ; » or « , »), numbered as a spreadsheet shows them (a quoted cell with line
    breaks stays one row). Line ends CR, LF or CRLF; UTF-8, UTF-16 (with its mark) or Windows-1252."""
    text = _decode(content)
    if "\x00" in text:
        raise _refuse(_("Le fichier contient des caractères nuls : enregistrez-le en CSV UTF-8."))
    first_line = LINES.split(text[:100_000], maxsplit=1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for line, row in enumerate(reader, start=1):
            yield line, _check_cells(line, list(row))
    except csv.Error as exc:
        raise _refuse(
            _("Ligne %(line)s : CSV mal formé (%(error)s).") % {"line": reader.line_num, "error": exc}
        ) from exc


TEMPLATE_KEYS = (
    "coop_id",
    "date",
    "kind",
    "participants",
    "place_type",
    "place",
    "commune",
    "insee",
    "duration",
    "workshop_title",
    "devices",
    "themes",
    "tags",
    "procedure_details",
    "level",
    "oriented",
    "orientation",
    "residence_insee",
    "gender",
    "age_band",
    "social_status",
)
TEMPLATE_ROWS: list[dict[str, str]] = [
    {
        "coop_id": "exemple-1",
        "date": "15/01/2026",
        "kind": "Accompagnement individuel",
        "participants": "1",
        "place_type": "À domicile",
        "commune": "Figeac",
        "insee": "46102",
        "duration": "45",
        "devices": "Téléphone",
        "themes": "E-mail\nAide aux démarches administratives\nLogement",
        "procedure_details": "Demande d’APL",
        "level": "3/3",
        "oriented": "Oui",
        "orientation": "Structure d’aide sociale (maison des solidarités, centre social…)",
        "residence_insee": "46102",
        "gender": "Féminin",
        "age_band": "70 ans et plus",
        "social_status": "Retraité",
    },
    *(
        {
            "coop_id": "exemple-2",
            "date": "16/01/2026",
            "kind": "Atelier collectif",
            "participants": f"{index}/2",
            "place_type": "Autre lieu",
            "commune": "Cahors",
            "insee": "46042",
            "duration": "90",
            "workshop_title": "Arnaques en ligne",
            "devices": "Ordinateur",
            "themes": "Prévention en sécurité numérique",
            "tags": "seniors\nCafé numérique, printemps",
            "level": "1/3",
            "gender": gender,
            "age_band": "60 - 69 ans",
            "social_status": "Non communiqué ou hétérogène",
        }
        for index, gender in ((1, "Féminin"), (2, "Masculin"))
    ),
]


def template_csv() -> str:
    """The CSV template: the Coop's column names and value formats (labels, one value per line inside
    a multi-valued cell, « n/3 »), separator « ; » for French spreadsheets."""
    by_key = {c.key: c for c in COLUMNS}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([by_key[key].header for key in TEMPLATE_KEYS])
    for row in TEMPLATE_ROWS:
        writer.writerow([row.get(key, "") for key in TEMPLATE_KEYS])
    return out.getvalue()


def iter_errors(errors: Iterable[RowError]) -> list[str]:
    return [str(e) for e in sorted(errors, key=lambda e: (e.line, e.column))]
