from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from maillage.core.audit import record_change
from maillage.core.retention import purge_all


class Command(BaseCommand):
    help = "Anonymise les données personnelles dont la durée de conservation est dépassée."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien modifier.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        dry_run = options["dry_run"]
        with transaction.atomic():
            results = purge_all(now=timezone.now(), dry_run=dry_run)
            if not dry_run:
                record_change(
                    actor=None,
                    action="anonymise",
                    object_type="retention",
                    object_id="purge",
                    changes=results,
                )
        for app_label, counts in results.items():
            for kind, count in counts.items():
                verb = "à anonymiser" if dry_run else "anonymisé(s)"
                self.stdout.write(f"{app_label} — {kind} : {count} {verb}")
        if not results:
            self.stdout.write("Aucune règle de conservation n'est définie.")
