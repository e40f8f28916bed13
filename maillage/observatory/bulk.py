# ruff: noqa: S608 — table and column names come from the models' metadata, never from input.
"""Bulk writes of computed rows (tens of thousands at once): COPY on PostgreSQL, ``bulk_create`` elsewhere.

Django's ``bulk_create`` on PostgreSQL adapts every value of every row in Python (arrays of JSON
documents for ``UNNEST``): about 70 s for the 70 000 fragility scores of France on a loaded machine.
COPY streams the rows instead; an upsert goes through a session-private staging table and one
``INSERT … SELECT … ON CONFLICT DO UPDATE``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from django.db import connection, models

#: A row to write without the cost of a model instance (about 0.1 ms each): ``Row(territory_id=…, …)``.
Row = SimpleNamespace


def _fields(model: Any) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _models(model: Any, objects: Sequence[Any]) -> list[Any]:
    names = [f.attname for f in _fields(model)]
    return [o if isinstance(o, model) else model(**{n: getattr(o, n) for n in names}) for o in objects]


def _column(model: Any, name: str) -> str:
    return str(connection.ops.quote_name(model._meta.get_field(name).column))


def _copy(cursor: Any, table: str, fields: list[Any], objects: Sequence[Any]) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            row = [getattr(obj, name) for name in attnames]
            for i in json_positions:
                row[i] = None if row[i] is None else json.dumps(row[i])
            copy.write_row(row)


def insert(model: Any, objects: Sequence[Any]) -> None:
    """Insert ``objects`` (model instances or ``Row``; no primary key, ``auto_now`` fields filled by
    the caller)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(_models(model, objects), batch_size=2000)
        return
    with connection.cursor() as cursor:
        _copy(cursor, connection.ops.quote_name(model._meta.db_table), _fields(model), objects)


def upsert(
    model: Any,
    objects: Sequence[Any],
    *,
    unique_fields: list[str],
    update_fields: list[str],
) -> None:
    """Insert ``objects`` or update ``update_fields`` of the rows with the same ``unique_fields``."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            _models(model, objects),
            batch_size=2000,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
        )
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    stage = quote(f"{model._meta.db_table}_stage")
    fields = _fields(model)
    columns = ", ".join(quote(f.column) for f in fields)
    unique = ", ".join(_column(model, name) for name in unique_fields)
    updates = ", ".join(f"{_column(model, name)} = excluded.{_column(model, name)}" for name in update_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(
            f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        _copy(cursor, stage, fields, objects)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} ON CONFLICT ({unique}) "
            f"DO UPDATE SET {updates}"
        )
        cursor.execute(f"DROP TABLE {stage}")
