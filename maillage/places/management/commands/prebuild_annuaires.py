"""``maillage prebuild-annuaires``: queue the printed annuaires of territories before anyone asks.

The first visitor of a territory's annuaire otherwise waits for its build (« en préparation »). Run
it after a large import, or nightly, for the territories people print: a fresh annuaire is kept,
changes to places rebuild theirs by themselves (maillage/places/annuaire_files.py). The builds are
jobs: the worker (`maillage worker`) makes them; `/traitements/` shows them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.places import annuaire_files, pdf
from maillage.places.services import territory_by_code
from maillage.territories.models import Territory

#: Option value → territory kind (the kinds the annuaire page offers).
LEVELS = {slug: str(kind) for slug, kind in pdf.KINDS.items()}


class Command(BaseCommand):
    help = (
        "Met en file la production des annuaires imprimables de territoires (code INSEE de commune ou de "
        "département, SIREN d'EPCI), ou de tous les territoires d'un niveau qui ont des lieux publiés."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="Codes des territoires (46, 46102, 200035129…).")
        parser.add_argument(
            "--tous",
            choices=sorted(LEVELS),
            action="append",
            default=[],
            help="Tous les territoires de ce niveau qui ont des lieux publiés (répétable).",
        )
        parser.add_argument("--refaire", action="store_true", help="Refaire aussi les annuaires à jour.")

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = options["codes"]
        levels: list[str] = options["tous"]
        if not codes and not levels:
            raise CommandError("Indiquez des codes de territoires ou --tous commune|epci|departement.")
        territories: list[Territory] = []
        for code in codes:
            territory = territory_by_code(code)
            if territory is None or str(territory.kind) not in LEVELS.values():
                raise CommandError(f"Territoire inconnu ou sans annuaire : {code}")
            territories.append(territory)
        if levels:
            kinds = [LEVELS[level] for level in levels]
            counts = annuaire_files.place_counts(kinds)
            territories += list(
                Territory.objects.filter(kind__in=kinds, pk__in=counts).order_by("kind", "code")
            )
        outcome = annuaire_files.prebuild(territories, force=options["refaire"])
        labels = {
            "queued": "mis en file",
            "fresh": "déjà à jour",
            "pending": "déjà en file ou en cours",
            "too_large": f"trop grands (plus de {pdf.MAX_PLACES} lieux : choisir un niveau plus fin)",
            "empty": "sans lieu publié",
        }
        for key, label in labels.items():
            found = outcome[key]
            if found:
                shown = ", ".join(found[:20]) + (f" … (+{len(found) - 20})" if len(found) > 20 else "")
                self.stdout.write(f"{len(found)} annuaire(s) {label} : {shown}")
