"""``maillage worker``: run background jobs (django-tasks' ``db_worker``), after recovering the jobs
that a killed worker left « running »."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from maillage.core import jobs


class Command(DbWorkerCommand):
    help = (
        "Exécute les traitements en arrière-plan (imports, PDF, courriels). Au démarrage, les "
        "traitements interrompus par l'arrêt brutal d'un processus sont relancés ou marqués en échec."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for record in jobs.recover_interrupted():
            self.stderr.write(f"Traitement {record.pk} ({record.kind}) interrompu : repris en charge.")
        options.setdefault("reload", False)
        _load_layout_library()
        super().handle(*args, **options)


def _load_layout_library() -> None:
    """Import WeasyPrint once at start: its import looks its C libraries up (ldconfig, gcc), 0.5–0.9 s
    of CPU that the first PDF job (a bilan, an annuaire) would otherwise pay."""
    import weasyprint  # noqa: F401, PLC0415
