"""PostgreSQL side of the places import: one COPY into a staging table, then set-based SQL.

The validated rows of a file (``maillage.places.interop``: each distinct value checked once) are sent to
a temporary table with one ``COPY``. The database then does what it does best, in one statement each:

* **classify** every row against the directory on the unique (source, id): new, changed (any imported
  column ``IS DISTINCT FROM`` the stored one) or unchanged — a re-import loads no stored place into
  Python; the rows of a place that lies in another territory are returned as conflicts;
* **derive** — only for new and changed rows — the search columns in Python (``search_columns``, the
  same function as ``Place.save()``) and the « ouvert maintenant » number, sent with a second ``COPY``;
* **merge**: one ``INSERT … SELECT`` for the new places (ids reserved from the sequence first, as in
  ``core/bulk.py``), one ``UPDATE … FROM`` for the changed ones, one ``INSERT … SELECT`` for the audit
  entries of the created places (the updated ones carry their field diff, built in Python).

Both temporary tables are dropped at the end of the transaction (and before a second import in the same
transaction, as in tests).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core import bulk
from maillage.core.audit import diff_fields
from maillage.core.models import AuditAction, AuditLog
from maillage.places import open_now
from maillage.places.interop.standard import IMPORTED_FIELDS, LIST_FIELDS
from maillage.places.models import SEARCH_COLUMNS, Place, search_columns
from maillage.territories.models import Territory

STAGE = "places_import_stage"
DERIVED = "places_import_derived"
#: The columns compared to decide created / updated / unchanged (as ``_comparable`` on SQLite).
COMPARED = (*IMPORTED_FIELDS, "commune_id")
_encode_json = json.JSONEncoder(ensure_ascii=False).encode


def _column(name: str) -> str:
    """The quoted column of a Place attribute (``commune_id``) or field name (``source_id``)."""
    field = next(f for f in Place._meta.concrete_fields if name in (f.name, f.attname))
    return connection.ops.quote_name(str(field.column))


class JsonCells:
    """Lists → JSON text for COPY, each distinct list encoded once (enumerations repeat)."""

    def __init__(self) -> None:
        self.memo: dict[tuple[Any, ...], str] = {}

    def __call__(self, value: Any) -> Any:
        if type(value) is not list:
            return value
        key = tuple(value)
        text = self.memo.get(key)
        if text is None:
            text = self.memo[key] = _encode_json(value)
        return text


def audit_rows(
    user: Any, territory_code: str, items: Iterable[tuple[str, int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """AuditLog field values (same shape as ``record_change``) for (action, place pk, changes)."""
    authenticated = getattr(user, "is_authenticated", False)
    actor_id = user.pk if authenticated else None
    label = user.email if authenticated else "système"
    message = _("Import de lieux")
    object_type = Place._meta.label
    now = timezone.now()
    return [
        {
            "at": now,
            "actor_id": actor_id,
            "actor_label": label,
            "action": action,
            "object_type": object_type,
            "object_id": str(pk),
            "territory_code": territory_code,
            "changes": changes,
            "message": message,
        }
        for action, pk, changes in items
    ]


def copy_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """``COPY … FROM STDIN`` of field-value dicts (attnames, JSON fields as Python values)."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) if name != meta.pk.attname else meta.pk for name in rows[0]]
    names = [f.attname for f in fields]
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([_encode_json(row[n]) if n in json_fields else row[n] for n in names])


def _compress_like_places(cursor: Any) -> None:
    """Long values are compressed once, when they enter a staging table, and ``INSERT … SELECT`` moves
    them into ``places_place`` as they are: the staging tables compress with the method of the place
    columns (LZ4 since migration 0009 where the server has it, cheaper in CPU than pglz)."""
    cursor.execute(
        "SELECT attcompression FROM pg_attribute WHERE attrelid = 'places_place'::regclass "
        "AND attname = 'standard_document'"
    )
    found = cursor.fetchone()
    if found and found[0] == "l":
        cursor.execute("SET LOCAL default_toast_compression = 'lz4'")


