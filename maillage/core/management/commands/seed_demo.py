import importlib

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from maillage.core.demo import DEMO_APPS, DEMO_DEPARTMENT_CODE, DEMO_PASSWORD, DemoContext
from maillage.territories.models import Territory, TerritoryKind


class Command(BaseCommand):
    help = "Charge les données de démonstration (fictives) sur le Lot ; idempotent."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        department = Territory.objects.filter(
            kind=TerritoryKind.DEPARTMENT, code=DEMO_DEPARTMENT_CODE
        ).first()
        if department is None:
            raise CommandError(
                "Les territoires ne sont pas chargés : lancez d'abord « maillage load-territories »."
            )
        ctx = DemoContext(department=department)
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"maillage.{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"maillage.{app}.demo":
                    raise
                continue
            # Demo notifications (e.g. referrals sent to places) are not delivered anywhere.
            with (
                transaction.atomic(),
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            ):
                module.seed(ctx)
            self.stdout.write(f"Démo « {app} » chargée.")
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes (fictives)."))
        self.stdout.write(f"Mot de passe de tous les comptes de démo : {DEMO_PASSWORD}")
        for role, user in ctx.users.items():
            self.stdout.write(f"  {role:>12} : {user.email}")
