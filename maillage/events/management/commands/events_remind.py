"""Send the reminder of the sessions starting within two days (run daily by the scheduler)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from maillage.events.services import remind_upcoming


class Command(BaseCommand):
    help = "Rappel aux inscrits des sessions qui commencent dans les deux jours."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        count = remind_upcoming(days=options["days"])
        self.stdout.write(f"{count} rappel(s) mis en file d'envoi.")
