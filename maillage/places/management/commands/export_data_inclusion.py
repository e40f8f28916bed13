"""``maillage export_data_inclusion DIR [--territory CODE]``: the published places as data·inclusion
``structures.json`` and ``services.json`` (for the national data hub: DORA, les emplois, the map)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.places.interop import data_inclusion
from maillage.places.services import export_queryset, territory_by_code


class Command(BaseCommand):
    help = "Exporte les lieux publiés au format data·inclusion (structures.json et services.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="Dossier de sortie (créé si besoin)")
        parser.add_argument("--territory", help="Code INSEE (commune, département, région) ou SIREN (EPCI)")

    def handle(self, *args: Any, **options: Any) -> None:
        territory = None
        if options.get("territory"):
            territory = territory_by_code(options["territory"])
            if territory is None:
                raise CommandError(f"Territoire inconnu : {options['territory']}")
        directory = Path(options["directory"])
        directory.mkdir(parents=True, exist_ok=True)
        structures, services = data_inclusion.export(
            export_queryset(territory).filter(merged_into__isnull=True)
        )
        for name, rows in (("structures.json", structures), ("services.json", services)):
            temporary = directory / f".{name}.tmp"
            temporary.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
            temporary.replace(directory / name)  # all or nothing: never a half-written file
        record_change(
            actor=None,
            action=AuditAction.EXPORT,
            object_type="places.Place",
            territory_code=territory.code if territory else "",
            changes={"format": "data-inclusion", "structures": len(structures), "services": len(services)},
            message="Export data·inclusion",
        )
        self.stderr.write(
            f"{len(structures)} structure(s) et {len(services)} service(s) exportés dans {directory}."
        )
