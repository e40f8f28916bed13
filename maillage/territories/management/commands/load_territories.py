"""``maillage load-territories``: load the vendored régions, départements, EPCI and communes (offline)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from maillage.territories.services import DEFAULT_FILE, TerritoryFileError, load_territories


class Command(BaseCommand):
    help = (
        "Charge le référentiel des territoires (régions, départements, EPCI, communes) depuis le fichier "
        "fourni avec Maillage, sans réseau. Idempotent : relancé sur le même fichier, il ne change rien."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--file",
            dest="path",
            default=None,
            help=f"Fichier à charger (JSON, compressé gzip ou non). Par défaut : {DEFAULT_FILE.name}.",
        )
        parser.add_argument(
            "--departments",
            default=None,
            help="Ne charger que ces départements (codes séparés par des virgules, ex. 46,48).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Tout revérifier même si ce fichier a déjà été chargé.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_territories(
                path=options["path"], departments=options["departments"], force=options["force"]
            )
        except TerritoryFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] == 0:
            return
        lines = report.lines()
        for line in lines[:-1]:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(lines[-1]))
