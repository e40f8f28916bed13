"""Loading the territories reference file (régions, départements, EPCI, communes) into ``Territory``.

The file is produced by ``scripts/build_territory_data.py`` and vendored in ``data/``: loading is offline.
``load_territories()`` validates the whole file first (an invalid file writes nothing), then upserts on
(kind, code) in one transaction with bulk operations, only touching rows whose values changed, and
records a :class:`TerritoryDataVintage` keyed on the file's SHA-256 (and the départements loaded): running
it again on the same file is a no-op that says so.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.territories.models import Territory, TerritoryDataVintage, TerritoryKind
from maillage.territories.text import search_normalize

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FILE = DATA_DIR / "territories-cog2026.json.gz"
FILE_FORMAT = "maillage-territories"
FILE_FORMAT_VERSION = 1
BATCH_SIZE = 1000
MAX_REPORTED_ERRORS = 30

# The columns the loader owns; anything else on a Territory row is left alone.
LOADED_FIELDS = [
    "name",
    "search_name",
    "population",
    "postcodes",
    "latitude",
    "longitude",
    "region_id",
    "department_id",
    "epci_id",
    "vintage",
]
KIND_LABELS = {
    TerritoryKind.REGION: "régions",
    TerritoryKind.DEPARTMENT: "départements",
    TerritoryKind.EPCI: "EPCI",
    TerritoryKind.COMMUNE: "communes",
}
SECTIONS = {
    TerritoryKind.REGION: "regions",
    TerritoryKind.DEPARTMENT: "departments",
    TerritoryKind.EPCI: "epcis",
    TerritoryKind.COMMUNE: "communes",
}
LOAD_ORDER = [TerritoryKind.REGION, TerritoryKind.DEPARTMENT, TerritoryKind.EPCI, TerritoryKind.COMMUNE]


class TerritoryFileError(Exception):
    """The reference file cannot be used; ``errors`` are French sentences, one per problem."""

    def __init__(self, path: Path, errors: Sequence[str]) -> None:
        self.path = path
        self.errors = list(errors)
        shown = self.errors[:MAX_REPORTED_ERRORS]
        more = len(self.errors) - len(shown)
        lines = [f"Fichier de territoires invalide ({path.name}) : rien n'a été chargé."]
        lines += [f"  - {error}" for error in shown]
        if more:
            lines.append(f"  … et {more} autre(s) erreur(s).")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class TerritoryFile:
    path: Path
    sha256: str
    vintage: str
    attribution: str
    regions: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    epcis: list[dict[str, Any]]
    communes: list[dict[str, Any]]

    def section(self, kind: str) -> list[dict[str, Any]]:
        return getattr(self, SECTIONS[TerritoryKind(kind)])


@dataclass
class LoadReport:
    path: Path
    sha256: str
    vintage: str
    scope: list[str]
    already_loaded: bool = False
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    absent: Counter[str] = field(default_factory=Counter)
    communes_without_point: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                "created": self.created[kind],
                "updated": self.updated[kind],
                "unchanged": self.unchanged[kind],
                "absent": self.absent[kind],
            }
            for kind in LOAD_ORDER
        }

    def lines(self) -> list[str]:
        scope = f"départements {', '.join(self.scope)}" if self.scope else "toute la France"
        head = f"Territoires {self.vintage} ({self.path.name}, sha256 {self.sha256[:12]}…, {scope})"
        if self.already_loaded:
            return [
                f"{head} : déjà chargés, rien n'a changé.",
                "(Utilisez --force pour tout revérifier.)",
            ]
        lines = [f"{head} :"]
        for kind in LOAD_ORDER:
            label = KIND_LABELS[kind]
            line = (
                f"  {label:<13} {self.created[kind]:>6} créé(s), {self.updated[kind]:>6} modifié(s), "
                f"{self.unchanged[kind]:>6} inchangé(s)"
            )
            if self.absent[kind]:
                line += f", {self.absent[kind]} absent(s) du fichier (conservé(s))"
            lines.append(line)
        lines.append(f"  communes sans point : {self.communes_without_point}")
        if not self.changed:
            lines.append("Aucun changement : la base était déjà à jour.")
        lines.append(f"Terminé en {self.seconds:.1f} s.")
        return lines


# --- reading and validating --------------------------------------------------------------------------------


def _is_code(value: Any, max_length: int = 12) -> bool:
    return isinstance(value, str) and 0 < len(value) <= max_length and value.strip() == value


def _check_record(
    kind: str, index: int, record: Any, errors: list[str], refs: dict[str, set[str]]
) -> str | None:
    section = SECTIONS[TerritoryKind(kind)]
    where = f"{section}[{index}]"
    if not isinstance(record, dict):
        errors.append(f"{where} : un objet JSON est attendu.")
        return None
    code = record.get("code")
    if not _is_code(code):
        errors.append(f"{where} : champ « code » manquant ou invalide ({code!r}).")
        return None
    where = f"{section}[{index}] (code {code})"
    name = record.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        errors.append(f"{where} : champ « name » manquant ou invalide.")
    population = record.get("population")
    if population is not None and (
        not isinstance(population, int) or isinstance(population, bool) or population < 0
    ):
        errors.append(f"{where} : champ « population » : entier positif attendu, reçu {population!r}.")
    if kind != TerritoryKind.REGION and record.get("region") not in refs["region"]:
        errors.append(f"{where} : champ « region » : région inconnue {record.get('region')!r}.")
    if (
        kind in (TerritoryKind.EPCI, TerritoryKind.COMMUNE)
        and record.get("department") not in refs["department"]
    ):
        errors.append(f"{where} : champ « department » : département inconnu {record.get('department')!r}.")
    if kind == TerritoryKind.COMMUNE:
        postcodes = record.get("postcodes", [])
        if not isinstance(postcodes, list) or not all(
            isinstance(p, str) and len(p) == 5 and p.isdigit() for p in postcodes
        ):
            errors.append(f"{where} : champ « postcodes » : liste de codes postaux à 5 chiffres attendue.")
        lat, lon = record.get("lat"), record.get("lon")
        if (lat is None) != (lon is None):
            errors.append(f"{where} : champs « lat » et « lon » : les deux ou aucun.")
        elif lat is not None:
            for key, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
                if (
                    not isinstance(value, int | float)
                    or isinstance(value, bool)
                    or not -bound <= value <= bound
                ):
                    errors.append(
                        f"{where} : champ « {key} » : nombre entre -{bound} et {bound} attendu, reçu {value!r}."
                    )
    if kind == TerritoryKind.EPCI:
        members = record.get("communes")
        if not isinstance(members, list) or not all(_is_code(c) for c in members):
            errors.append(f"{where} : champ « communes » : liste de codes INSEE attendue.")
    return code


def read_territory_file(path: Path | str) -> TerritoryFile:
    """Read and validate a reference file (gzipped or plain JSON); raise :class:`TerritoryFileError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TerritoryFileError(path, [f"lecture impossible : {exc.strerror or exc}."]) from exc
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        document = json.loads(text)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TerritoryFileError(path, [f"archive gzip illisible ou tronquée ({exc})."]) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TerritoryFileError(path, [f"JSON invalide : {exc}."]) from exc
    return validate_document(document, path=path, sha256=sha256)


def validate_document(document: Any, *, path: Path, sha256: str) -> TerritoryFile:
    if not isinstance(document, dict):
        raise TerritoryFileError(path, ["un objet JSON est attendu à la racine du fichier."])
    errors: list[str] = []
    if document.get("format") != FILE_FORMAT:
        errors.append(f"champ « format » : « {FILE_FORMAT} » attendu, reçu {document.get('format')!r}.")
    if document.get("format_version") != FILE_FORMAT_VERSION:
        errors.append(
            f"champ « format_version » : version {FILE_FORMAT_VERSION} attendue, "
            f"reçu {document.get('format_version')!r}."
        )
    vintage = document.get("vintage")
    if not isinstance(vintage, str) or not vintage or len(vintage) > 40:
        errors.append("champ « vintage » (millésime) manquant ou invalide.")
    for section in SECTIONS.values():
        if not isinstance(document.get(section), list):
            errors.append(f"section « {section} » manquante : une liste est attendue.")
    if errors:
        raise TerritoryFileError(path, errors)

    refs: dict[str, set[str]] = {kind: set() for kind in LOAD_ORDER}
    for kind in LOAD_ORDER:
        for index, record in enumerate(document[SECTIONS[kind]]):
            code = _check_record(kind, index, record, errors, refs)
            if code is None:
                continue
            if code in refs[kind]:
                errors.append(f"{SECTIONS[kind]}[{index}] : code {code} en double.")
            refs[kind].add(code)
    epci_of: dict[str, str] = {}
    for epci in document["epcis"]:
        if not isinstance(epci, dict) or not isinstance(epci.get("communes"), list):
            continue
        for commune in epci["communes"]:
            if commune not in refs[TerritoryKind.COMMUNE]:
                errors.append(f"epcis (code {epci.get('code')}) : commune membre inconnue {commune!r}.")
            elif commune in epci_of:
                errors.append(
                    f"epcis (code {epci.get('code')}) : la commune {commune} appartient déjà à l'EPCI "
                    f"{epci_of[commune]}."
                )
            else:
                epci_of[commune] = epci.get("code", "")
    if errors:
        raise TerritoryFileError(path, errors)
    return TerritoryFile(
        path=path,
        sha256=sha256,
        vintage=str(vintage),
        attribution=str(document.get("attribution", "")),
        regions=document["regions"],
        departments=document["departments"],
        epcis=document["epcis"],
        communes=document["communes"],
    )


# --- loading -------------------------------------------------------------------------------------------------


def parse_departments(value: str | Iterable[str] | None) -> list[str]:
    """``"46, 48"`` → ``["46", "48"]`` (sorted, without duplicates); ``None``/empty → all of France."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return sorted({item.strip().upper() for item in items if item.strip()})


def _already_loaded(sha256: str, scope: list[str]) -> bool:
    for loaded_scope in TerritoryDataVintage.objects.filter(sha256=sha256).values_list("scope", flat=True):
        if not loaded_scope or set(scope) and set(scope) <= set(loaded_scope.split(",")):
            return True
    return False


def _select(data: TerritoryFile, scope: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The records to load: everything, or the communes of ``scope`` with what they point at."""
    if not scope:
        return {kind: data.section(kind) for kind in LOAD_ORDER}
    known = {d["code"] for d in data.departments}
    unknown = [code for code in scope if code not in known]
    if unknown:
        raise TerritoryFileError(data.path, [f"département(s) absent(s) du fichier : {', '.join(unknown)}."])
    wanted = set(scope)
    communes = [c for c in data.communes if c["department"] in wanted]
    commune_codes = {c["code"] for c in communes}
    epcis = [e for e in data.epcis if commune_codes.intersection(e["communes"])]
    department_codes = wanted | {e["department"] for e in epcis}
    departments = [d for d in data.departments if d["code"] in department_codes]
    region_codes = {d["region"] for d in departments}
    regions = [r for r in data.regions if r["code"] in region_codes]
    return {
        TerritoryKind.REGION: regions,
        TerritoryKind.DEPARTMENT: departments,
        TerritoryKind.EPCI: epcis,
        TerritoryKind.COMMUNE: communes,
    }


def _pk_map(kind: str) -> dict[str, int]:
    return dict(Territory.objects.filter(kind=kind).values_list("code", "pk"))


def _upsert(
    kind: str, desired: dict[str, dict[str, Any]], report: LoadReport, scope_filter: dict[str, Any] | None
) -> None:
    """Create the missing rows of ``kind``, update the changed ones; ``scope_filter`` (column → allowed
    values) tells which existing rows the file was expected to cover, to count those it lacks."""
    existing: dict[str, tuple[int, dict[str, Any]]] = {
        code: (pk, dict(zip(LOADED_FIELDS, current, strict=True)))
        for code, pk, *current in Territory.objects.filter(kind=kind).values_list(
            "code", "pk", *LOADED_FIELDS
        )
    }
    to_create: list[dict[str, Any]] = []
    to_update: list[dict[str, Any]] = []
    for code, values in desired.items():
        if code not in existing:
            to_create.append({"kind": str(kind), "code": code, **values})
        elif existing[code][1] != values:
            to_update.append({"id": existing[code][0], **values})
    _write_rows(to_create, insert=True)
    _write_rows(to_update, insert=False)
    report.created[kind] = len(to_create)
    report.updated[kind] = len(to_update)
    report.unchanged[kind] = len(desired) - len(to_create) - len(to_update)
    if scope_filter is not None:
        report.absent[kind] = sum(
            1
            for code, (_pk, current) in existing.items()
            if code not in desired and all(current[key] in allowed for key, allowed in scope_filter.items())
        )


def _write_rows(rows: list[dict[str, Any]], *, insert: bool) -> None:
    """Insert ``rows`` (``kind``, ``code`` and the loaded columns) or update them (``id`` and the loaded
    columns). ``bulk_create()``/``bulk_update()`` spend most of a full load preparing values one by one,
    and ``bulk_update()``'s ``CASE WHEN`` grows with the batch (over a minute when a new vintage rewrites
    36 000 rows): PostgreSQL gets one statement per batch reading a JSON parameter with
    ``jsonb_to_recordset``, other databases an ``executemany``."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(Territory._meta.db_table)
    by_attname = {f.attname: f for f in Territory._meta.concrete_fields}
    fields = [by_attname[name] for name in (["kind", "code"] if insert else ["id"]) + LOADED_FIELDS]
    columns = [str(f.column) for f in fields]  # the attnames (region_id…) are the column names here
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            record = ", ".join(
                f"{qn(c)} {f.cast_db_type(connection)}" for c, f in zip(columns, fields, strict=True)
            )
            source = f"jsonb_to_recordset(%s::jsonb) AS v({record})"
            if insert:
                names = ", ".join(qn(c) for c in columns)
                sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM {source}"  # noqa: S608
            else:
                assignments = ", ".join(f"{qn(c)} = v.{qn(c)}" for c in columns[1:])
                sql = f"UPDATE {table} AS t SET {assignments} FROM {source} WHERE t.id = v.id"  # noqa: S608
            for start in range(0, len(rows), 5 * BATCH_SIZE):
                cursor.execute(sql, [json.dumps(rows[start : start + 5 * BATCH_SIZE])])
        else:
            if insert:
                names = ", ".join(qn(c) for c in columns)
                sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
                order = columns
            else:
                assignments = ", ".join(f"{qn(c)} = %s" for c in columns[1:])
                sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608
                order = [*columns[1:], "id"]
            cursor.executemany(
                sql, [[json.dumps(row[c]) if c == "postcodes" else row[c] for c in order] for row in rows]
            )


def _values(record: dict[str, Any], vintage: str, **links: int | None) -> dict[str, Any]:
    return {
        "name": record["name"],
        "search_name": search_normalize(record["name"])[:200],
        "population": record.get("population"),
        "postcodes": list(record.get("postcodes", [])),
        "latitude": record.get("lat"),
        "longitude": record.get("lon"),
        "region_id": links.get("region_id"),
        "department_id": links.get("department_id"),
        "epci_id": links.get("epci_id"),
        "vintage": vintage,
    }


@transaction.atomic
def load_territories(
    *,
    path: Path | str | None = None,
    departments: str | Iterable[str] | None = None,
    force: bool = False,
    actor: Any = None,
) -> LoadReport:
    """Load (upsert) the reference file; all-or-nothing, idempotent. Raise :class:`TerritoryFileError`."""
    started = time.monotonic()
    path = Path(path) if path else DEFAULT_FILE
    scope = parse_departments(departments)
    data = read_territory_file(path)
    report = LoadReport(path=path, sha256=data.sha256, vintage=data.vintage, scope=scope)
    selected = _select(data, scope)
    if not force and _already_loaded(data.sha256, scope):
        report.already_loaded = True
        report.seconds = time.monotonic() - started
        return report

    if connection.vendor == "postgresql":
        # A batch job: lift the web requests' limits (settings.py) for this transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("SET LOCAL lock_timeout = '60s'")

    vintage = data.vintage
    everything: dict[str, set[int]] | None = None if scope else {}
    regions = {r["code"]: _values(r, vintage) for r in selected[TerritoryKind.REGION]}
    _upsert(TerritoryKind.REGION, regions, report, everything)
    region_pk = _pk_map(TerritoryKind.REGION)

    departments_values = {
        d["code"]: _values(d, vintage, region_id=region_pk[d["region"]])
        for d in selected[TerritoryKind.DEPARTMENT]
    }
    _upsert(TerritoryKind.DEPARTMENT, departments_values, report, everything)
    department_pk = _pk_map(TerritoryKind.DEPARTMENT)
    scope_filter = {"department_id": {department_pk[code] for code in scope}} if scope else {}

    epcis = {
        e["code"]: _values(
            e, vintage, region_id=region_pk[e["region"]], department_id=department_pk[e["department"]]
        )
        for e in selected[TerritoryKind.EPCI]
    }
    _upsert(TerritoryKind.EPCI, epcis, report, scope_filter)
    epci_pk = _pk_map(TerritoryKind.EPCI)
    epci_of = {code: epci["code"] for epci in selected[TerritoryKind.EPCI] for code in epci["communes"]}

    communes = {
        c["code"]: _values(
            c,
            vintage,
            region_id=region_pk[c["region"]],
            department_id=department_pk[c["department"]],
            epci_id=epci_pk[epci_of[c["code"]]] if c["code"] in epci_of else None,
        )
        for c in selected[TerritoryKind.COMMUNE]
    }
    _upsert(TerritoryKind.COMMUNE, communes, report, scope_filter)
    report.communes_without_point = sum(1 for c in communes.values() if c["latitude"] is None)

    TerritoryDataVintage.objects.update_or_create(
        sha256=data.sha256,
        scope=",".join(scope),
        defaults={"source": path.name[:200], "vintage": vintage, "counts": report.counts()},
    )
    if report.changed and connection.vendor == "postgresql":
        # Fresh statistics, or the planner ignores the search indexes right after a first load.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Territory._meta.db_table}")
    if report.changed:
        record_change(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="territories.Territory",
            changes=report.counts(),
            message=f"Chargement des territoires {vintage} ({path.name}, sha256 {data.sha256[:12]}).",
        )
    report.seconds = time.monotonic() - started
    return report
