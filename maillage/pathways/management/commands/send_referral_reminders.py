from django.core.management.base import BaseCommand

from maillage.pathways.workflow import send_reminders


class Command(BaseCommand):
    help = "Relance les lieux pour les orientations sans réponse depuis 10 jours (à lancer chaque jour) ; idempotent."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--dry-run", action="store_true", help="Compter sans envoyer.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        count = send_reminders(dry_run=options["dry_run"])
        verb = "à relancer" if options["dry_run"] else "relancée(s)"
        self.stdout.write(f"{count} orientation(s) {verb}.")
