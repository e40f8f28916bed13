"""``maillage import-places FILE [--territory CODE] [--source NAME]``: import a standard CSV/JSON file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from maillage.places.choices import ImportStatus
from maillage.places.services import places_import, territory_by_code


class Command(BaseCommand):
    help = (
        "Importe un fichier CSV ou JSON au standard des lieux de médiation numérique (v1.0.2). "
        "Tout ou rien : un fichier invalide n'enregistre rien et le statut de sortie est non nul."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Fichier .csv ou .json")
        parser.add_argument(
            "--territory",
            help="Code INSEE (commune, département) ou SIREN (EPCI) : chaque lieu doit s'y trouver.",
        )
        parser.add_argument(
            "--source", default="", help="Source pour les lignes dont la colonne source est vide."
        )
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        territory = None
        if options.get("territory"):
            territory = territory_by_code(options["territory"])
            if territory is None:
                raise CommandError(f"Territoire inconnu : {options['territory']}")
        data = path.read_bytes()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # batch work: lift the web request time limits
                cursor.execute("SET statement_timeout = 0; SET lock_timeout = '60s'")
        bar = tqdm(unit=" lignes", file=sys.stderr, disable=options["no_progress"], desc="Lecture")

        current = {"stage": ""}

        def progress(stage: str, done: int, total: int) -> None:
            if bar.disable:
                return
            if current["stage"] != stage:
                current["stage"] = stage
                bar.reset(total=total)
                bar.set_description(stage)
            bar.n = done
            bar.refresh()

        try:
            job = places_import(
                data=data,
                filename=path.name,
                territory=territory,
                source=options["source"],
                progress=progress,
            )
        finally:
            bar.close()
        report = job.report
        unit = "Ligne" if job.file_format != "json" else "Élément"
        shown = report.get("errors", []) if options["verbosity"] >= 2 else report.get("errors", [])[:50]
        for issue in shown:
            where = f"{unit} {issue['line']}" if issue["line"] else "Fichier"
            column = f", colonne « {issue['column']} »" if issue["column"] else ""
            value = f" (valeur : « {issue['value']} »)" if issue.get("value") else ""
            self.stderr.write(f"{where}{column} : {issue['message']}{value}")
        if report.get("error_total", 0) > len(shown):
            self.stderr.write(
                f"… et {report['error_total'] - len(shown)} autres erreurs (toutes les erreurs avec -v 2 "
                "ou sur la page d'import)."
            )
        if options["verbosity"] >= 2:
            for issue in report.get("warnings", []):
                self.stdout.write(
                    f"Avertissement {unit.lower()} {issue['line']}, {issue['column']} : {issue['message']}"
                )
        elif report.get("warning_total"):
            self.stdout.write(f"{report['warning_total']} avertissement(s) (détail avec -v 2).")
        if job.status == ImportStatus.REFUSED:
            raise CommandError(report.get("message", "Import refusé."), returncode=2)
        self.stdout.write(report.get("message", ""))
