"""``maillage compute-observatory``: recompute fragility indices and distances to the nearest places."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from maillage.observatory.access import compute_access
from maillage.observatory.management.commands._common import lift_time_limits
from maillage.observatory.services import compute_fragility, import_mednum_reference


class Command(BaseCommand):
    help = (
        "Recalcule les indices de fragilité (IFN compatible, inspiré de Compas) et les distances de chaque "
        "commune au lieu le plus proche de chaque type. --mednum importe aussi la couche de référence de "
        "La MedNum livrée avec Maillage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mednum", action="store_true", help="Importer la couche de référence MedNum.")
        parser.add_argument("--departments", default="", help="Distances : seulement ces départements.")

    def handle(self, *args: Any, **options: Any) -> None:
        lift_time_limits()
        if options["mednum"]:
            for result in import_mednum_reference():
                for line in result.lines:
                    self.stdout.write(line)
        start = time.perf_counter()
        counts = compute_fragility()
        self.stdout.write(
            f"Indices de fragilité : {counts['communes']} communes ({time.perf_counter() - start:.1f} s)."
        )
        start = time.perf_counter()
        codes = [c.strip().upper() for c in options["departments"].split(",") if c.strip()]
        total = compute_access(department_codes=codes or None)
        self.stdout.write(f"Distances aux lieux : {total} communes ({time.perf_counter() - start:.1f} s).")
