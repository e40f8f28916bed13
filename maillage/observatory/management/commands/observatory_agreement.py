"""``maillage observatory-agreement [--departments 46,48]``: computed IFN against La MedNum's, per département."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from maillage.observatory.services import agreement
from maillage.territories.models import Territory


class Command(BaseCommand):
    help = (
        "Compare l'indice de fragilité calculé à celui de La MedNum, département par département : "
        "corrélation de rang (Spearman), part des communes à un point ou moins, écart moyen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--departments", default="", help="Codes séparés par des virgules (défaut : tous)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes = [c.strip().upper() for c in options["departments"].split(",") if c.strip()]
        departments = Territory.objects.departments().order_by("code")
        if codes:
            departments = departments.filter(code__in=codes)
        self.stdout.write("département;communes comparées;Spearman;part à ±1 point (%);écart moyen")
        for department in departments:
            a = agreement(department)
            if not a.communes:
                continue
            rho = "" if a.spearman is None else f"{a.spearman:.3f}"
            self.stdout.write(
                f"{department.code} {department.name};{a.communes};{rho};{a.within_one:.1f};{a.mean_abs_diff:.2f}"
            )
