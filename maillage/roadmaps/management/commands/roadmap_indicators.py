"""Census of a roadmap's indicators: computed by Maillage, « à relier » (a module still to come will
compute them), or typed because Maillage does not hold what they count."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from maillage.roadmaps.indicator_links import COMPUTED, FUTURE_METRICS, PENDING_LINK, TYPED, census
from maillage.roadmaps.models import Roadmap


class Command(BaseCommand):
    help = "Compte les indicateurs calculés par Maillage, à relier et saisis de chaque feuille de route."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "identifiants", nargs="*", help="Identifiants des feuilles de route (toutes par défaut)."
        )
        parser.add_argument("--detail", action="store_true", help="Lister chaque indicateur.")

    def handle(self, *args: Any, **options: Any) -> None:
        roadmaps = Roadmap.objects.order_by("slug")
        if options["identifiants"]:
            roadmaps = roadmaps.filter(slug__in=options["identifiants"])
            if roadmaps.count() != len(set(options["identifiants"])):
                raise CommandError("Feuille de route inconnue : vérifiez les identifiants.")
        for roadmap in roadmaps:
            rows, counts = census(roadmap)
            self.stdout.write(
                f"{roadmap.slug} : {len(rows)} indicateurs — {counts[COMPUTED]} calculés par Maillage, "
                f"{counts[PENDING_LINK]} à relier, {counts[TYPED]} saisis"
            )
            if options["detail"]:
                for row in rows:
                    note = ""
                    if row.state == PENDING_LINK:
                        note = (
                            f" → {row.metric} ({FUTURE_METRICS.get(row.metric, 'métrique non enregistrée')})"
                        )
                    elif row.state == COMPUTED:
                        note = f" → {row.metric}"
                    self.stdout.write(f"  {row.action:>5} [{row.state}] {row.label} ({row.kind}){note}")
