"""Writes on places: import of standard files, export, duplicate detection and decisions.

Imports are two-phase and all-or-nothing: the whole file is analysed first (every error collected with
its line and column), then written in one ``transaction.atomic()`` only when there is no error. Imports
are serialised per territory (``pg_advisory_xact_lock`` on PostgreSQL; SQLite serialises writers).
Re-importing a file changes nothing: rows are upserted on (source, id) and compared field by field —
on PostgreSQL in the database, after one COPY into a staging table (``services/staging.py``: set-based
classification, ``INSERT … SELECT``, ``UPDATE … FROM``); on SQLite in Python (slower, same results).
The file is validated column by column, each distinct value once (``interop/validate.py``).

Audit: one ``record_change`` entry per import job, per duplicate decision, and one entry per created or
updated place (written with ``bulk_create`` in the same shape as ``record_change`` so that a 25 000-row
import stays fast).
"""

from __future__ import annotations

import gc
import hashlib
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.core.audit import diff_fields, record_change
from maillage.core.models import AuditAction, AuditLog
from maillage.places import annuaire_files, open_now
from maillage.places.choices import ImportStatus
from maillage.places.interop import Analysis, FileRefused, Issue, analyse
from maillage.places.interop.standard import IMPORTED_FIELDS
from maillage.places.models import (
    ImportJob,
    Place,
    search_columns,
)
from maillage.places.normalize import fold
from maillage.places.services.duplicates import _flag_duplicates
from maillage.places.services.staging import StagedImport, audit_rows
from maillage.territories.models import Territory, TerritoryKind

REPORT_LIMIT = 1000  # issues kept in ImportJob.report (the totals are always exact)
NEARBY_METRES = 200.0
BATCH = 1000
Progress = Callable[[str, int, int], None] | None  # (stage, done, total)


# --- Import ---------------------------------------------------------------------------------------


def _chunks(items: list[Any], size: int = 900) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _issue(line: int, column: str, message: str, level: str = "error", value: str = "") -> Issue:
    return Issue(line, column, message, level, value)


@dataclass(frozen=True)
class _Commune:
    pk: int
    code: str
    name: str
    postcodes: tuple[str, ...]
    epci_id: int | None
    department_id: int | None
    region_id: int | None


_COMMUNE_FIELDS = ("pk", "code", "name", "postcodes", "epci_id", "department_id", "region_id")


def _communes(queryset: Any) -> Iterator[_Commune]:
    for pk, code, name, postcodes, epci_id, department_id, region_id in queryset.values_list(
        *_COMMUNE_FIELDS
    ):
        yield _Commune(pk, code, name, tuple(postcodes or ()), epci_id, department_id, region_id)


def _inside(territory: Territory, commune: _Commune) -> bool:
    kind = territory.kind
    if kind == TerritoryKind.COMMUNE:
        return commune.pk == territory.pk
    if kind == TerritoryKind.EPCI:
        return commune.epci_id == territory.pk
    if kind == TerritoryKind.DEPARTMENT:
        return commune.department_id == territory.pk
    return commune.region_id == territory.pk


class _CommuneResolver:
    """code_insee → commune; else postcode + name (accent- and case-insensitive)."""

    def __init__(self, rows: list[dict[str, Any]], territory: Territory | None):
        codes = {r["insee_code"] for r in rows if r.get("insee_code")}
        self.by_code: dict[str, _Commune] = {}
        for chunk in _chunks(sorted(codes)):
            for commune in _communes(Territory.objects.communes().filter(code__in=chunk)):
                self.by_code[commune.code] = commune
        unresolved = [r for r in rows if r.get("insee_code") not in self.by_code]
        self.by_name: dict[str, list[_Commune]] = defaultdict(list)
        if not unresolved:
            return
        if territory is not None:
            found = list(_communes(Territory.objects.communes_of([territory])))
        else:
            variants = {fold(r["commune_name"]) for r in unresolved} | {
                r["commune_name"].lower() for r in unresolved if r.get("commune_name")
            }
            found = [
                commune
                for chunk in _chunks(sorted(variants))
                for commune in _communes(Territory.objects.communes().filter(search_name__in=chunk))
            ]
        for commune in found:
            self.by_name[fold(commune.name)].append(commune)

    def resolve(self, values: dict[str, Any]) -> _Commune | None:
        code = values.get("insee_code") or ""
        if code in self.by_code:
            return self.by_code[code]
        matches = self.by_name.get(fold(values.get("commune_name") or ""), [])
        exact = [c for c in matches if values.get("postcode") in c.postcodes]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1 and not code:
            return matches[0]
        return None


