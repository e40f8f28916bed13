"""A backup restores: the archive, restored into a fresh empty database, holds the same rows."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from maillage.accounts.models import Organisation
from maillage.core.backup import apply_retention, read_manifest, restore_backup

ON_POSTGRESQL = "postgresql" in settings.DATABASES["default"]["ENGINE"]


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_the_same_rows(tmp_path: Path, settings, lot):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "annuaires").mkdir(parents=True)
    (tmp_path / "media" / "annuaires" / "46.pdf").write_bytes(b"%PDF-1.7 annuaire")
    names = sorted(f"Structure {i} — Cahors" for i in range(25))
    Organisation.objects.bulk_create([Organisation(name=n, territory=lot) for n in names])

    call_command("backup", output=str(tmp_path / "sauvegardes"))
    [archive] = (tmp_path / "sauvegardes").glob("maillage-*.tar.gz")
    manifest = read_manifest(archive)
    assert manifest["tables"]["accounts_organisation"] == 25

    settings.MEDIA_ROOT = tmp_path / "media-restaurés"
    if ON_POSTGRESQL:
        import psycopg

        fresh = f"maillage_restore_{uuid.uuid4().hex[:8]}"
        params = connection.settings_dict
        admin = f"host={params.get('HOST') or '127.0.0.1'} port={params.get('PORT') or 5432} user={params.get('USER') or 'postgres'} dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{fresh}"')
        try:
            url = f"postgres://{params.get('USER') or 'postgres'}@{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{fresh}"
            restore_backup(archive, database_url=url, media=True)
            with psycopg.connect(admin.replace("dbname=postgres", f"dbname={fresh}")) as conn:
                restored = [
                    r[0] for r in conn.execute("SELECT name FROM accounts_organisation ORDER BY name")
                ]
                counts = {
                    t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                    for t in manifest["tables"]
                }
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
    else:
        fresh_file = tmp_path / "neuve.sqlite3"
        restore_backup(archive, database_url=f"sqlite:///{fresh_file}", media=True)
        with sqlite3.connect(fresh_file) as conn:
            restored = [r[0] for r in conn.execute("SELECT name FROM accounts_organisation ORDER BY name")]
            counts = {
                t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                for t in manifest["tables"]
            }
    assert restored == names
    assert counts == manifest["tables"]
    assert (tmp_path / "media-restaurés" / "annuaires" / "46.pdf").read_bytes() == b"%PDF-1.7 annuaire"


def test_retention_keeps_the_newest_archives(tmp_path: Path):
    for day in range(1, 6):
        (tmp_path / f"maillage-202612{day:02d}-020000.tar.gz").write_bytes(b"x")
    removed = apply_retention(tmp_path, keep=3)
    assert [p.name for p in removed] == ["maillage-20261201-020000.tar.gz", "maillage-20261202-020000.tar.gz"]
    assert len(list(tmp_path.glob("*.tar.gz"))) == 3


def test_an_archive_of_another_engine_is_refused(tmp_path: Path):
    import json
    import tarfile

    from maillage.core.backup import BackupError, restore_backup

    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"engine": "oracle", "tables": {}, "created_at": "x"}), encoding="utf-8")
    archive = tmp_path / "maillage-x.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(manifest, arcname="manifest.json")
    with pytest.raises(BackupError, match="ne se restaure pas"):
        restore_backup(archive, database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")


def test_an_in_place_restore_clears_the_caches_of_figures(monkeypatch, tmp_path: Path):
    """Figures cached under a data version must not survive the data: a restored database can carry
    a version number already used since the backup."""
    from django.core.cache import caches

    from maillage.core import backup

    archive = tmp_path / "maillage-20261201-020000.tar.gz"
    archive.write_bytes(b"")
    engine = "postgresql" if ON_POSTGRESQL else "sqlite"
    monkeypatch.setattr(backup, "read_manifest", lambda path: {"engine": engine, "tables": {}})
    monkeypatch.setattr(backup.tarfile, "open", _EmptyTar)
    monkeypatch.setattr(backup, "_run", lambda *args, **kwargs: None)
    monkeypatch.setattr(backup.sqlite3, "connect", lambda *args, **kwargs: _NoDatabase())
    for alias in settings.CACHES:
        caches[alias].set("chiffres:v7", "anciens chiffres")

    backup.restore_backup(archive, media=False)

    assert [caches[alias].get("chiffres:v7") for alias in settings.CACHES] == [None] * len(settings.CACHES)


class _EmptyTar:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> _EmptyTar:
        return self

    def __exit__(self, *args: object) -> None:
        pass

    def extractall(self, *args: object, **kwargs: object) -> None:
        pass


class _NoDatabase:
    def backup(self, target: object) -> None:
        pass

    def close(self) -> None:
        pass
