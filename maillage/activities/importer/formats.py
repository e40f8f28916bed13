"""Columns of the files, value lookups, reading XLSX/CSV, errors and the CSV template."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
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


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""


COLUMNS = [
    Column("coop_id", "ID CRA", True, ("id", "identifiant", "id activite", "identifiant cra", "id du cra")),
    Column("date", "Date", True, ("date accompagnement", "date de l activite"), "JJ/MM/AAAA"),
    Column(
        "kind",
        "Type",
        True,
        ("type d activite", "type activite"),
        "Accompagnement individuel / Atelier collectif",
    ),
    Column("duration", "Durée", True, ("duree minutes", "duree en minutes"), "minutes ou 1h30"),
    Column(
        "place_type",
        "Canal",
        True,
        ("type de lieu", "canaux", "lieu type"),
        "Lieu d’activité, À domicile, À distance, Autre lieu",
    ),
    Column("place", "Lieu d'activité", False, ("lieu", "lieu activite", "nom du lieu", "structure")),
    Column("commune", "Commune", False, ("commune du lieu", "lieu commune")),
    Column("insee", "Code INSEE", False, ("code insee commune", "code commune", "lieu code insee")),
    Column("themes", "Thématiques", True, ("thematiques mediation numerique", "thematique")),
    Column(
        "procedures",
        "Démarches administratives",
        False,
        ("thematiques demarches administratives", "thematiques administratives"),
    ),
    Column(
        "procedure_details",
        "Précisions démarche",
        False,
        ("precisions demarche", "precisions sur la demarche"),
    ),
    Column("devices", "Matériel", False, ("materiel utilise",)),
    Column("autonomy", "Autonomie", False, ("autonomie du beneficiaire",)),
    Column("oriented", "Orienté vers une structure", False, ("oriente vers une structure", "orientation")),
    Column("orientation", "Structure de redirection", False, ("structure de redirection",)),
    Column("workshop_title", "Titre de l'atelier", False, ("titre atelier", "titre de l atelier")),
    Column("workshop_level", "Niveau de l'atelier", False, ("niveau", "niveau atelier")),
    Column("gender", "Genre", False, ("genre du beneficiaire",)),
    Column("age_band", "Tranche d'âge", False, ("tranche age", "tranche d age du beneficiaire")),
    Column("social_status", "Statut", False, ("statut social", "statut du beneficiaire")),
    Column(
        "residence_insee",
        "Code INSEE de résidence",
        False,
        ("code insee residence", "commune de residence code insee"),
    ),
    Column("tags", "Tags", False, ("etiquettes",)),
]


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = _("ligne %(line)s") % {"line": self.line}
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
SPLIT = re.compile(r"[;,|\n]+")
DURATION = re.compile(
    r"^\s*(?:(\d{1,2})\s*(?:h|:)\s*(\d{0,2})\s*(?:min)?|(\d{1,4})\s*(?:min(?:utes)?)?)\s*$", re.I
)


# --- Reading files ----------------------------------------------------------------------------


def read_table(content: bytes, filename: str) -> tuple[list[str], list[list[Any]], int]:
    """Header, data rows and the line number of the first data row (as seen in the spreadsheet)."""
    if content[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)


def _read_xlsx(content: bytes) -> tuple[list[str], list[list[Any]], int]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any parsing failure is a user error
        raise ImportFailed([RowError(0, "", _("Le fichier XLSX est illisible."))]) from exc
    sheet = workbook.active
    for candidate in workbook.worksheets:
        if "accompagnement" in _norm(candidate.title):
            sheet = candidate
            break
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    workbook.close()
    # The Coop's export may start with a few title lines: the header is the first row naming « Date ».
    for index, row in enumerate(rows[:20]):
        names = {_norm(c) for c in row if c is not None}
        if "date" in names and ({"id cra", "id", "identifiant"} & names or "type" in names):
            return [str(c or "") for c in row], rows[index + 1 :], index + 2
    return ([str(c or "") for c in rows[0]], rows[1:], 2) if rows else ([], [], 2)


def _read_csv(content: bytes) -> tuple[list[str], list[list[Any]], int]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover — cp1252 decodes almost anything
        raise ImportFailed([RowError(0, "", _("Encodage non reconnu (UTF-8 ou Windows-1252 attendu)."))])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [row for row in reader]
    if not rows:
        return [], [], 2
    return rows[0], rows[1:], 2


def template_csv() -> str:
    """The CSV template (header and two example lines), separator « ; » for French spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([c.header for c in COLUMNS])
    writer.writerow(
        [
            "exemple-1",
            "15/01/2026",
            "Accompagnement individuel",
            "45",
            "À domicile",
            "",
            "Figeac",
            "46102",
            "E-mail, Aide aux démarches administratives",
            "Logement",
            "",
            "Téléphone",
            "Autonome",
            "Oui",
            "Structure d’aide sociale (maison des solidarités, centre social…)",
            "",
            "",
            "Féminin",
            "70 ans et plus",
            "Retraité",
            "46102",
            "",
        ]
    )
    for gender in ("Féminin", "Masculin"):
        writer.writerow(
            [
                "exemple-2",
                "16/01/2026",
                "Atelier collectif",
                "1h30",
                "Autre lieu",
                "",
                "Cahors",
                "46042",
                "Prévention en sécurité numérique",
                "",
                "",
                "Ordinateur",
                "",
                "",
                "",
                "Arnaques en ligne",
                "Débutant",
                gender,
                "60 - 69 ans",
                "Non communiqué",
                "",
                "seniors",
            ]
        )
    return out.getvalue()


def iter_errors(errors: Iterable[RowError]) -> list[str]:
    return [str(e) for e in sorted(errors, key=lambda e: (e.line, e.column))]
