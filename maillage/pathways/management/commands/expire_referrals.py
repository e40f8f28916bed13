from django.core.management.base import BaseCommand

from maillage.pathways.workflow import expire_referrals


class Command(BaseCommand):
    help = (
        "Passe en « expirée » les orientations sans réponse après 30 jours (60 jours à l'étude) ; idempotent."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien modifier.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        count = expire_referrals(dry_run=options["dry_run"])
        verb = "à expirer" if options["dry_run"] else "expirée(s)"
        self.stdout.write(f"{count} orientation(s) {verb}.")
