"""`maillage purge` deletes old finished jobs (with their queue rows and leftover files) and demo e-mails."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from maillage.core import housekeeping
from maillage.core.models import Job, JobStatus, OutboxMessage

pytestmark = pytest.mark.django_db


def _job(status: str, *, days_ago: int, **params) -> Job:
    finished = timezone.now() - timedelta(days=days_ago) if status in housekeeping.FINISHED else None
    return Job.objects.create(
        kind="tests.noop", label="test", status=status, finished_at=finished, params=params
    )


def test_old_finished_jobs_and_demo_emails_go_the_rest_stays(settings) -> None:
    settings.JOB_RETENTION_DAYS = 30
    settings.DEMO_OUTBOX_RETENTION_DAYS = 7
    path = default_storage.save("imports/activites/reste.csv", ContentFile(b"a;b"))
    old_done = _job(JobStatus.SUCCEEDED, days_ago=40)
    old_failed = _job(JobStatus.FAILED, days_ago=31, path=path)
    recent = _job(JobStatus.FAILED, days_ago=2)
    waiting = _job(JobStatus.QUEUED, days_ago=0)
    Job.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=400))
    old_mail = OutboxMessage.objects.create(
        subject="Invitation", from_email="a@exemple.fr", to=["b@exemple.fr"], body="x"
    )
    OutboxMessage.objects.filter(pk=old_mail.pk).update(sent_at=timezone.now() - timedelta(days=8))
    OutboxMessage.objects.create(subject="Relance", from_email="a@exemple.fr", to=["c@exemple.fr"], body="y")

    counted = housekeeping.purge(now=timezone.now(), dry_run=True)
    assert counted[housekeeping.JOBS] == 2 and counted[housekeeping.OUTBOX] == 1
    assert Job.objects.count() == 4 and default_storage.exists(path)

    out = StringIO()
    call_command("purge", stdout=out)
    assert "core — traitements terminés : 2" in out.getvalue()
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not Job.objects.filter(pk__in=[old_done.pk, old_failed.pk]).exists()
    assert not default_storage.exists(path)
    assert list(OutboxMessage.objects.values_list("subject", flat=True)) == ["Relance"]


def test_finished_queue_entries_are_purged_with_their_jobs(settings) -> None:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if "django_tasks_db" not in settings.INSTALLED_APPS:
        pytest.skip("database queue not installed")
    settings.JOB_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    for status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.READY):
        DBTaskResult.objects.create(
            task_path="maillage.core.tasks.run_job",
            args_kwargs={"args": [], "kwargs": {"job_id": 1}},
            status=status,
            queue_name="default",
            backend_name="default",
            priority=0,
            finished_at=old if status == TaskResultStatus.SUCCESSFUL else None,
        )
    assert housekeeping.purge(now=timezone.now())[housekeeping.TASKS] == 1
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == [TaskResultStatus.READY]
