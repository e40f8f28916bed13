"""The core's share of ``maillage purge`` (maillage.core.retention): finished background jobs and the demo
outbox, kept for a number of days set in the settings.

- ``JOB_RETENTION_DAYS`` (90): jobs finished (done or failed) before that are deleted with their queue
  entries, and any uploaded file a failed import left in the media storage (``params["path"]``). Jobs
  waiting or running are never touched.
- ``DEMO_OUTBOX_RETENTION_DAYS`` (14): e-mails kept by the « Boîte d'envoi (démo) » (addresses and signed
  links) are deleted after that.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage

from maillage.core.models import Job, JobStatus, OutboxMessage

logger = logging.getLogger("maillage.housekeeping")

FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)
# Kinds of records, as `maillage purge` prints them.
JOBS = "traitements terminés"
TASKS = "entrées terminées de la file de tâches"
OUTBOX = "courriels de la boîte d'envoi (démo)"
FILES = "fichiers déposés laissés par un traitement"
_CHUNK = 500


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    job_cutoff = now - timedelta(days=settings.JOB_RETENTION_DAYS)
    outbox_cutoff = now - timedelta(days=settings.DEMO_OUTBOX_RETENTION_DAYS)
    jobs = Job.objects.filter(status__in=FINISHED, finished_at__lt=job_cutoff)
    outbox = OutboxMessage.objects.filter(sent_at__lt=outbox_cutoff)
    tasks = _task_results(job_cutoff)
    counts = {
        JOBS: jobs.count(),
        TASKS: tasks.count() if tasks is not None else 0,
        OUTBOX: outbox.count(),
        FILES: 0,
    }
    if dry_run:
        return counts
    counts[FILES] = _delete_job_files(jobs)
    while True:
        ids = list(jobs.values_list("pk", flat=True)[:_CHUNK])
        if not ids:
            break
        Job.objects.filter(pk__in=ids).delete()
    if tasks is not None:
        tasks.delete()
    outbox.delete()
    return counts


def _task_results(cutoff: datetime):  # type: ignore[no-untyped-def]
    """django-tasks' own rows of finished tasks (None when the database backend is not installed)."""
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return None
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
    )


def _delete_job_files(jobs: object) -> int:
    """Uploaded files still named by the jobs (a successful import deletes its own; a failed one may not)."""
    deleted = 0
    for params in jobs.values_list("params", flat=True).iterator():  # type: ignore[attr-defined]
        path = params.get("path") if isinstance(params, dict) else None
        if not isinstance(path, str) or not path.startswith("imports/"):
            continue
        try:
            if default_storage.exists(path):
                default_storage.delete(path)
                deleted += 1
        except OSError:
            logger.warning("Could not delete %s", path)
    return deleted
