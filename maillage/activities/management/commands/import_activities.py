from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from maillage.accounts.models import User
from maillage.activities import importer


class Command(BaseCommand):
    help = (
        "Importe un export XLSX « Liste des accompagnements » de la Coop ou le modèle CSV de Maillage "
        "(tout ou rien, idempotent sur l'identifiant de l'activité)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="Fichier .xlsx ou .csv")
        parser.add_argument("--mediator", required=True, help="E-mail du ou de la médiateur·rice concerné·e")
        parser.add_argument("--max-rows", type=int, default=importer.MAX_ROWS)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"Fichier introuvable : {path}")
        mediator = User.objects.filter(email=options["mediator"].lower()).first()
        if mediator is None:
            raise CommandError(f"Aucun compte pour {options['mediator']}")
        content = path.read_bytes()
        try:
            result = importer.import_activities(
                actor=None,
                mediator=mediator,
                content=content,
                filename=path.name,
                max_rows=options["max_rows"],
                max_bytes=max(importer.MAX_BYTES, len(content)),
            )
        except importer.ImportFailed as failure:
            for message in importer.iter_errors(failure.errors):
                self.stderr.write(message)
            raise CommandError(
                f"Import annulé : {len(failure.errors)} erreur(s), aucune ligne écrite."
            ) from failure
        self.stdout.write(
            f"{result.created} créée(s), {result.updated} mise(s) à jour, {result.unchanged} inchangée(s)."
        )
