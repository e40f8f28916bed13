"""The one django-tasks task: run a ``maillage.core.jobs`` job by id (the job row carries the rest)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> None:
    from maillage.core import jobs

    jobs.run(job_id)
