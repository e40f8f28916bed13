"""Helpers for PostgreSQL settings that hold for a part of a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def local_setting(name: str, value: str) -> Iterator[None]:
    """PostgreSQL: ``name`` is ``value`` while the block runs, then goes back to what it was, so the
    rest of the transaction runs as before. Setting it takes one statement, ``set_config(…, true)``,
    which also returns the value it replaces. Use it inside a transaction.

    If the block leaves the transaction aborted, nothing is put back: the server refuses every statement
    then, and the rollback restores the setting anyway. The block's own error is raised as it is."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        previous = cursor.fetchone()[0]
    try:
        yield
    finally:
        if not _aborted():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [name, previous])


def _aborted() -> bool:
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return raw is not None and raw.info.transaction_status == TransactionStatus.INERROR
