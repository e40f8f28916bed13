"""``maillage refresh-standard-documents``: store again the open-data items the API serves (after an
upgrade that changed the serialiser; the migration that added them ran it once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from maillage.places.interop.documents import refresh_documents
from maillage.places.models import Place


class Command(BaseCommand):
    help = "Réécrit l'élément de données ouvertes stocké de chaque lieu dont il manque ou est d'une autre version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Réécrire tous les lieux, même à jour.")

    def handle(self, *args: Any, **options: Any) -> None:
        written = refresh_documents(Place, force=options["all"])
        self.stdout.write(f"{written} lieu(x) mis à jour.")
