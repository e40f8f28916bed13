"""Daily (cron) e-mail digest of the funding opportunities whose deadline comes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from maillage.funding.reminders import send_deadline_digests


class Command(BaseCommand):
    help = "Envoie aux coordinateurs et porteurs d'action le rappel des dates limites de financement proches."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Afficher sans envoyer.")

    def handle(self, *args: Any, **options: Any) -> None:
        digests = send_deadline_digests(dry_run=options["dry_run"])
        verb = "à envoyer" if options["dry_run"] else "envoyé(s)"
        for d in digests:
            self.stdout.write(f"{d.recipient.email} : {len(d.opportunities)} opportunité(s)")
        self.stdout.write(f"{len(digests)} rappel(s) {verb}.")
