"""``maillage backup [--output DIR]``: one archive of the database and the media files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.backup import BackupError, create_backup, read_manifest


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers (médias) dans une archive ; garde les BACKUP_KEEP dernières."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="Dossier des sauvegardes (défaut : BACKUP_DIR).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            archive = create_backup(Path(options["output"]) if options.get("output") else None)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = read_manifest(archive)
        rows = sum(manifest["tables"].values())
        size = archive.stat().st_size / 1024 / 1024
        self.stdout.write(
            f"Sauvegarde écrite : {archive} ({size:.1f} Mo, {rows} lignes, base {manifest['engine']})."
        )
