"""Backups that restore: the database (SQLite online backup API, or pg_dump) and the media files.

One archive per backup, ``maillage-AAAAMMJJ-HHMMSS.tar.gz`` in ``BACKUP_DIR``:

- ``manifest.json``: when, which database engine, the row count of every table (checked on restore);
- ``database.sqlite3`` (a consistent copy taken while the site runs) or ``database.pgdump``
  (``pg_dump --format=custom``);
- ``media/``: the uploaded and generated files.

The newest ``BACKUP_KEEP`` archives are kept, older ones deleted. ``restore`` replaces the database (or
fills another one given by URL, e.g. an empty one to check a backup) and the media files.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone


class BackupError(Exception):
    """A French message for the operator."""


@dataclass
class Target:
    engine: str  # "sqlite" or "postgresql"
    settings: dict[str, Any]

    @classmethod
    def from_url(cls, url: str | None) -> Target:
        config: dict[str, Any] = dict(dj_database_url.parse(url)) if url else dict(connection.settings_dict)
        engine = config["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls("sqlite", config)
        if engine.endswith("postgresql"):
            return cls("postgresql", config)
        raise BackupError(f"Moteur de base de données non pris en charge : {engine}")

    def pg_env(self) -> dict[str, str]:
        env = {**os.environ}
        if self.settings.get("PASSWORD"):
            env["PGPASSWORD"] = str(self.settings["PASSWORD"])
        return env

    def pg_args(self) -> list[str]:
        args = []
        if self.settings.get("HOST"):
            args += ["--host", str(self.settings["HOST"])]
        if self.settings.get("PORT"):
            args += ["--port", str(self.settings["PORT"])]
        if self.settings.get("USER"):
            args += ["--username", str(self.settings["USER"])]
        return [*args, "--dbname", str(self.settings["NAME"])]


def _table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _sqlite_copy(destination: Path) -> None:
    """SQLite's online backup API: a consistent copy while other processes keep working."""
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        connection.connection.backup(target, pages=1024)
    finally:
        target.close()


def _run(args: list[str], env: dict[str, str]) -> None:
    completed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise BackupError(f"{args[0]} a échoué : {completed.stderr.strip()[-1000:]}")


def create_backup(directory: Path | None = None, *, now: datetime | None = None) -> Path:
    """Write one archive and apply the retention. Returns the archive's path."""
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    archive = directory / f"maillage-{stamp}.tar.gz"
    target = Target.from_url(None)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        work = Path(tmp)
        manifest: dict[str, Any] = {
            "format": 1,
            "created_at": timezone.now().isoformat(),
            "engine": target.engine,
            "tables": _table_counts(),
        }
        if target.engine == "sqlite":
            _sqlite_copy(work / "database.sqlite3")
        else:
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(work / "database.pgdump"),
                    *target.pg_args(),
                ],
                target.pg_env(),
            )
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            for name in ("manifest.json", "database.sqlite3", "database.pgdump"):
                if (work / name).exists():
                    tar.add(work / name, arcname=name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
        partial.rename(archive)  # never a half-written archive under the final name
    apply_retention(directory)
    return archive


def apply_retention(directory: Path, keep: int | None = None) -> list[Path]:
    keep = settings.BACKUP_KEEP if keep is None else keep
    archives = sorted(directory.glob("maillage-*.tar.gz"))
    removed = archives[: max(0, len(archives) - keep)]
    for path in removed:
        path.unlink()
    return removed


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError("Archive sans manifest.json : ce n'est pas une sauvegarde Maillage.")
        return dict(json.load(member))


def restore_backup(archive: Path, *, database_url: str | None = None, media: bool = True) -> dict[str, Any]:
    """Restore ``archive`` into the configured database (or ``database_url``) and the media folder."""
    if not archive.is_file():
        raise BackupError(f"Sauvegarde introuvable : {archive}")
    manifest = read_manifest(archive)
    target = Target.from_url(database_url)
    if manifest["engine"] != target.engine:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {manifest['engine']} : elle ne se restaure pas dans une base {target.engine}."
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        if database_url is None:
            connections.close_all()
        if target.engine == "sqlite":
            destination = sqlite3.connect(str(target.settings["NAME"]))
            source = sqlite3.connect(work / "database.sqlite3")
            try:
                source.backup(destination)  # replaces every page, in one step
            finally:
                source.close()
                destination.close()
        else:
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    *target.pg_args(),
                    str(work / "database.pgdump"),
                ],
                target.pg_env(),
            )
        if media and (work / "media").is_dir():
            media_root = Path(settings.MEDIA_ROOT)
            if media_root.exists():
                shutil.rmtree(media_root)
            shutil.copytree(work / "media", media_root)
    if database_url is None:
        _clear_caches()
    return manifest


def _clear_caches() -> None:
    """Figures cached under a data version (activities, equipment, observatory) must not outlive the
    data they were read from: a restored database can carry a version number already used since. Shared
    caches are cleared here; in-process caches go with the restart of the servers (docs/operations.md)."""
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()