class StagedImport:
    """The rows of one import in the staging table, classified against the directory."""

    def __init__(self, rows: list[tuple[int, dict[str, Any]]], territory: Territory | None):
        self.rows = rows
        self.new: list[int] = []  # row indexes
        self.changed: list[tuple[int, int]] = []  # (row index, place pk)
        self.touched_communes: set[int | None] = set()
        self.conflicts: list[int] = []  # row indexes whose place lies in another territory
        self._stage()
        self._classify(territory)

    @property
    def unchanged(self) -> int:
        return len(self.rows) - len(self.new) - len(self.changed)

    def _stage(self) -> None:
        columns = ", ".join(_column(name) for name in COMPARED)
        cells = JsonCells()
        row_of = operator.itemgetter(*COMPARED)  # validated rows hold every field
        lists = [position for position, name in enumerate(COMPARED) if name in LIST_FIELDS]
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {DERIVED}")
            _compress_like_places(cursor)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS "  # noqa: S608 (constant tables)
                f"SELECT 0::integer AS n, {columns} FROM places_place WITH NO DATA"
            )
            with cursor.copy(f"COPY {STAGE} (n, {columns}) FROM STDIN") as copy:
                for index, (_line, values) in enumerate(self.rows):
                    row = [index, *row_of(values)]
                    for position in lists:
                        row[position + 1] = cells(row[position + 1])
                    copy.write_row(row)
            # No ANALYZE of the staging table: it cost ~0.7 s of server CPU for 25 000 rows, more than the
            # classification it would plan (0.1 s without statistics, on the unique (source, id) index).

    def _classify(self, territory: Territory | None) -> None:
        columns = [_column(name) for name in COMPARED]
        stored = ", ".join(f"p.{c}" for c in columns)
        staged = ", ".join(f"s.{c}" for c in columns)
        outside = "false"
        params: tuple[Any, ...] = ()
        if territory is not None:
            # Never overwrite a place of another territory through a matching (source, id).
            communes, params = Territory.objects.communes_of([territory]).values("pk").query.sql_with_params()
            outside = f"(p.commune_id IS NOT NULL AND p.commune_id NOT IN ({communes}))"
        sql = (
            f"SELECT s.n, p.id, p.commune_id, {outside} FROM {STAGE} s "  # noqa: S608 (constant tables)
            f"LEFT JOIN places_place p ON p.source = s.source AND p.source_id = s.source_id "
            f"WHERE p.id IS NULL OR ROW({stored}) IS DISTINCT FROM ROW({staged}) OR {outside} "
            f"ORDER BY s.n"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *params])
            found = cursor.fetchall()
        for index, pk, commune_id, is_outside in found:
            new_commune = self.rows[index][1].get("commune_id")
            if is_outside:
                self.conflicts.append(index)
            elif pk is None:
                self.new.append(index)
                self.touched_communes.add(new_commune)
            else:
                self.changed.append((index, pk))
                self.touched_communes.update((commune_id, new_commune))

    def write(self, *, job: Any, user: Any, territory_code: str, now: Any) -> None:
        """Insert the new places, update the changed ones, write their audit entries."""
        rows = self.rows
        hours = {rows[i][1].get("opening_hours") or "" for i in self.new}
        hours |= {rows[i][1].get("opening_hours") or "" for i, _pk in self.changed}
        # « Ouvert maintenant »: new strings are numbered and get the weeks already computed.
        numbers = open_now.ensure_hours(hours)
        ids = bulk.reserve_ids(Place, len(self.new))
        derived = ", ".join(connection.ops.quote_name(c) for c in SEARCH_COLUMNS)
        items = [(index, pk, True) for index, pk in zip(self.new, ids, strict=True)]
        items += [(index, pk, False) for index, pk in self.changed]
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {DERIVED} ON COMMIT DROP AS SELECT 0::integer AS n, "  # noqa: S608 (constant tables)
                f"true AS is_new, id, opening_schedule, {derived} FROM places_place WITH NO DATA"
            )
            with cursor.copy(
                f"COPY {DERIVED} (n, is_new, id, opening_schedule, {derived}) FROM STDIN"
            ) as copy:
                for index, pk, is_new in items:
                    values = rows[index][1]
                    columns = search_columns(values)
                    copy.write_row(
                        [
                            index,
                            is_new,
                            pk,
                            numbers.get(values.get("opening_hours") or ""),
                            *[columns[name] for name in SEARCH_COLUMNS],
                        ]
                    )
            before = self._stored([pk for _index, pk in self.changed])
            self._insert_new(cursor, now)
            self._update_changed(cursor, now)
            self._audit(cursor, job, user, territory_code, ids, before)

    def _stored(self, pks: list[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(pks), 1000):
            for values in Place.objects.filter(pk__in=pks[start : start + 1000]).values("pk", *COMPARED):
                found[values.pop("pk")] = values
        return found

    def _insert_new(self, cursor: Any, now: Any) -> None:
        if not self.new:
            return
        staged = [_column(name) for name in COMPARED]
        derived = [connection.ops.quote_name(c) for c in ("opening_schedule", *SEARCH_COLUMNS)]
        written = {"id", *COMPARED, "created_at", "updated_at", "opening_schedule", *SEARCH_COLUMNS}
        others = [f for f in Place._meta.concrete_fields if f.attname not in written]
        targets = ", ".join(
            [
                "id",
                *staged,
                "created_at",
                "updated_at",
                *derived,
                *(connection.ops.quote_name(str(f.column)) for f in others),
            ]
        )
        sources = ", ".join(
            [
                "d.id",
                *(f"s.{c}" for c in staged),
                "%s",
                "%s",
                *(f"d.{c}" for c in derived),
                *(["%s"] * len(others)),
            ]
        )
        defaults = [f.get_db_prep_save(f.get_default(), connection) for f in others]
        cursor.execute(
            f"INSERT INTO places_place ({targets}) SELECT {sources} "  # noqa: S608 (constant tables)
            # No ORDER BY: sorting 25 000 wide rows spilled ~60 MB to disk (external merge, 0.3 s), and
            # nothing depends on the physical order of the rows (the ids are reserved beforehand; a
            # hash join in several batches may write them in another order, which is harmless).
            f"FROM {DERIVED} d JOIN {STAGE} s USING (n) WHERE d.is_new",
            [now, now, *defaults],
        )

    def _update_changed(self, cursor: Any, now: Any) -> None:
        if not self.changed:
            return
        staged = [_column(name) for name in COMPARED]
        derived = [connection.ops.quote_name(c) for c in ("opening_schedule", *SEARCH_COLUMNS)]
        assignments = ", ".join(
            [*(f"{c} = s.{c}" for c in staged), "updated_at = %s", *(f"{c} = d.{c}" for c in derived)]
        )
        cursor.execute(
            f"UPDATE places_place p SET {assignments} FROM {DERIVED} d JOIN {STAGE} s USING (n) "  # noqa: S608 (constant tables)
            f"WHERE p.id = d.id AND NOT d.is_new",
            [now],
        )

    def _audit(
        self,
        cursor: Any,
        job: Any,
        user: Any,
        territory_code: str,
        created: list[int],
        before: dict[int, dict[str, Any]],
    ) -> None:
        if created:
            authenticated = getattr(user, "is_authenticated", False)
            cursor.execute(
                "INSERT INTO core_auditlog (at, actor_id, actor_label, action, object_type, object_id, "  # noqa: S608 (constant tables)
                "territory_code, changes, message) "
                "SELECT %s, %s, %s, %s, %s, d.id::text, %s, jsonb_build_object('import_job', %s::bigint), %s "
                f"FROM {DERIVED} d WHERE d.is_new ORDER BY d.id",
                [
                    timezone.now(),
                    user.pk if authenticated else None,
                    user.email if authenticated else "système",
                    AuditAction.CREATE.value,
                    Place._meta.label,
                    territory_code,
                    job.pk,
                    _("Import de lieux"),
                ],
            )
        updates = []
        for index, pk in self.changed:
            values = self.rows[index][1]
            after = {name: values.get(name) for name in COMPARED}
            updates.append((AuditAction.UPDATE.value, pk, diff_fields(before[pk], after)))
        copy_rows(AuditLog, audit_rows(user, territory_code, updates))
