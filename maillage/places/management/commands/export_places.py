"""``maillage export-places FILE.csv|FILE.json [--territory CODE]``: export to the national standard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.places.services import export_places, territory_by_code


class Command(BaseCommand):
    help = "Exporte les lieux publiés au standard des lieux de médiation numérique (CSV ou JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Fichier de sortie .csv ou .json (« - » : sortie standard en CSV)")
        parser.add_argument("--territory", help="Code INSEE (commune, département, région) ou SIREN (EPCI)")
        parser.add_argument("--format", choices=["csv", "json"], help="Par défaut : l'extension du fichier")

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["file"]
        file_format = options.get("format") or ("json" if target.lower().endswith(".json") else "csv")
        if target != "-" and not target.lower().endswith((".csv", ".json")) and not options.get("format"):
            raise CommandError("Extension attendue : .csv ou .json (ou --format).")
        territory = None
        if options.get("territory"):
            territory = territory_by_code(options["territory"])
            if territory is None:
                raise CommandError(f"Territoire inconnu : {options['territory']}")
        if target == "-":
            count = export_places(stream=self.stdout, file_format=file_format, territory=territory)
            return
        path = Path(target)
        with path.open("w", encoding="utf-8", newline="") as stream:
            count = export_places(stream=stream, file_format=file_format, territory=territory)
        self.stderr.write(f"{count} lieu(x) exporté(s) dans {path}.")
