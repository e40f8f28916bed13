"""``maillage import-equipment FILE --territory CODE``: import an inventory spreadsheet (CSV or XLSX)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.equipment import importer
from maillage.territories.models import Territory, TerritoryKind


class Command(BaseCommand):
    help = (
        "Importe un inventaire de matériel (CSV ou XLSX, colonnes dans docs/equipment-inventory.md). "
        "Tout ou rien ; un nouvel import du même fichier ne crée pas de doublon."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Fichier .csv ou .xlsx")
        parser.add_argument("--territory", required=True, help="Code du département ou SIREN de l'EPCI.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        territory = Territory.objects.filter(
            code=options["territory"], kind__in=[TerritoryKind.DEPARTMENT, TerritoryKind.EPCI]
        ).first()
        if territory is None:
            raise CommandError(f"Territoire inconnu : {options['territory']}")
        if path.stat().st_size > importer.MAX_BYTES:
            raise CommandError("Le fichier dépasse 5 Mo.")
        try:
            report = importer.import_inventory(
                actor=None, territory=territory, data=path.read_bytes(), filename=path.name
            )
        except importer.InventoryImportError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError("Fichier refusé : rien n'a été enregistré.") from exc
        for warning in report.warnings:
            self.stderr.write(warning)
        self.stdout.write(
            f"{report.created} appareil(s) créé(s), {report.updated} mis à jour, {report.unchanged} inchangé(s), "
            f"{report.donations_created} don(s) créé(s)."
        )
