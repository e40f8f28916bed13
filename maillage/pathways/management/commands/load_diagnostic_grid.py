from django.core.management.base import BaseCommand, CommandError

from maillage.pathways.grid import GridError
from maillage.pathways.services import load_grid


class Command(BaseCommand):
    help = (
        "Charge une version de la grille de diagnostic (maillage/pathways/grids/<version>.json) ; idempotent."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("version", help="Version, par exemple 2026.1")
        parser.add_argument("--current", action="store_true", help="En faire la version en vigueur.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            grid, created = load_grid(version=options["version"], make_current=options["current"])
        except (GridError, FileNotFoundError) as exc:
            raise CommandError(f"Grille invalide : {exc}") from exc
        state = "chargée" if created else "déjà présente"
        self.stdout.write(f"Grille {grid.version} {state}{' (en vigueur)' if grid.is_current else ''}.")
