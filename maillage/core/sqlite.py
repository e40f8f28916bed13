"""SQLite connections: WAL is switched on once per database file, not on every connection.

``PRAGMA journal_mode=WAL`` in ``init_command`` ran on each new connection. The mode is stored in the
file, so it only needs setting once; and asking for it again while other connections write can answer
« database is locked » at once, without waiting for the busy timeout (seen as a rare 500 on the first
request of a new worker thread). Reading the mode takes no lock: switch only when it is not WAL yet.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import OperationalError


def ensure_wal(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = str(cursor.fetchone()[0]).lower()
        if mode in ("wal", "memory"):  # in-memory databases (tests) keep their own mode
            return
        for attempt in range(50):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                return
            except OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.1)
