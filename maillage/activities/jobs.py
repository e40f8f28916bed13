"""Background jobs of the activities context (imported by the worker, maillage.core.jobs).

The web imports run here: the page stores the file (or, for a team export, the coordinator's mapping of
its mediators, checked on the page) and shows the job's progress, then its report. The importer stays
all-or-nothing and idempotent, so a retry after a crash (or a killed worker) starts afresh; a refused file
is a report listing its errors by line and column, not a failure to retry.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from maillage.core import jobs
from maillage.core.models import Job

#: Errors kept in the job's report (the total is always exact).
REPORT_LIMIT = 500


def _refused(failure: Any) -> dict[str, Any]:
    from maillage.activities import importer

    errors = importer.iter_errors(failure.errors)
    return {"refused": True, "errors": errors[:REPORT_LIMIT], "error_total": len(errors)}


def _counts(result: Any) -> dict[str, Any]:
    return {
        "refused": False,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rows": result.rows,
        "skipped": result.skipped,
    }


@jobs.job(
    "activities.import",
    label=_("Import d'activités"),
    max_attempts=3,
    atomic=False,  # import_activities() is all-or-nothing itself (one transaction for the writes)
    report_template="activities/import_job_report.html",
)
def import_activities_job(
    ctx: jobs.JobContext, *, path: str, filename: str, actor_id: int, mediator_id: int
) -> dict[str, Any]:
    from maillage.accounts.models import User
    from maillage.activities import importer

    actor = User.objects.filter(pk=actor_id).first()
    mediator = User.objects.filter(pk=mediator_id).first()
    if actor is None or mediator is None:
        raise jobs.JobError(
            gettext("Le compte qui a déposé ce fichier n'existe plus : rien n'a été importé.")
        )
    with default_storage.open(path, "rb") as handle:
        content = handle.read()
    ctx.progress(_("Lecture, vérification et écriture des activités"), force=True)
    try:
        result = importer.import_activities(
            actor=actor, mediator=mediator, content=content, filename=filename
        )
    except importer.ImportFailed as failure:
        report = _refused(failure)
    else:
        report = _counts(result)
    default_storage.delete(path)
    return report


def start_import(*, content: bytes, filename: str, user: Any) -> Job:
    """Store a mediator's uploaded file and queue its import; returns the job the page follows."""
    safe_name = "".join(c if c.isalnum() or c in ".-_" else "_" for c in filename)[-80:] or "fichier"
    from maillage.activities.services import _mediator_department

    path = default_storage.save(f"imports/activites/{uuid.uuid4().hex}-{safe_name}", ContentFile(content))
    department = _mediator_department(user)
    return jobs.enqueue(
        import_activities_job,
        actor=user,
        territory_code=department.code if department is not None else "",  # its coordinators see it too
        label=gettext("Import d'activités : %(name)s") % {"name": filename[:120]},
        path=path,
        filename=filename,
        actor_id=user.pk,
        mediator_id=user.pk,
    )


@jobs.job(
    "activities.team_import",
    label=_("Import des activités d'une équipe"),
    max_attempts=3,
    atomic=False,  # team.confirm() writes in one transaction
    report_template="activities/import_job_report.html",
)
def import_team_job(
    ctx: jobs.JobContext, *, pending_id: int, coordinator_id: int, choices: dict[str, str]
) -> dict[str, Any]:
    from maillage.accounts.models import User
    from maillage.activities import importer, team
    from maillage.activities.models import PendingTeamImport

    coordinator = User.objects.filter(pk=coordinator_id).first()
    pending = PendingTeamImport.objects.filter(pk=pending_id, coordinator_id=coordinator_id).first()
    if coordinator is None or pending is None:
        raise jobs.JobError(
            gettext(
                "Le fichier de l'équipe n'est plus disponible (il est gardé %(hours)s heures, ou il a déjà été "
                "importé) : déposez-le à nouveau."
            )
            % {"hours": team.PENDING_HOURS}
        )
    ctx.progress(_("Lecture, vérification et écriture des activités de l'équipe"), force=True)
    try:
        result = team.confirm(coordinator=coordinator, pending=pending, choices=choices)
    except importer.ImportFailed as failure:
        return {**_refused(failure), "team": True}
    return {**_counts(result), "team": True}


def start_team_import(*, coordinator: Any, pending: Any, choices: dict[str, str]) -> Job:
    """Queue the import of a held team export with the coordinator's (checked) choices."""
    return jobs.enqueue(
        import_team_job,
        actor=coordinator,
        label=gettext("Import d'équipe : %(name)s") % {"name": pending.filename[:120]},
        pending_id=pending.pk,
        coordinator_id=coordinator.pk,
        choices=dict(choices),
    )
