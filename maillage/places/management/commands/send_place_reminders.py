from django.core.management.base import BaseCommand

from maillage.places.campaigns import send_second_reminders


class Command(BaseCommand):
    help = (
        "Seconde relance des lieux restés sans réponse 14 jours après une relance de mise à jour "
        "(à lancer chaque jour) ; idempotent."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--dry-run", action="store_true", help="Compter sans envoyer.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        count = send_second_reminders(dry_run=options["dry_run"])
        verb = "à relancer" if options["dry_run"] else "relancé(s)"
        self.stdout.write(f"{count} lieu(x) {verb} une seconde fois.")
