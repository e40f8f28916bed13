"""``maillage refresh-opening-hours``: compute « ouvert maintenant » for this week and the next ones.

Optional (the first search of a week computes it): run it nightly so that no visitor waits for it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from maillage.places import open_now


class Command(BaseCommand):
    help = "Calcule les intervalles d'ouverture des lieux pour la semaine en cours et les suivantes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--semaines", type=int, default=2, help="Semaines à calculer d'avance (2).")

    def handle(self, *args: Any, **options: Any) -> None:
        count = open_now.refresh(options["semaines"])
        self.stdout.write(f"{count} intervalles d'ouverture à jour.")
