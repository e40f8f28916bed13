"""The SQLite test database is migrated once per schema, then copied.

Running the 90 migrations renders Django's migration state hundreds of times: it cost each xdist
worker 30–40 s of CPU before its first test, on every run. The in-memory test database is instead
restored from a template file built by a full ``migrate`` the first time, with SQLite's backup API.
The template's name is a digest of everything that shapes the migrated database (our migration files
and the files they read, the pinned requirements that bring third-party migrations, Django's and
SQLite's versions), so any change to them builds a new one. Django's ``migrate`` still runs on the
restored copy: it must find nothing to apply, and would apply it if it did.

Only in-memory SQLite is concerned; PostgreSQL test databases are created as pytest-django does.
Set ``MAILLAGE_TEST_DB_TEMPLATE=0`` to migrate from scratch.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHAPING_FILES = (
    "maillage/*/migrations/*.py",
    "maillage/pathways/grids/*.json",
    "requirements/*.txt",
)


def template_path() -> Path:
    import django

    digest = hashlib.sha256()
    digest.update(f"django {django.get_version()} sqlite {sqlite3.sqlite_version}".encode())
    for pattern in SHAPING_FILES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    folder = Path(os.environ.get("MAILLAGE_TEST_DB_CACHE", Path(tempfile.gettempdir()) / "maillage-test-db"))
    return folder / f"{digest.hexdigest()[:20]}.sqlite3"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One xdist worker builds the template; the others wait for it, then copy it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def install() -> None:
    if os.environ.get("MAILLAGE_TEST_DB_TEMPLATE", "1") == "0":
        return
    from django.db.backends.sqlite3.creation import DatabaseCreation

    if getattr(DatabaseCreation, "_maillage_template", False):
        return
    original_create = DatabaseCreation.create_test_db
    original_inner = DatabaseCreation._create_test_db

    def create_test_db(self: Any, *args: Any, **kwargs: Any) -> str:
        if not self.is_in_memory_db(self._get_test_db_name()) or kwargs.get("keepdb"):
            return original_create(self, *args, **kwargs)
        template = template_path()
        with _locked(template):
            restore_from = template if template.exists() else None
            self._maillage_restore_from = restore_from
            try:
                name = original_create(self, *args, **kwargs)
            finally:
                self._maillage_restore_from = None
            if restore_from is None:
                partial = template.with_suffix(f".{os.getpid()}.tmp")
                target = sqlite3.connect(partial)
                try:
                    self.connection.connection.backup(target)
                finally:
                    target.close()
                os.replace(partial, template)
        return name

    def _create_test_db(self: Any, verbosity: int, autoclobber: bool, keepdb: bool = False) -> Any:
        name = original_inner(self, verbosity, autoclobber, keepdb)
        restore_from = getattr(self, "_maillage_restore_from", None)
        if restore_from is not None:
            # The in-memory database lives as long as Django's connection to it (never closed).
            self.connection.close()
            self.connection.settings_dict["NAME"] = name
            self.connection.ensure_connection()
            source = sqlite3.connect(restore_from)
            try:
                source.backup(self.connection.connection)
            finally:
                source.close()
        return name

    DatabaseCreation.create_test_db = create_test_db  # type: ignore[method-assign]
    DatabaseCreation._create_test_db = _create_test_db  # type: ignore[method-assign]
    DatabaseCreation._maillage_template = True  # type: ignore[attr-defined]
