"""``maillage export-roadmap IDENTIFIANT [--format yaml|json] [--output FILE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.roadmaps.exchange.exporter import export_data, to_json, to_yaml
from maillage.roadmaps.models import Roadmap


class Command(BaseCommand):
    help = "Exporte une feuille de route au format d'échange (YAML par défaut)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifiant", help="Identifiant de la feuille de route (ou « all »)")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--output", help="Fichier (ou dossier si « all ») ; sortie standard par défaut")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = (
            list(Roadmap.objects.values_list("slug", flat=True))
            if options["identifiant"] == "all"
            else [options["identifiant"]]
        )
        for slug in slugs:
            roadmap = Roadmap.objects.filter(slug=slug).first()
            if roadmap is None:
                raise CommandError(f"Feuille de route « {slug} » introuvable.")
            data = export_data(roadmap)
            text = to_json(data) if options["format"] == "json" else to_yaml(data)
            output = options["output"]
            if not output:
                self.stdout.write(text)
                continue
            path = Path(output)
            if path.is_dir():
                path = path / f"{slug}.{options['format']}"
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"Écrit : {path}")
