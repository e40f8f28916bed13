"""Analyse phase: every row checked, every error collected (line, column, French message)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any

from django.utils.translation import gettext as _

from maillage.activities.choices import (
    MAX_PARTICIPANTS,
    NOT_GIVEN,
    Device,
    PlaceType,
    Procedure,
    Theme,
    mask_of,
)
from maillage.activities.importer.formats import (
    ADMINISTRATIVE,
    AGE,
    AUTONOMY,
    AUTONOMY_SCORES,
    COLUMNS,
    DEVICES,
    DURATION,
    GENDER,
    HEADER_INDEX,
    HOME,
    INDIVIDUAL,
    KIND,
    LEVEL,
    LEVEL_SCORES,
    LINES,
    NO,
    ORIENTATION,
    OTHER,
    PLACE,
    PLACE_TYPE,
    PROCEDURE_VALUES,
    PROCEDURES,
    REMOTE,
    SCORE,
    SPLIT,
    STATUS,
    TEAM_KEYS,
    THEME_VALUES,
    THEMES,
    YES,
    Column,
    ImportFailed,
    RowError,
    Table,
    _norm,
    _parse_date,
)
from maillage.activities.importer.records import (
    ActivityRow,
    CountRow,
    PersonRow,
    Record,
)
from maillage.activities.models import (
    Activity,
)
from maillage.territories.models import Territory, TerritoryKind

EARLIEST_DATE = date(2000, 1, 1)
# One lookup table (not a new merged dict per row: the analyser remembers parsed cells per table).
THEMES_AND_PROCEDURES = {**THEMES, **PROCEDURES}

# --- Analyse ----------------------------------------------------------------------------------


@dataclass
class TeamMember:
    """A mediator named by the rows of a team export, as the file writes them."""

    key: str
    first_name: str
    last_name: str
    conum_id: str
    email: str
    rows: int = 0

    @property
    def label(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip() or self.email or self.conum_id
        return name or _("(médiateur·rice non nommé·e)")


def _cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def member_key(row: dict[str, Any]) -> str:
    """Who a row of a team export belongs to: the Conum id when given, else the e-mail, else the name."""
    conum = _cell(row, "conum_id")
    if conum.endswith(".0") and conum[:-2].isdigit():
        conum = conum[:-2]
    if conum:
        return f"conum:{conum}"
    email = _cell(row, "mediator_email").lower()
    if email:
        return f"email:{email}"
    return f"nom:{_norm(_cell(row, 'mediator_first_name'))}|{_norm(_cell(row, 'mediator_last_name'))}"


def header_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        column = HEADER_INDEX.get(_norm(name))
        if column is not None and column.key not in columns:
            columns[column.key] = index
    return columns


def is_team_export(table: Table) -> bool:
    return any(key in header_columns(table.header) for key in TEAM_KEYS)


def team_members(table: Table) -> list[TeamMember]:
    """The mediators of a team export, in the order of the file, with their number of rows."""
    columns = header_columns(table.header)
    members: dict[str, TeamMember] = {}
    for _line, raw in table.rows:
        row = {key: raw[index] if index < len(raw) else None for key, index in columns.items()}
        key = member_key(row)
        member = members.get(key)
        if member is None:
            conum = _cell(row, "conum_id")
            member = members[key] = TeamMember(
                key,
                _cell(row, "mediator_first_name")[:150],
                _cell(row, "mediator_last_name")[:150],
                conum[:-2] if conum.endswith(".0") and conum[:-2].isdigit() else conum[:64],
                _cell(row, "mediator_email")[:254],
            )
        member.rows += 1
    return list(members.values())


class Analyser:
    def __init__(
        self,
        *,
        mediator: Any,
        structure: Any,
        department: Territory | None,
        team: Mapping[str, Any] | None = None,
    ) -> None:
        self.mediator = mediator
        self.structure = structure
        self.department = department
        self.department_id = department.pk if department is not None else None
        self.structure_commune = self._commune_of(structure)
        # Team export: member key → the mediator (a user) the coordinator chose, or None (rows left out).
        self.team = team
        self._owners: dict[int, tuple[Any, Any, int | None, Territory | None]] = {}
        self.skipped = 0
        self.errors: list[RowError] = []
        self.latest_date = date.today() + timedelta(days=366)  # noqa: DTZ011 — a calendar bound
        # Raw cell → parsed value, per lookup table: files repeat the same few values on every row.
        self._memo: defaultdict[int, dict[Any, Any]] = defaultdict(dict)

    @staticmethod
    def _commune_of(structure: Any) -> Territory | None:
        territory = getattr(structure, "territory", None)
        return territory if territory is not None and territory.kind == TerritoryKind.COMMUNE else None

    def _owner(self, user: Any) -> tuple[Any, Any, int | None, Territory | None]:
        """(mediator, structure, département id, structure's commune) of a team member."""
        owner = self._owners.get(user.pk)
        if owner is None:
            from maillage.activities.services import _mediator_department, mediator_structure

            structure = mediator_structure(user)
            department = _mediator_department(user)
            owner = self._owners[user.pk] = (
                user,
                structure,
                department.pk if department is not None else None,
                self._commune_of(structure),
            )
        return owner

    def error(self, line: int, column: Column | None, message: str) -> None:
        self.errors.append(RowError(line, column.header if column else "", message))

    def analyse(self, table: Table) -> list[Record]:
        columns = header_columns(table.header)
        for column in COLUMNS:
            if column.required and column.key not in columns:
                self.error(table.header_line, column, _("colonne obligatoire absente."))
        team_columns = [key for key in TEAM_KEYS if key in columns]
        if team_columns and self.team is None:
            self.error(
                table.header_line,
                None,
                _(
                    "ce fichier est l’export d’une équipe (colonne « %(col)s ») : il doit être importé "
                    "par sa coordination, qui rattache chaque ligne à un·e médiateur·rice."
                )
                % {"col": next(c.header for c in COLUMNS if c.key == team_columns[0])},
            )
        if self.errors:
            raise ImportFailed(self.errors)
        # One C-level pick of the known columns per row (cells are stripped where they are read).
        names = list(columns)
        pick = itemgetter(*columns.values())
        width = max(columns.values()) + 1
        data: list[tuple[int, dict[str, Any]]] = []
        for line, raw in table.rows:
            if len(raw) < width:
                raw = [*raw, *([None] * (width - len(raw)))]
            picked = pick(raw)
            data.append((line, dict(zip(names, picked if len(names) > 1 else (picked,), strict=True))))
        by_key = {c.key: c for c in COLUMNS}

        codes = set()
        for _line, row in data:
            for key in ("insee", "residence_insee"):
                value = row.get(key)
                if value not in (None, ""):
                    text = str(value).strip()[:10]
                    codes.add(text.zfill(5) if text.isdigit() else text)
        self.communes = (
            {t.code: t for t in Territory.objects.filter(kind=TerritoryKind.COMMUNE, code__in=codes)}
            if codes
            else {}
        )
        place_names = {_norm(str(row.get("place") or "")[:250]) for _line, row in data if row.get("place")}
        place_names.discard("")
        self.places = self._places(place_names) if place_names else {}

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

    def _places(self, names: set[str]) -> dict[tuple[str, str], Any]:
        """The mediator's places named in the file (by folded name; a file names a few places)."""
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
        if len(names) <= 500:  # else every place of the territories (bounded parameter lists)
            places = places.filter(normalized_name__in=sorted(names))
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
        memo = self._memo[id(table)]
        key = raw if type(raw) is str else (type(raw), raw)  # 1, 1.0, True: not one cell
        value = memo.get(key)
        if value is None:
            text = _norm(raw)
            value = memo[key] = ("", "") if not text else (table.get(text), text)
        found, text = value
        if found:
            return found
        if not text:
            if required:
                self.error(line, column, _("valeur obligatoire."))
            return ""
        self.error(line, column, _("valeur inconnue « %(v)s ».") % {"v": str(raw).strip()[:60]})
        return ""

    def _multi(self, line: int, column: Column, raw: Any, table: dict[str, str]) -> list[str]:
        """Labels joined by line breaks (the Coop); a part that is not a label is split again on
        « ; », « , » or « | » (our older CSV template) — enumeration labels hold none of them."""
        memo = self._memo[id(table)]
        key = raw if type(raw) is str else (type(raw), raw)  # 1, 1.0, True: not one cell
        parsed = memo.get(key)
        if parsed is None:
            values: list[str] = []
            unknown: list[str] = []
            for line_part in LINES.split(str(raw or "")):
                if not line_part.strip():
                    continue
                found = table.get(_norm(line_part))
                parts = [line_part] if found is not None else SPLIT.split(line_part)
                for part in parts:
                    if not part.strip():
                        continue
                    value = table.get(_norm(part))
                    if value is None:
                        unknown.append(part.strip()[:60])
                    elif value not in values:
                        values.append(value)
            parsed = memo[key] = (values, unknown)
        for part in parsed[1]:
            self.error(line, column, _("valeur inconnue « %(v)s ».") % {"v": part})
        return list(parsed[0])

    def _date(self, line: int, column: Column, raw: Any) -> date | None:
        if isinstance(raw, datetime):
            day: date = raw.date()
        elif isinstance(raw, date):
            day = raw
        else:
            text = str(raw or "").strip()[:40]
            parsed = _parse_date(text)
            if parsed is None:
                self.error(
                    line, column, _("date invalide « %(v)s » (JJ/MM/AAAA attendu).") % {"v": text[:20]}
                )
                return None
            day = parsed
        if not EARLIEST_DATE <= day <= self.latest_date:
            self.error(
                line,
                column,
                _("date hors limites « %(v)s » (du 01/01/2000 à l’an prochain).") % {"v": f"{day:%d/%m/%Y}"},
            )
            return None
        return day

    def _duration(self, line: int, column: Column, raw: Any) -> int:
        memo = self._memo[id(DURATION)]
        key = raw if type(raw) is str else (type(raw), raw)  # 1, 1.0, True: not one cell
        minutes = memo.get(key)
        if minutes is None:
            errors_before = len(self.errors)
            minutes = self._parse_duration(line, column, raw)
            if len(self.errors) == errors_before:
                memo[key] = minutes
        return minutes

    def _parse_duration(self, line: int, column: Column, raw: Any) -> int:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            minutes = int(raw)
        else:
            match = DURATION.match(str(raw or ""))
            if not match:
                self.error(
                    line,
                    column,
                    _("durée invalide « %(v)s » (minutes ou 1h30).") % {"v": str(raw).strip()[:20]},
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
        memo = self._memo[id(self.communes)]
        key = raw if type(raw) is str else (type(raw), raw)  # 1, 1.0, True: not one cell
        found = memo.get(key)
        if found is None:
            raw_text = str(int(raw)) if type(raw) is float and raw.is_integer() else str(raw or "")
            text = raw_text.strip()[:10]
            code = text.zfill(5) if text.isdigit() else text
            found = memo[key] = (text, self.communes.get(code) if text else None)
        text, commune = found
        if commune is None and text:
            self.error(line, column, _("code INSEE de commune inconnu « %(v)s ».") % {"v": text[:10]})
        return commune

    def _score(
        self, line: int, column: Column, raw: Any, scores: dict[str, str], labels: dict[str, str]
    ) -> str:
        """« n/3 » (the Coop's export) or a label (our template)."""
        text = str(raw or "").strip()
        if not text:
            return ""
        match = SCORE.match(text)
        if match:
            return scores[match.group(1)]
        return self._enum(line, column, raw, labels)

    def _record(
        self, coop_id: str, rows: list[tuple[int, dict[str, Any]]], by_key: dict[str, Column]
    ) -> Record | None:
        line, row = rows[0]
        mediator, structure, department_id, structure_commune = (
            self.mediator,
            self.structure,
            self.department_id,
            self.structure_commune,
        )
        if self.team is not None:
            chosen = self.team.get(member_key(row))
            if chosen is None:
                self.skipped += len(rows)
                return None
            mediator, structure, department_id, structure_commune = self._owner(chosen)
        before = len(self.errors)
        kind = self._enum(line, by_key["kind"], row.get("kind"), KIND, required=True)
        day = self._date(line, by_key["date"], row.get("date"))
        minutes = self._duration(line, by_key["duration"], row.get("duration"))
        place_type = self._enum(line, by_key["place_type"], row.get("place_type"), PLACE_TYPE, required=True)
        commune = self._commune(line, by_key["insee"], row.get("insee"))
        place = None
        place_name = _norm(str(row.get("place") or "")[:250])
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
        if place_type in (HOME, OTHER) and commune is None and not str(row.get("insee") or "").strip():
            self.error(
                line,
                by_key["insee"],
                _("code INSEE obligatoire pour un accompagnement à domicile ou dans un autre lieu."),
            )
        themes = self._multi(line, by_key["themes"], row.get("themes"), THEMES_AND_PROCEDURES)
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
        # Tags: one per line of the cell (a tag may hold a comma); order kept, duplicates dropped.
        tags = list(
            dict.fromkeys(t.strip()[:100] for t in LINES.split(str(row.get("tags") or "")) if t.strip())
        )
        individual = kind == INDIVIDUAL
        if individual and len(rows) > 1:
            for other_line, _other in rows[1:]:
                self.error(
                    other_line,
                    by_key["coop_id"],
                    _("identifiant « %(id)s » en double (ligne %(l)s).") % {"id": coop_id, "l": line},
                )
        autonomy = level = ""
        if individual:
            autonomy = self._score(line, by_key["level"], row.get("level"), AUTONOMY_SCORES, AUTONOMY)
            autonomy = autonomy or self._enum(line, by_key["autonomy"], row.get("autonomy"), AUTONOMY)
        elif kind:
            level = self._score(line, by_key["level"], row.get("level"), LEVEL_SCORES, LEVEL)
            level = level or self._enum(line, by_key["workshop_level"], row.get("workshop_level"), LEVEL)
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
        if len(people) > MAX_PARTICIPANTS:
            self.error(line, by_key["coop_id"], _("plus de %(n)s participant·es.") % {"n": MAX_PARTICIPANTS})
        if len(self.errors) > before or day is None:
            return None
        if commune is None and place_type == REMOTE and structure_commune is not None:
            commune = structure_commune
        administrative = ADMINISTRATIVE in themes
        activity = ActivityRow(
            kind=kind,
            mediator_id=mediator.pk,
            structure_id=structure.pk if structure else None,
            date=day,
            duration_minutes=minutes,
            place_type=place_type,
            place_id=place.pk if place is not None else None,
            commune_id=commune.pk if commune is not None else None,
            department_id=commune.department_id if commune is not None else department_id,
            epci_id=commune.epci_id if commune is not None else None,
            themes=themes,
            themes_mask=mask_of(themes, Theme),
            procedures=procedures,
            procedures_mask=mask_of(procedures, Procedure),
            procedure_details=str(row.get("procedure_details") or "").strip()[:250] if administrative else "",
            devices=devices,
            devices_mask=mask_of(devices, Device),
            autonomy=autonomy,
            oriented=oriented,
            orientation=orientation if oriented else "",
            workshop_title="" if individual else str(row.get("workshop_title") or "").strip()[:200],
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