def _lock_territory(territory: Territory | None) -> None:
    key = zlib.crc32(f"maillage.places.import:{territory.code if territory else '*'}".encode())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # An import is a batch: lift the web request limits for this transaction only, and wait
            # (up to 2 minutes) for another import of the same territory to finish.
            cursor.execute("SET LOCAL statement_timeout = '300s'")
            cursor.execute("SET LOCAL lock_timeout = '120s'")
            # The staging tables are not analysed: their planner estimates are guesses, which made it
            # compile the INSERT … SELECT with JIT (60 ms for a statement that runs once).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    elif territory is not None:
        list(Territory.objects.select_for_update().filter(pk=territory.pk))


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    return {f: values.get(f) for f in (*IMPORTED_FIELDS, "commune_id")}


def _refuse(job: ImportJob, issues: list[Issue], *, message: str = "") -> ImportJob:
    errors = [i for i in issues if i.level == "error"]
    warnings = [i for i in issues if i.level == "warning"]
    job.status = ImportStatus.REFUSED
    job.error_count = len(errors)
    job.report = {
        "message": message
        or ngettext(
            "Import refusé : %(count)d erreur. Aucun lieu n'a été enregistré.",
            "Import refusé : %(count)d erreurs. Aucun lieu n'a été enregistré.",
            len(errors),
        )
        % {"count": len(errors)},
        "errors": [i.as_dict() for i in errors[:REPORT_LIMIT]],
        "warnings": [i.as_dict() for i in warnings[:REPORT_LIMIT]],
        "error_total": len(errors),
        "warning_total": len(warnings),
    }
    job.finished_at = timezone.now()
    job.save()
    record_change(
        actor=job.user,
        action=AuditAction.IMPORT,
        instance=job,
        territory_code=job.territory.code if job.territory else "",
        changes={"status": job.status, "errors": len(errors)},
        message=job.report["message"],
    )
    return job


