"""Import of activity reports: the Coop's XLSX export « Liste des accompagnements » and our CSV template.

Two phases, like the Coop: *analyse* reads every row and collects every error (line number with the
header as line 1, column name, message in French), then *commit* writes everything in one
transaction — or nothing if a single error was found. Idempotent on the Coop's activity id
(« ID CRA »): an activity already imported with the same content is left untouched, a changed one is
updated, a new one is created through the bulk loader (``bulk_load``: COPY on PostgreSQL,
``bulk_create`` elsewhere) which also feeds the statistics rollup in one batch.

The Coop exports one row per accompaniment: a workshop with N participants spans N rows sharing its
ID CRA. Those rows are folded back into one activity whose anonymous participants are stored as
counts per category (the Coop's random per-person attribution preserves the category totals, which
is all we keep). Names of beneficiaries are never imported: imported people are anonymous.

Columns (header names are matched without accents, case or punctuation; aliases accepted):
see ``COLUMNS`` and the downloadable CSV template.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from maillage.activities import rollup
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
    mask_of,
)
from maillage.activities.models import (
    Accompaniment,
    Activity,
    ActivityImportJob,
    ActivitySource,
    ParticipantCount,
)
from maillage.core.audit import record_change
from maillage.places.normalize import fold
from maillage.territories.models import Territory, TerritoryKind

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


@dataclass(slots=True)
class ActivityRow:
    """An activity read from a file: the columns of ``Activity`` without the cost of a model instance
    (the bulk loader writes it with COPY; ``as_model()`` builds the model for the portable path)."""

    kind: str
    mediator_id: int
    structure_id: int | None
    date: date
    duration_minutes: int
    place_type: str
    place_id: int | None
    commune_id: int | None
    department_id: int | None
    epci_id: int | None
    themes: list[str]
    themes_mask: int
    procedures: list[str]
    procedures_mask: int
    procedure_details: str
    devices: list[str]
    devices_mask: int
    autonomy: str
    oriented: bool | None
    orientation: str
    workshop_title: str
    workshop_level: str
    tags: list[str]
    participants_count: int
    anonymous_count: int
    coop_id: str
    source: str = ActivitySource.CSV
    created_at: datetime | None = None
    updated_at: datetime | None = None
    pk: int | None = None

    def as_model(self) -> Activity:
        values = {name: getattr(self, name) for name in ACTIVITY_COLUMNS}
        return Activity(pk=self.pk, **values)


@dataclass(slots=True)
class PersonRow:
    age_band: str
    gender: str
    social_status: str
    residence_commune_id: int | None
    beneficiary_id: int | None = None
    already_accompanied: bool | None = None
    activity_id: int | None = None


@dataclass(slots=True)
class CountRow:
    dimension: str
    value: str
    count: int
    activity_id: int | None = None


@dataclass
class Record:
    """One activity ready to write with its people (light rows, or model instances from the demo)."""

    line: int
    activity: Any
    accompaniments: list[Any] = field(default_factory=list)
    counts: list[Any] = field(default_factory=list)

    def signature(self) -> str:
        a = self.activity
        return signature_of(
            [getattr(a, name) for name in SIGNATURE_FIELDS],
            [(p.age_band, p.gender, p.social_status, p.residence_commune_id) for p in self.accompaniments],
            [(c.dimension, c.value, c.count) for c in self.counts],
        )


SIGNATURE_FIELDS = (
    "kind",
    "date",
    "duration_minutes",
    "place_type",
    "place_id",
    "commune_id",
    "themes",
    "procedures",
    "procedure_details",
    "devices",
    "autonomy",
    "oriented",
    "orientation",
    "workshop_title",
    "workshop_level",
    "tags",
    "participants_count",
)


def signature_of(fields: list[Any], people: list[tuple[Any, ...]], counts: list[tuple[Any, ...]]) -> str:
    """What an import compares to decide « unchanged »: every stored field and the people."""
    payload = [
        fields,
        sorted((a, g, s, r or 0) for a, g, s, r in people),
        sorted(counts),
    ]
    return json.dumps(payload, default=str)


def existing_signatures(coop_ids: list[str]) -> dict[str, tuple[int, int, str]]:
    """coop_id → (pk, mediator id, signature) of activities already stored, in a few queries."""
    found: dict[str, tuple[int, int, str]] = {}
    for start in range(0, len(coop_ids), 5000):
        chunk = coop_ids[start : start + 5000]
        rows = list(
            Activity.objects.filter(coop_id__in=chunk).values_list(
                "pk", "coop_id", "mediator_id", *SIGNATURE_FIELDS
            )
        )
        if not rows:
            continue
        pks = [row[0] for row in rows]
        people: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for activity_id, *values in Accompaniment.objects.filter(activity_id__in=pks).values_list(
            "activity_id", "age_band", "gender", "social_status", "residence_commune_id"
        ):
            people[activity_id].append(tuple(values))
        counts: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for activity_id, *values in ParticipantCount.objects.filter(activity_id__in=pks).values_list(
            "activity_id", "dimension", "value", "count"
        ):
            counts[activity_id].append(tuple(values))
        for pk, coop_id, mediator_id, *fields in rows:
            found[coop_id] = (pk, mediator_id, signature_of(list(fields), people[pk], counts[pk]))
    return found


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    job: ActivityImportJob | None = None


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


# --- Analyse ----------------------------------------------------------------------------------


class Analyser:
    def __init__(self, *, mediator: Any, structure: Any, department: Territory | None) -> None:
        self.mediator = mediator
        self.structure = structure
        self.department = department
        self.department_id = department.pk if department is not None else None
        territory = getattr(structure, "territory", None)
        self.structure_commune = (
            territory if territory is not None and territory.kind == TerritoryKind.COMMUNE else None
        )
        self.errors: list[RowError] = []

    def error(self, line: int, column: Column | None, message: str) -> None:
        self.errors.append(RowError(line, column.header if column else "", message))

    def analyse(
        self, header: list[str], rows: list[list[Any]], *, first_line: int = 2, max_rows: int = MAX_ROWS
    ) -> list[Record]:
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            column = HEADER_INDEX.get(_norm(name))
            if column is not None and column.key not in columns:
                columns[column.key] = index
        for column in COLUMNS:
            if column.required and column.key not in columns:
                self.error(first_line - 1, column, _("colonne obligatoire absente."))
        if self.errors:
            raise ImportFailed(self.errors)
        keys = list(columns.items())
        data: list[tuple[int, dict[str, Any]]] = []
        for i, raw in enumerate(rows):
            if not any(c not in (None, "") for c in raw):
                continue
            size = len(raw)
            values: dict[str, Any] = {}
            for key, index in keys:
                if index < size:
                    value = raw[index]
                    values[key] = value.strip() if isinstance(value, str) else value
            data.append((i + first_line, values))
        if len(data) > max_rows:
            raise ImportFailed(
                [RowError(0, "", _("Le fichier dépasse %(max)s lignes : découpez-le.") % {"max": max_rows})]
            )
        by_key = {c.key: c for c in COLUMNS}

        codes = set()
        for _line, row in data:
            for key in ("insee", "residence_insee"):
                value = row.get(key)
                if value not in (None, ""):
                    codes.add(
                        str(value).strip().zfill(5) if str(value).strip().isdigit() else str(value).strip()
                    )
        self.communes = (
            {t.code: t for t in Territory.objects.filter(kind=TerritoryKind.COMMUNE, code__in=codes)}
            if codes
            else {}
        )
        self.places = self._places()

        groups: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        order: list[str] = []
        for line, row in data:
            coop_id = str(row.get("coop_id") or "").strip()
            if coop_id.endswith(".0") and coop_id[:-2].isdigit():
                coop_id = coop_id[:-2]
            if not coop_id:
                self.error(line, by_key["coop_id"], _("identifiant obligatoire."))
                continue
            if len(coop_id) > 64:
                self.error(line, by_key["coop_id"], _("identifiant trop long (64 caractères au plus)."))
                continue
            if coop_id not in groups:
                order.append(coop_id)
            groups[coop_id].append((line, row))

        records = []
        for coop_id in order:
            record = self._record(coop_id, groups[coop_id], by_key)
            if record is not None:
                records.append(record)
        if self.errors:
            raise ImportFailed(self.errors)
        return records

    def _places(self) -> dict[tuple[str, str], Any]:
        from maillage.core.permissions import territories_for
        from maillage.places.models import Place

        territories = territories_for(self.mediator)
        if not territories:
            return {}
        places = (
            Place.objects.in_territories(territories)
            .filter(merged_into__isnull=True)
            .select_related("commune")
        )
        index: dict[tuple[str, str], Any] = {}
        for place in places:
            index[
                (place.normalized_name, place.insee_code or (place.commune.code if place.commune else ""))
            ] = place
            index.setdefault((place.normalized_name, ""), place)
        return index

    def _enum(
        self, line: int, column: Column, raw: Any, table: dict[str, str], *, required: bool = False
    ) -> str:
        text = _norm(raw)
        if not text:
            if required:
                self.error(line, column, _("valeur obligatoire."))
            return ""
        value = table.get(text)
        if value is None:
            self.error(line, column, _("valeur inconnue « %(v)s ».") % {"v": str(raw)[:60]})
            return ""
        return value

    def _multi(self, line: int, column: Column, raw: Any, table: dict[str, str]) -> list[str]:
        values = []
        for part in SPLIT.split(str(raw or "")):
            if not part.strip():
                continue
            value = table.get(_norm(part))
            if value is None:
                self.error(line, column, _("valeur inconnue « %(v)s ».") % {"v": part.strip()[:60]})
            elif value not in values:
                values.append(value)
        return values

    def _date(self, line: int, column: Column, raw: Any) -> date | None:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = str(raw or "").strip()
        parsed = _parse_date(text)
        if parsed is not None:
            return parsed
        self.error(line, column, _("date invalide « %(v)s » (JJ/MM/AAAA attendu).") % {"v": text[:20]})
        return None

    def _duration(self, line: int, column: Column, raw: Any) -> int:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            minutes = int(raw)
        else:
            match = DURATION.match(str(raw or ""))
            if not match:
                self.error(
                    line, column, _("durée invalide « %(v)s » (minutes ou 1h30).") % {"v": str(raw)[:20]}
                )
                return 0
            if match.group(3):
                minutes = int(match.group(3))
            else:
                minutes = int(match.group(1)) * 60 + int(match.group(2) or 0)
        if not 1 <= minutes <= 1439:
            self.error(line, column, _("la durée doit être comprise entre 1 min et 23 h 59."))
            return 0
        return minutes

    def _commune(self, line: int, column: Column, raw: Any) -> Territory | None:
        text = str(raw or "").strip()
        if not text:
            return None
        code = text.zfill(5) if text.isdigit() else text
        commune = self.communes.get(code)
        if commune is None:
            self.error(line, column, _("code INSEE de commune inconnu « %(v)s ».") % {"v": text[:10]})
        return commune

    def _record(
        self, coop_id: str, rows: list[tuple[int, dict[str, Any]]], by_key: dict[str, Column]
    ) -> Record | None:
        line, row = rows[0]
        before = len(self.errors)
        kind = self._enum(line, by_key["kind"], row.get("kind"), KIND, required=True)
        day = self._date(line, by_key["date"], row.get("date"))
        minutes = self._duration(line, by_key["duration"], row.get("duration"))
        place_type = self._enum(line, by_key["place_type"], row.get("place_type"), PLACE_TYPE, required=True)
        commune = self._commune(line, by_key["insee"], row.get("insee"))
        place = None
        place_name = _norm(row.get("place"))
        if place_type == PLACE and place_name:
            place = self.places.get((place_name, commune.code if commune else "")) or self.places.get(
                (place_name, "")
            )
            if place is not None and commune is None:
                commune = place.commune
        if place_type == PLACE and place is None and commune is None:
            self.error(
                line,
                by_key["place"],
                _("lieu d’activité introuvable : indiquez son nom exact ou le code INSEE de sa commune."),
            )
        if place_type in (HOME, OTHER) and commune is None and not row.get("insee"):
            self.error(
                line,
                by_key["insee"],
                _("code INSEE obligatoire pour un accompagnement à domicile ou dans un autre lieu."),
            )
        themes = self._multi(line, by_key["themes"], row.get("themes"), {**THEMES, **PROCEDURES})
        procedures = [t for t in themes if t in PROCEDURE_VALUES]
        themes = [t for t in themes if t in THEME_VALUES]
        procedures += [
            p
            for p in self._multi(line, by_key["procedures"], row.get("procedures"), PROCEDURES)
            if p not in procedures
        ]
        if procedures and ADMINISTRATIVE not in themes:
            themes.append(ADMINISTRATIVE)
        if not themes:
            self.error(line, by_key["themes"], _("au moins une thématique est obligatoire."))
        devices = self._multi(line, by_key["devices"], row.get("devices"), DEVICES)
        tags = sorted({t.strip()[:50] for t in SPLIT.split(str(row.get("tags") or "")) if t.strip()})
        individual = kind == INDIVIDUAL
        if individual and len(rows) > 1:
            for other_line, _other in rows[1:]:
                self.error(
                    other_line,
                    by_key["coop_id"],
                    _("identifiant « %(id)s » en double (ligne %(l)s).") % {"id": coop_id, "l": line},
                )
        autonomy = self._enum(line, by_key["autonomy"], row.get("autonomy"), AUTONOMY) if individual else ""
        orientation = (
            self._enum(line, by_key["orientation"], row.get("orientation"), ORIENTATION) if individual else ""
        )
        oriented_raw = _norm(row.get("oriented"))
        oriented: bool | None = None
        if individual:
            if oriented_raw in YES:
                oriented = True
            elif oriented_raw in NO:
                oriented = False
            elif oriented_raw:
                value = ORIENTATION.get(oriented_raw)
                if value is None:
                    self.error(line, by_key["oriented"], _("« Oui » ou « Non » attendu."))
                else:
                    oriented, orientation = True, value
            if orientation and oriented is None:
                oriented = True
        level = (
            "" if individual else self._enum(line, by_key["workshop_level"], row.get("workshop_level"), LEVEL)
        )
        people = []
        for person_line, person_row in rows:
            people.append(
                (
                    self._enum(person_line, by_key["gender"], person_row.get("gender"), GENDER) or NOT_GIVEN,
                    self._enum(person_line, by_key["age_band"], person_row.get("age_band"), AGE) or NOT_GIVEN,
                    self._enum(person_line, by_key["social_status"], person_row.get("social_status"), STATUS)
                    or NOT_GIVEN,
                    self._commune(person_line, by_key["residence_insee"], person_row.get("residence_insee")),
                )
            )
        if len(self.errors) > before or day is None:
            return None
        if commune is None and place_type == REMOTE and self.structure_commune is not None:
            commune = self.structure_commune
        activity = ActivityRow(
            kind=kind,
            mediator_id=self.mediator.pk,
            structure_id=self.structure.pk if self.structure else None,
            date=day,
            duration_minutes=minutes,
            place_type=place_type,
            place_id=place.pk if place is not None else None,
            commune_id=commune.pk if commune is not None else None,
            department_id=commune.department_id if commune is not None else self.department_id,
            epci_id=commune.epci_id if commune is not None else None,
            themes=themes,
            themes_mask=mask_of(themes, Theme),
            procedures=procedures,
            procedures_mask=mask_of(procedures, Procedure),
            procedure_details=str(row.get("procedure_details") or "")[:250] if procedures else "",
            devices=devices,
            devices_mask=mask_of(devices, Device),
            autonomy=autonomy,
            oriented=oriented,
            orientation=orientation if oriented else "",
            workshop_title="" if individual else str(row.get("workshop_title") or "")[:200],
            workshop_level=level,
            tags=tags,
            participants_count=len(people),
            anonymous_count=len(people),
            coop_id=coop_id,
        )
        record = Record(line, activity)
        if individual:
            gender, age, status, residence = people[0]
            record.accompaniments.append(
                PersonRow(age, gender, status, residence.pk if residence is not None else None)
            )
        else:
            tallies: dict[str, dict[str, int]] = {
                "gender": defaultdict(int),
                "age_band": defaultdict(int),
                "social_status": defaultdict(int),
            }
            for gender, age, status, _residence in people:
                tallies["gender"][gender] += 1
                tallies["age_band"][age] += 1
                tallies["social_status"][status] += 1
            record.counts = [
                CountRow(dim, value, count)
                for dim, values in tallies.items()
                for value, count in values.items()
            ]
        return record


def locate(activity: Activity, department: Territory | None) -> None:
    commune = activity.commune
    if activity.place_type == PlaceType.REMOTE and commune is None and activity.structure is not None:
        territory = activity.structure.territory
        if territory is not None and territory.kind == TerritoryKind.COMMUNE:
            activity.commune = commune = territory
    if commune is not None:
        activity.department_id = commune.department_id
        activity.epci_id = commune.epci_id
    else:
        activity.department_id = department.pk if department else None
        activity.epci_id = None
    activity.compute_masks()


# --- Commit -----------------------------------------------------------------------------------

ACTIVITY_COLUMNS = [
    "created_at",
    "updated_at",
    "kind",
    "mediator_id",
    "structure_id",
    "date",
    "duration_minutes",
    "place_type",
    "place_id",
    "commune_id",
    "department_id",
    "epci_id",
    "themes",
    "themes_mask",
    "procedures",
    "procedures_mask",
    "procedure_details",
    "devices",
    "devices_mask",
    "autonomy",
    "oriented",
    "orientation",
    "workshop_title",
    "workshop_level",
    "tags",
    "participants_count",
    "anonymous_count",
    "coop_id",
    "source",
]
JSON_COLUMNS = {"themes", "procedures", "devices", "tags"}


@lru_cache(maxsize=10_000)
def _json_list(values: tuple[str, ...]) -> str:
    return json.dumps(list(values))


def bulk_load(records: list[Record], *, source: str, now: datetime) -> None:
    """Insert new activities with their people and their rollup contributions, in bulk."""
    if not records:
        return
    for record in records:
        record.activity.source = source
        record.activity.created_at = record.activity.updated_at = now
    if connection.vendor == "postgresql":
        _copy_load(records)
    else:
        models = [r.activity if isinstance(r.activity, Activity) else r.activity.as_model() for r in records]
        Activity.objects.bulk_create(models, batch_size=500)
        accompaniments, counts = [], []
        for record, model in zip(records, models, strict=True):
            record.activity.pk = model.pk
            for acc in record.accompaniments:
                accompaniments.append(
                    acc
                    if isinstance(acc, Accompaniment)
                    else Accompaniment(
                        age_band=acc.age_band,
                        gender=acc.gender,
                        social_status=acc.social_status,
                        residence_commune_id=acc.residence_commune_id,
                        beneficiary_id=acc.beneficiary_id,
                        already_accompanied=acc.already_accompanied,
                    )
                )
                accompaniments[-1].activity_id = model.pk
            for count in record.counts:
                counts.append(
                    count
                    if isinstance(count, ParticipantCount)
                    else ParticipantCount(dimension=count.dimension, value=count.value, count=count.count)
                )
                counts[-1].activity_id = model.pk
        Accompaniment.objects.bulk_create(accompaniments, batch_size=1000)
        ParticipantCount.objects.bulk_create(counts, batch_size=1000)
    if connection.vendor == "postgresql":
        # Let PostgreSQL group the new rows itself (much faster than Python for big files).
        rollup.add_activities([r.activity.pk for r in records])
        return
    deltas: dict[rollup.Key, list[int]] = {}
    for record in records:
        rollup.merge(deltas, rollup.contributions(record.activity, record.accompaniments, record.counts))
    rollup.apply(deltas)


def _copy_load(records: list[Record]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('activities_activity', 'id')) FROM generate_series(1, %s)",
            [len(records)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY activities_activity (id, {', '.join(ACTIVITY_COLUMNS)}) FROM STDIN") as copy:
            for pk, record in zip(ids, records, strict=True):
                activity = record.activity
                activity.pk = pk
                copy.write_row(
                    [pk]
                    + [
                        _json_list(tuple(getattr(activity, name)))
                        if name in JSON_COLUMNS
                        else getattr(activity, name)
                        for name in ACTIVITY_COLUMNS
                    ]
                )
        with raw.copy(
            "COPY activities_accompaniment (activity_id, beneficiary_id, age_band, gender, social_status, "
            "residence_commune_id, already_accompanied) FROM STDIN"
        ) as copy:
            for record in records:
                for acc in record.accompaniments:
                    acc.activity_id = record.activity.pk
                    copy.write_row(
                        [
                            acc.activity_id,
                            acc.beneficiary_id,
                            acc.age_band,
                            acc.gender,
                            acc.social_status,
                            acc.residence_commune_id,
                            acc.already_accompanied,
                        ]
                    )
        with raw.copy(
            "COPY activities_participantcount (activity_id, dimension, value, count) FROM STDIN"
        ) as copy:
            for record in records:
                for count in record.counts:
                    count.activity_id = record.activity.pk
                    copy.write_row([count.activity_id, count.dimension, count.value, count.count])


def import_activities(
    *,
    actor: Any,
    mediator: Any,
    content: bytes,
    filename: str,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> ImportResult:
    from django.utils import timezone

    from maillage.activities.services import _mediator_department, mediator_structure

    if len(content) > max_bytes:
        raise ImportFailed(
            [
                RowError(
                    0,
                    "",
                    _("Fichier trop volumineux : %(max)s Mo au plus.") % {"max": max_bytes // (1024 * 1024)},
                )
            ]
        )
    header, rows, first_line = read_table(content, filename)
    if not header:
        raise ImportFailed([RowError(1, "", _("Le fichier est vide."))])
    analyser = Analyser(
        mediator=mediator, structure=mediator_structure(mediator), department=_mediator_department(mediator)
    )
    records = analyser.analyse(header, rows, first_line=first_line, max_rows=max_rows)
    source = ActivitySource.COOP if filename.lower().endswith(".xlsx") else ActivitySource.CSV
    result = ImportResult(rows=len(rows))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # serialise imports of one mediator
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [4, mediator.pk])
        existing = existing_signatures([r.activity.coop_id for r in records])
        errors = []
        new, changed = [], []
        for record in records:
            current = existing.get(record.activity.coop_id or "")
            if current is None:
                new.append(record)
            elif current[1] != mediator.pk:
                errors.append(
                    RowError(record.line, "ID CRA", _("cet identifiant appartient à une autre personne."))
                )
            elif current[2] == record.signature():
                result.unchanged += 1
            else:
                changed.append((current[0], record))
        if errors:
            raise ImportFailed(errors)
        now = timezone.now()
        for activity in Activity.objects.filter(pk__in=[pk for pk, _r in changed]).prefetch_related(
            "accompaniments", "participant_counts"
        ):
            rollup.apply(rollup.activity_deltas(activity, sign=-1))
            activity.delete()
        bulk_load(new + [r for _c, r in changed], source=source, now=now)
        result.created, result.updated = len(new), len(changed)
        result.job = ActivityImportJob.objects.create(
            user=actor,
            mediator=mediator,
            filename=filename[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            counts={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        record_change(
            actor=actor,
            action="import",
            instance=result.job,
            changes=result.job.counts,
            message=filename[:200],
        )
    return result


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
