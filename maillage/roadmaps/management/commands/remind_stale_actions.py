"""Monthly (cron) e-mail digest to action leads of their actions without update for 3 months."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from maillage.roadmaps.reminders import send_stale_digests


class Command(BaseCommand):
    help = "Envoie aux porteurs d'action le rappel mensuel de leurs actions sans mise à jour depuis 3 mois."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Afficher sans envoyer.")

    def handle(self, *args: Any, **options: Any) -> None:
        digests = send_stale_digests(dry_run=options["dry_run"])
        verb = "à envoyer" if options["dry_run"] else "envoyé(s)"
        for d in digests:
            self.stdout.write(f"{d.recipient.email} — {d.roadmap.title} : {len(d.actions)} action(s)")
        self.stdout.write(f"{len(digests)} rappel(s) {verb}.")
