"""``maillage import-indicators FILE [FILE…] [--source S] [--vintage V]``: public statistics per commune."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.observatory.importers import ImportRejected
from maillage.observatory.management.commands._common import lift_time_limits
from maillage.observatory.models import IndicatorSource
from maillage.observatory.services import compute_fragility, import_indicators


class Command(BaseCommand):
    help = (
        "Importe des fichiers de statistiques publiques par commune (INSEE Dossier complet, ARCEP, CAF, "
        "IFN de La MedNum ; colonnes dans docs/observatory.md) puis recalcule les indices de fragilité. "
        "Tout ou rien par fichier ; un fichier déjà importé ne change rien."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Fichiers .csv (ou .csv.gz)")
        parser.add_argument(
            "--source", choices=[s.value for s in IndicatorSource if s != IndicatorSource.IGN], default=None
        )
        parser.add_argument("--vintage", default=None, help="Millésime, quand le fichier ne le dit pas.")

    def handle(self, *args: Any, **options: Any) -> None:
        lift_time_limits()
        failed = False
        imported = False
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
            try:
                result = import_indicators(
                    path, source=options["source"], vintage=options["vintage"], compute=False
                )
            except ImportRejected as exc:
                failed = True
                self.stderr.write(f"{path.name} : fichier refusé, rien n'a été enregistré.")
                for error in exc.errors:
                    self.stderr.write(f"  {error}")
                continue
            imported = imported or not result.already_imported
            for line in result.lines:
                self.stdout.write(line)
        if imported:
            counts = compute_fragility()
            self.stdout.write(f"Indices de fragilité recalculés ({counts['communes']} communes).")
        if failed:
            raise CommandError("Au moins un fichier a été refusé.")
