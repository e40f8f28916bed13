"""Background jobs (maillage.core.jobs): report, retries, all-or-nothing, recovery, who sees them.

The immediate backend runs each job inside ``enqueue``; the real queue and a killed worker are tested
in tests/core/test_worker.py.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from maillage.accounts.models import Organisation
from maillage.core import jobs
from maillage.core.models import Job, JobStatus

CALLS: list[str] = []


@jobs.job("tests.count", label="Compter", max_attempts=3)
def count_job(ctx: jobs.JobContext, *, n: int, fail_times: int = 0, name: str = "") -> dict[str, Any]:
    CALLS.append(name)
    ctx.progress("Comptage", 0, n)
    if name:
        Organisation.objects.create(name=name)  # undone if the attempt fails
    if CALLS.count(name) <= fail_times:
        raise RuntimeError("panne passagère")
    ctx.progress("Comptage", n, n, force=True)
    return {"compté": n}


@jobs.job("tests.invalid", label="Refusé")
def invalid_job(ctx: jobs.JobContext) -> None:
    Organisation.objects.create(name="À moitié")
    raise ValidationError("La ligne 3 n'a pas de code INSEE.")


@pytest.fixture(autouse=True)
def _reset_calls():  # noqa: PT004
    CALLS.clear()


def test_a_job_runs_and_keeps_its_report(db, lot_coordinator):
    job = jobs.enqueue(count_job, actor=lot_coordinator, territory_code="46", n=5)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"compté": 5}
    assert (job.stage, job.done, job.total, job.attempts) == ("Comptage", 5, 5, 1)
    assert job.created_by == lot_coordinator and job.task_id


def test_a_failing_job_is_retried_and_leaves_nothing_of_failed_attempts(db):
    job = jobs.enqueue(count_job, n=1, fail_times=2, name="Essai")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 3
    assert Organisation.objects.filter(name="Essai").count() == 1  # two failed attempts rolled back


def test_a_job_failing_every_time_is_marked_failed_in_french(db):
    job = jobs.enqueue(count_job, n=1, fail_times=5, name="Toujours")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 3
    assert "échoué de façon inattendue" in job.error and str(job.pk) in job.error
    assert not Organisation.objects.filter(name="Toujours").exists()


def test_bad_input_fails_at_once_with_its_message(db):
    job = jobs.enqueue(invalid_job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert job.error == "La ligne 3 n'a pas de code INSEE."
    assert not Organisation.objects.filter(name="À moitié").exists()


def _interrupted(attempts: int) -> Job:
    return Job.objects.create(
        kind="tests.count",
        label="Compter",
        status=JobStatus.RUNNING,
        params={"n": 2},
        attempts=attempts,
        max_attempts=3,
        worker=f"{socket.gethostname()}:999999999:deadbeef",  # no such process
    )


def test_a_job_of_a_dead_worker_is_run_again(db):
    job = _interrupted(attempts=1)
    assert [j.pk for j in jobs.recover_interrupted()] == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2 and job.result == {"compté": 2}
    assert "interrompu" in job.error or job.error == ""


def test_a_job_interrupted_on_its_last_attempt_is_failed_in_french(db):
    job = _interrupted(attempts=3)
    jobs.recover_interrupted()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "interrompu" in job.error and "rien n'a été enregistré à moitié" in job.error


def test_a_running_job_of_a_live_worker_is_left_alone(db):
    job = _interrupted(attempts=1)
    Job.objects.filter(pk=job.pk).update(worker=jobs.WORKER_ID)
    assert jobs.recover_interrupted() == []


def test_the_job_page_shows_progress_to_who_may_see_it(
    client, db, lot_coordinator, lot_mediator, lozere_coordinator
):
    job = jobs.enqueue(count_job, actor=lot_mediator, territory_code="46", n=3)
    for user, status in ((lot_mediator, 200), (lot_coordinator, 200), (lozere_coordinator, 404)):
        client.force_login(user)
        assert client.get(reverse("job", args=[job.pk])).status_code == status
    client.force_login(lot_mediator)
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "Terminé" in page and "compté" in page
    data = client.get(reverse("job", args=[job.pk]), headers={"accept": "application/json"}).json()
    assert data["status"] == "succeeded" and data["result"] == {"compté": 3}
    listing = client.get(reverse("jobs")).content.decode()
    assert "Compter" in listing
    # Removed from the team: their own past jobs close with the rest (404, like every page of a role).
    lot_mediator.memberships.update(is_active=False)
    assert client.get(reverse("jobs")).status_code == 404
    assert client.get(reverse("job", args=[job.pk])).status_code == 404


def test_the_queue_lag_is_the_age_of_the_oldest_waiting_job(db):
    assert jobs.queue_lag_seconds() is None
    Job.objects.create(kind="tests.count", label="x", status=JobStatus.QUEUED)
    lag = jobs.queue_lag_seconds()
    assert lag is not None and lag >= 0
