"""A real server (gunicorn, production settings) on the test database, for tests with real concurrency.

SQLite: the in-memory test database is copied into a file with SQLite's online backup API (the same
copy `maillage backup` makes), so that several processes share it as in production. PostgreSQL: the
server uses the test database itself (the test must be transactional so that its rows are committed).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from maillage.core.server import ROOT as ROOT  # re-exported: the tests run commands from the root
from maillage.core.server import production_server


def database_url_for_server(tmp_path: Path) -> str:
    """A URL another process can open, holding what this test wrote so far."""
    if connection.vendor == "sqlite":
        target = tmp_path / "live.sqlite3"
        connection.ensure_connection()
        # The test's transaction is still open: the backup API would wait for it forever, a dump
        # read through the same connection sees the test's rows.
        source = connection.connection
        virtual = dict(
            source.execute(
                "SELECT name, sql FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
            ).fetchall()
        )
        shadow = tuple(f"{name}_" for name in virtual)

        def wanted(statement: str) -> bool:  # virtual tables (R-tree) are created, then filled, below
            if "sqlite_master" in statement or "writable_schema" in statement:
                return False
            return not any(f'"{prefix}' in statement or f"'{prefix}" in statement for prefix in shadow)

        destination = sqlite3.connect(target)
        try:
            destination.executescript(
                ";\n".join(f"{sql}" for sql in virtual.values()) + ";" if virtual else ""
            )
            destination.executescript("\n".join(s for s in source.iterdump() if wanted(s)))
            for name in virtual:
                rows = source.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
                if rows:
                    marks = ",".join("?" * len(rows[0]))
                    destination.executemany(f'INSERT OR REPLACE INTO "{name}" VALUES ({marks})', rows)  # noqa: S608
            destination.commit()
        finally:
            destination.close()
        return f"sqlite:///{target}"
    settings_dict = connection.settings_dict
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    user = settings_dict.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuv",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",
        "WHITENOISE_USE_FINDERS": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "TWO_FACTOR_REQUIRED": "0",  # these tests are about the database, not the second factor
    }
    env.update(extra)
    return env


@contextmanager
def live_server(database_url: str, *, workers: int = 2, threads: int = 4) -> Iterator[str]:
    """The production server on ``database_url``; ``LAST_LOG`` names its log so that a failing test can
    show the server's side."""
    with production_server(
        server_env(database_url), workers=workers, threads=threads, log_level="info"
    ) as server:
        LAST_LOG[0] = str(server.log)
        yield server.base


LAST_LOG: list[str] = [""]


def server_log() -> str:
    """The end of the last live server's output (tracebacks of a 500, for a failing assertion)."""
    return Path(LAST_LOG[0]).read_text(errors="replace")[-6000:] if LAST_LOG[0] else ""


def session_cookie(user: object) -> str:
    """A session for ``user``, stored in the database the server will read."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
