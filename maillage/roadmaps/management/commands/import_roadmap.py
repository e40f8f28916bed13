"""``maillage import-roadmap FILE [--territoire CODE]``: import a roadmap (YAML or JSON), all-or-nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.roadmaps.exchange.importer import RoadmapImportError, import_file
from maillage.territories.models import Territory


class Command(BaseCommand):
    help = (
        "Importe une feuille de route (YAML ou JSON, voir docs/roadmap-format.md). Tout ou rien, idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Fichier(s) .yaml / .json")
        parser.add_argument("--territoire", help="Code du territoire (remplace celui du fichier)")
        parser.add_argument("--niveau", default="department", help="Niveau du territoire (department, epci…)")

    def handle(self, *args: Any, **options: Any) -> None:
        territory = None
        if options["territoire"]:
            territory = Territory.objects.filter(kind=options["niveau"], code=options["territoire"]).first()
            if territory is None:
                raise CommandError(f"Territoire {options['territoire']} introuvable.")
        for path in options["files"]:
            try:
                result = import_file(path, territory=territory)
            except RoadmapImportError as exc:
                raise CommandError(
                    f"{path} : import refusé, rien n'a été écrit.\n" + "\n".join(exc.errors)
                ) from None
            except OSError as exc:
                raise CommandError(f"{path} : {exc.strerror}") from None
            verb = "créée" if result.created else "mise à jour"
            counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
            self.stdout.write(f"Feuille de route « {result.roadmap.slug} » importée ({verb}) : {counts}.")