def places_import(
    *,
    data: bytes,
    filename: str = "",
    user: Any = None,
    territory: Territory | None = None,
    source: str = "",
    progress: Progress = None,
) -> ImportJob:
    """Import a standard file (CSV or JSON bytes). Returns the ``ImportJob`` with its French report.

    ``territory``: every row must lie in it (required from the web page); ``source``: default for rows
    whose ``source`` column is empty. Nothing is written unless the whole file is valid.
    """
    with _no_cyclic_gc():
        return _places_import(
            data=data, filename=filename, user=user, territory=territory, source=source, progress=progress
        )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during an import: the analysis allocates a few million
    small objects (cells, values, issues) that live until the end, and each automatic collection walks
    them all again (measured: ~40 % of the validation's CPU time for 25 000 rows). Reference counting
    still frees everything; the collector is restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _places_import(
    *,
    data: bytes,
    filename: str,
    user: Any,
    territory: Territory | None,
    source: str,
    progress: Progress,
) -> ImportJob:
    digest = hashlib.sha256(data).hexdigest()
    job = ImportJob.objects.create(
        sha256=digest,
        filename=(filename or "")[:255],
        source=source,
        territory=territory,
        user=user if getattr(user, "is_authenticated", False) else None,
    )
    max_bytes, max_rows = settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS
    if len(data) > max_bytes:
        message = _("Fichier trop volumineux : %(size).1f Mo, %(max).1f Mo au maximum.") % {
            "size": len(data) / 1_048_576,
            "max": max_bytes / 1_048_576,
        }
        return _refuse(job, [_issue(0, "", message)], message=message)
    try:
        analysis = analyse(data, filename, default_source=source, progress=progress, max_rows=max_rows)
    except FileRefused as error:
        return _refuse(job, [_issue(0, "", str(error))], message=str(error))
    job.file_format = analysis.parsed.file_format
    job.rows = len(analysis.parsed.records)
    if job.rows > max_rows:
        message = _("Trop de lignes : %(rows)d, %(max)d au maximum. Découpez le fichier.") % {
            "rows": job.rows,
            "max": max_rows,
        }
        return _refuse(job, [_issue(0, "", message)], message=message)
    if not analysis.parsed.records and analysis.ok:
        message = _("Le fichier ne contient aucun lieu.")
        return _refuse(job, [_issue(0, "", message)], message=message)

    with transaction.atomic():
        _lock_territory(territory)
        issues = list(analysis.issues)
        rows = _resolve_communes(analysis, territory, issues)
        if connection.vendor == "postgresql":
            # One COPY into a staging table, set-based classification and merge (services/staging.py).
            staged: StagedImport | None = StagedImport(rows, territory)
            plan = None
            issues += [_conflict(*rows[index]) for index in staged.conflicts]  # type: ignore[union-attr]
        else:
            staged, plan = None, _plan(rows, territory, issues)
        if any(i.level == "error" for i in issues):
            issues.sort(key=lambda i: (i.line, i.level != "error"))
            return _refuse(job, issues)
        previous = (
            ImportJob.objects.filter(sha256=digest, status__in=[ImportStatus.DONE, ImportStatus.UNCHANGED])
            .exclude(pk=job.pk)
            .order_by("-finished_at")
            .first()
        )
        written_at = timezone.now()  # every row written by this import gets it: the duplicate check uses it
        if staged is not None:
            created, updated, unchanged = len(staged.new), len(staged.changed), staged.unchanged
            if progress:
                progress(_("Écriture"), 0, created + updated)
            staged.write(
                job=job, user=user, territory_code=territory.code if territory else "", now=written_at
            )
            # The stored annuaires of these communes (and their EPCI, département, région) are out of date.
            annuaire_files.mark_stale(staged.touched_communes)
            if progress:
                progress(_("Écriture"), created + updated, created + updated)
        else:
            assert plan is not None
            created, updated, unchanged = _write(plan, job, user, territory, progress, now=written_at)
        duplicates = (
            _flag_duplicates(Place.objects.filter(updated_at=written_at), job) if created or updated else 0
        )

    job.created_count, job.updated_count, job.unchanged_count = created, updated, unchanged
    job.duplicate_count = duplicates
    job.status = ImportStatus.DONE if created or updated else ImportStatus.UNCHANGED
    warnings = [i for i in issues if i.level == "warning"]
    message = _(
        "Import terminé : %(created)d créé(s), %(updated)d mis à jour, %(unchanged)d inchangé(s), "
        "%(duplicates)d doublon(s) probable(s) à examiner."
    ) % {"created": created, "updated": updated, "unchanged": unchanged, "duplicates": duplicates}
    if previous is not None:
        message += " " + _("Ce fichier avait déjà été importé le %(date)s.") % {
            "date": timezone.localtime(previous.finished_at).strftime("%d/%m/%Y %H:%M")
            if previous.finished_at
            else "?"
        }
    job.report = {
        "message": message,
        "errors": [],
        "warnings": [i.as_dict() for i in warnings[:REPORT_LIMIT]],
        "error_total": 0,
        "warning_total": len(warnings),
        "previous_job": previous.pk if previous else None,
        "encoding": analysis.parsed.encoding,
        "delimiter": analysis.parsed.delimiter,
    }
    job.finished_at = timezone.now()
    job.save()
    record_change(
        actor=user,
        action=AuditAction.IMPORT,
        instance=job,
        territory_code=territory.code if territory else "",
        changes={
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "duplicates": duplicates,
            "sha256": digest,
        },
        message=message,
    )
    return job


@dataclass
class _Plan:
    rows: list[tuple[int, dict[str, Any]]]  # (line, values incl. commune_id)
    existing: dict[tuple[str, str], dict[str, Any]]


def _resolve_communes(
    analysis: Analysis, territory: Territory | None, issues: list[Issue]
) -> list[tuple[int, dict[str, Any]]]:
    """Resolve the communes of the valid rows and check the territory. Adds issues in place."""
    valid = [(r.line, r.values) for r in analysis.rows if r.ok]
    resolver = _CommuneResolver([v for _line, v in valid], territory)
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, values in valid:
        commune = resolver.resolve(values)
        if commune is not None and not values.get("insee_code"):
            values["insee_code"] = commune.code
            issues.append(
                _issue(
                    line,
                    "code_insee",
                    _("Code INSEE complété : %(code)s.") % {"code": commune.code},
                    "warning",
                )
            )
        if territory is not None and (commune is None or not _inside(territory, commune)):
            where = f"{values.get('commune_name')} ({values.get('insee_code') or values.get('postcode')})"
            issues.append(
                _issue(
                    line,
                    "code_insee",
                    _("La commune %(commune)s n'est pas dans le territoire %(territory)s.")
                    % {"commune": where, "territory": territory.name}
                    if commune is not None
                    else _("Commune %(commune)s introuvable dans le référentiel des communes.")
                    % {"commune": where},
                )
            )
        elif commune is None and values.get("insee_code"):
            issues.append(
                _issue(
                    line,
                    "code_insee",
                    _(
                        "Code INSEE %(code)s absent du référentiel : le lieu ne sera rattaché à aucun territoire."
                    )
                    % {"code": values["insee_code"]},
                    "warning",
                )
            )
        values["commune_id"] = commune.pk if commune else None
        rows.append((line, values))
    return rows


def _conflict(line: int, values: dict[str, Any]) -> Issue:
    return _issue(
        line,
        "id",
        _("Le lieu « %(id)s » existe déjà dans un autre territoire : il ne peut pas être modifié ici.")
        % {"id": values["source_id"]},
    )


def _plan(rows: list[tuple[int, dict[str, Any]]], territory: Territory | None, issues: list[Issue]) -> _Plan:
    """SQLite: load the existing places of the rows, check the territory. Adds issues in place."""
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    by_source: dict[str, list[str]] = defaultdict(list)
    for _line, values in rows:
        by_source[values["source"]].append(values["source_id"])
    fields = ("pk", "source", *IMPORTED_FIELDS, "commune_id")
    for src, ids in by_source.items():
        for chunk in _chunks(ids):
            for found in Place.objects.filter(source=src, source_id__in=chunk).values(*fields):
                existing[(found["source"], found["source_id"])] = found
    if territory is not None:
        # Never overwrite a place of another territory through a matching (source, id).
        outside = {
            p["pk"]
            for chunk in _chunks([e["pk"] for e in existing.values() if e["commune_id"] is not None])
            for p in Place.objects.filter(pk__in=chunk)
            .exclude(Territory.communes_q([territory], prefix="commune__"))
            .values("pk")
        }
        for line, values in rows:
            found = existing.get((values["source"], values["source_id"]))
            if found and found["pk"] in outside:
                issues.append(_conflict(line, values))
    return _Plan(rows, existing)


def _write(
    plan: _Plan,
    job: ImportJob,
    user: Any,
    territory: Territory | None,
    progress: Progress,
    *,
    now: Any,
) -> tuple[int, int, int]:
    """SQLite: write the plan; returns (created, updated, unchanged)."""
    to_create: list[dict[str, Any]] = []
    to_update: list[tuple[Place, dict[str, Any]]] = []
    unchanged = 0
    touched_communes: set[int | None] = set()
    defaults = {
        f.attname: f.get_default() for f in Place._meta.concrete_fields if not f.primary_key and f.attname
    }
    for _line, values in plan.rows:
        found = plan.existing.get((values["source"], values["source_id"]))
        if found is None:
            row = {**defaults, **{f: values.get(f) for f in IMPORTED_FIELDS}}
            row.update(commune_id=values["commune_id"], created_at=now, updated_at=now)
            row.update(search_columns(row))
            to_create.append(row)
            touched_communes.add(values["commune_id"])
            continue
        before, after = _comparable(found), _comparable(values)
        if before == after:
            unchanged += 1
            continue
        touched_communes.update((found.get("commune_id"), values.get("commune_id")))
        place = Place(pk=found["pk"], **after)
        place.updated_at = now
        place.sync_search_columns()
        to_update.append((place, diff_fields(before, after)))
    code = territory.code if territory else ""
    total = len(to_create) + len(to_update)
    writing = _("Écriture")
    created_ids: list[int] = []
    for chunk in _chunks(to_create, BATCH):
        instances = Place.objects.bulk_create([Place(**row) for row in chunk], batch_size=BATCH)
        ids = [p.pk for p in instances]
        # bulk_create stamps auto_now fields itself: put back the import's timestamp.
        Place.objects.filter(pk__in=ids).update(created_at=now, updated_at=now)
        created_ids += ids
        if progress:
            progress(writing, len(created_ids), total)
    update_fields = [*IMPORTED_FIELDS, "commune", "updated_at", *list(_search_columns())]
    done = len(to_create)
    for chunk_updates in _chunks(to_update, 500):
        Place.objects.bulk_update([p for p, _c in chunk_updates], update_fields, batch_size=500)
        done += len(chunk_updates)
        if progress:
            progress(writing, done, total)
    # « Ouvert maintenant »: new opening-hours strings are numbered and get the weeks already computed.
    open_now.ensure_hours(
        {row.get("opening_hours") or "" for row in to_create}
        | {place.opening_hours for place, _changes in to_update}
    )
    open_now.sync_places()
    items = [(AuditAction.CREATE.value, pk, {"import_job": job.pk}) for pk in created_ids]
    items += [(AuditAction.UPDATE.value, p.pk, changes) for p, changes in to_update]
    # The stored annuaires of these communes (and their EPCI, département, région) are out of date.
    annuaire_files.mark_stale(touched_communes)
    rows = audit_rows(user, code, items)
    AuditLog.objects.bulk_create([AuditLog(**row) for row in rows], batch_size=BATCH)
    return len(to_create), len(to_update), unchanged


def _search_columns() -> list[str]:
    from maillage.places.models import SEARCH_COLUMNS

    return SEARCH_COLUMNS
