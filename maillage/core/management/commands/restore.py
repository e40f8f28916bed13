"""``maillage restore ARCHIVE [--database-url URL] [--no-media] [--yes]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde : remplace la base de données (ou remplit celle donnée par "
        "--database-url, par exemple une base vide pour vérifier une sauvegarde) et les fichiers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="Archive maillage-AAAAMMJJ-HHMMSS.tar.gz")
        parser.add_argument("--database-url", help="Base à remplir à la place de la base configurée.")
        parser.add_argument("--no-media", action="store_true", help="Ne pas remplacer les fichiers (médias).")
        parser.add_argument("--yes", action="store_true", help="Ne pas demander de confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"] and not options.get("database_url"):
            answer = input(
                "La base de données et les fichiers actuels seront remplacés. Continuer ? [oui/non] "
            )
            if answer.strip().lower() not in {"o", "oui", "y", "yes"}:
                raise CommandError("Restauration annulée.")
        try:
            manifest = restore_backup(
                Path(options["archive"]),
                database_url=options.get("database_url"),
                media=not options["no_media"] and not options.get("database_url"),
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Sauvegarde du {manifest['created_at']} restaurée ({sum(manifest['tables'].values())} lignes)."
        )
        if not options.get("database_url"):
            self.stdout.write(
                "Redémarrez les serveurs de l'application et les processus de tâches : "
                "leurs caches en mémoire datent d'avant la restauration."
            )
