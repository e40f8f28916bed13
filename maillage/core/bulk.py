"""Fast bulk inserts on PostgreSQL: one ``COPY … FROM STDIN`` per table.

Django's ``bulk_create`` prepares every value through its field (``get_db_prep_save``) and builds one
model instance per row; an import of 10 000 devices spent most of its time there (and psycopg's
client-side quoting of the arrays Django sends). Here the values go to COPY as they are; ids are
reserved from the table's sequence first, so that rows can carry their own id (an inventory tag). Only for plain
columns: a model with a JSON column falls back to ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models


def available(model: type[models.Model]) -> bool:
    return connection.vendor == "postgresql" and not any(
        isinstance(f, models.JSONField) for f in model._meta.concrete_fields
    )


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh ids from the table's identity sequence (PostgreSQL)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_columns(model: type[models.Model], columns: Mapping[str, Sequence[Any]]) -> int:
    """Insert rows given column by column (attribute names: ``device_id``, not ``device``).

    Columns left out take the field's default ("" for text, else NULL; a NOT NULL column left out fails). Values must already be what the database
    stores (str, int, Decimal, date, aware datetime, None). Returns the number of rows.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    sizes = {len(values) for values in columns.values()}
    if len(sizes) != 1:
        raise ValueError("columns of different lengths")
    count = sizes.pop()
    if not count:
        return 0
    data = dict(columns)
    for name, field in fields.items():
        if name in data or field.primary_key:
            continue
        data[name] = [field.get_default()] * count  # the default, "" for text, else NULL
    quote = connection.ops.quote_name
    names = list(data)
    table = quote(str(model._meta.db_table))
    targets = ", ".join(quote(str(fields[n].column)) for n in names)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({targets}) FROM STDIN") as copy:
        for row in zip(*(data[name] for name in names), strict=True):
            copy.write_row(row)
    return count
