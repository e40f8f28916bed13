"""Background jobs: long work out of the web requests, on django-tasks' database queue.

The API other apps use (documented in docs/operations.md, « Traitements en arrière-plan »)::

    # maillage/<app>/jobs.py — discovered by the worker
    from maillage.core import jobs

    @jobs.job("places.import", label=_("Import de lieux"), max_attempts=3)
    def import_places(ctx: jobs.JobContext, *, upload_id: int) -> dict[str, Any]:
        ctx.progress(_("Lecture"), done=0, total=25_000)  # stage, counters (throttled writes)
        ...
        return {"created": 12}  # JSON: the report, kept in Job.result

    # in a view or a service
    job = jobs.enqueue(import_places, actor=request.user, territory_code="46", upload_id=upload.pk)
    return redirect(job.get_absolute_url())  # the job page shows progress, then the report or the error

Guarantees:
- The job row and the queue entry are written in the caller's transaction: no job is lost or run twice
  because the request failed after enqueueing.
- A job function runs in one transaction (``atomic=True``, the default): if it raises, nothing it wrote
  stays. Functions that manage their own transactions (imports, which are all-or-nothing themselves)
  declare ``atomic=False``.
- A failure is retried (``max_attempts``, growing delay) unless it is a ``ValidationError``/``JobError``
  (bad input: retrying would not help); the French message is kept in ``Job.error``.
- A worker killed mid-way (SIGKILL, out of memory, reboot) leaves the job « running »: the next worker
  that starts (``maillage worker``) finds it (dead process on this host, or no sign of life for
  ``JOB_HEARTBEAT_TIMEOUT_S``), and queues it again or, after the last attempt, marks it failed with a
  French message. Its transaction died with the process: nothing is half-written.

In tests the immediate backend runs the job inside ``enqueue``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from maillage.core.models import Job, JobStatus

logger = logging.getLogger("maillage.jobs")

#: Identity of this process, written on the jobs it runs: "host:pid:token".
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

RETRY_DELAYS_S = (10, 60, 300)


class JobError(Exception):
    """A failure with a French message for the person who asked; never retried."""


@dataclass(frozen=True)
class JobSpec:
    kind: str
    label: str
    func: Callable[..., Any]
    max_attempts: int
    atomic: bool
    report_template: str = ""
    private_params: bool = False


_REGISTRY: dict[str, JobSpec] = {}


def job(
    kind: str,
    *,
    label: Any,
    max_attempts: int = 3,
    atomic: bool = True,
    report_template: str = "",
    private_params: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a job function ``func(ctx, **params) -> JSON report``; ``params`` must be JSON.

    ``report_template`` renders ``Job.result`` on the job page (context: ``job``, ``report``).
    ``private_params``: the parameters hold personal data (an e-mail's addresses and body); they are
    erased as soon as the job is over (done, or failed for good), so the queue keeps no copy.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        existing = _REGISTRY.get(kind)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"Job kind {kind!r} is declared twice")
        _REGISTRY[kind] = JobSpec(
            kind, str(label), func, max_attempts, atomic, report_template, private_params
        )
        func.job_kind = kind  # type: ignore[attr-defined]
        return func

    return register


def spec_for(kind: str) -> JobSpec:
    if kind not in _REGISTRY:
        autodiscover_modules("jobs")
    return _REGISTRY[kind]


def find_spec(kind: str) -> JobSpec | None:
    try:
        return spec_for(kind)
    except KeyError:
        return None


def enqueue(
    func: Callable[..., Any],
    *,
    actor: Any = None,
    territory_code: str = "",
    label: str = "",
    **params: Any,
) -> Job:
    """Create the job row and queue it, in the caller's transaction. Returns the ``Job``."""
    kind = getattr(func, "job_kind", None)
    if kind is None:
        raise TypeError(f"{func!r} is not declared with @jobs.job")
    spec = spec_for(kind)
    with transaction.atomic():
        record = Job.objects.create(
            kind=kind,
            label=label or spec.label,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            territory_code=territory_code,
            params=params,
            max_attempts=spec.max_attempts,
        )
        _queue(record)
    record.refresh_from_db()
    return record


def _queue(record: Job, *, delay_s: int = 0) -> None:
    from maillage.core.tasks import run_job

    task = run_job
    if delay_s and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay_s))
    result = task.enqueue(job_id=record.pk)
    Job.objects.filter(pk=record.pk).update(task_id=str(result.id)[:64])


class JobContext:
    """Given to a job function: its ``Job`` row, and ``progress()`` to report how far it got."""

    def __init__(self, record: Job) -> None:
        self.job = record
        self._last_write = 0.0
        self._last_stage = ""

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.job.params)

    def progress(self, stage: Any, done: int = 0, total: int | None = None, *, force: bool = False) -> None:
        """Record the stage and counters (at most twice a second, always on a new stage).

        Written on the job's own connection: inside a transaction the coordinator sees it when that
        transaction commits, so long jobs report their reading/checking stages before they write.
        """
        stage = str(stage)
        now = time.monotonic()
        if not force and stage == self._last_stage and now - self._last_write < 0.5:
            return
        self._last_stage, self._last_write = stage, now
        Job.objects.filter(pk=self.job.pk).update(
            stage=stage[:120], done=max(0, done), total=total, heartbeat_at=timezone.now()
        )


def french_message(error: BaseException, record: Job) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    if isinstance(error, JobError):
        return str(error)
    return _(
        "Le traitement a échoué de façon inattendue (référence : traitement %(pk)s). "
        "L'équipe technique peut retrouver le détail dans le journal du serveur."
    ) % {"pk": record.pk}


def run(job_id: int) -> None:
    """Run one job (called by the task worker). Never raises: the outcome is written on the job."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        worker=WORKER_ID,
    )
    if not claimed:
        return  # already run, or being run by another worker
    record = Job.objects.get(pk=job_id)
    try:
        spec = spec_for(record.kind)
    except KeyError:
        _finish(record, failed=_("Type de traitement inconnu : %(k)s.") % {"k": record.kind})
        return
    context = JobContext(record)
    try:
        if spec.atomic:
            with transaction.atomic():
                report = spec.func(context, **record.params)
        else:
            report = spec.func(context, **record.params)
    except Exception as error:  # noqa: BLE001 — every failure is recorded on the job
        message = french_message(error, record)
        permanent = isinstance(error, ValidationError | JobError)
        if not permanent:
            logger.exception("Job %s (%s) failed, attempt %s", record.pk, record.kind, record.attempts)
        if not permanent and record.attempts < record.max_attempts:
            _retry(record, message)
        else:
            _finish(record, failed=message)
        return
    _finish(record, report=report)


def _finish(record: Job, *, report: Any = None, failed: str = "") -> None:
    values: dict[str, Any] = {"finished_at": timezone.now(), "heartbeat_at": timezone.now()}
    spec = find_spec(record.kind)
    if spec is not None and spec.private_params:
        values["params"] = {}
    if failed:
        values.update(status=JobStatus.FAILED, error=failed)
    else:
        values.update(status=JobStatus.SUCCEEDED, result=report, error="")
        values["done"] = F("total") if record.total else F("done")
    Job.objects.filter(pk=record.pk).update(**values)


def _retry(record: Job, message: str) -> None:
    delay = RETRY_DELAYS_S[min(record.attempts, len(RETRY_DELAYS_S)) - 1]
    note = _("%(m)s Nouvelle tentative (%(n)s sur %(max)s) dans %(s)s s.") % {
        "m": message,
        "n": record.attempts + 1,
        "max": record.max_attempts,
        "s": delay,
    }
    with transaction.atomic():
        Job.objects.filter(pk=record.pk).update(status=JobStatus.QUEUED, error=note, task_id="")
        _queue(record, delay_s=delay)


def _process_is_gone(worker: str) -> bool:
    """True when ``worker`` ran on this host and its process is not alive (or is us: a restart)."""
    host, _sep, rest = worker.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if worker == WORKER_ID:
        return False
    if pid == os.getpid():
        return True  # same pid, other token: a restarted container reusing the pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_interrupted(*, now: Any = None) -> list[Job]:
    """Jobs left « running » by a dead worker: queued again, or failed after the last attempt."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT_S)
    running = Job.objects.filter(status=JobStatus.RUNNING)
    interrupted = [
        j for j in running if _process_is_gone(j.worker) or (j.heartbeat_at and j.heartbeat_at < stale_before)
    ]
    for record in interrupted:
        _abandon_task(record.task_id)
        if record.attempts < record.max_attempts:
            note = _(
                "Le traitement a été interrompu (arrêt du processus de tâches) ; rien n'a été enregistré "
                "à moitié. Il a été relancé (tentative %(n)s sur %(max)s)."
            ) % {"n": record.attempts + 1, "max": record.max_attempts}
            with transaction.atomic():
                changed = Job.objects.filter(pk=record.pk, status=JobStatus.RUNNING).update(
                    status=JobStatus.QUEUED, error=note, task_id=""
                )
                if changed:
                    _queue(record)
            logger.warning("Job %s interrupted: queued again", record.pk)
        else:
            message = _(
                "Le traitement a été interrompu (arrêt du processus de tâches) après %(n)s tentatives ; "
                "rien n'a été enregistré à moitié. Relancez-le."
            ) % {"n": record.attempts}
            spec = find_spec(record.kind)
            private: dict[str, Any] = {"params": {}} if spec is not None and spec.private_params else {}
            Job.objects.filter(pk=record.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, error=message, finished_at=now, **private
            )
            logger.warning("Job %s interrupted: failed after %s attempts", record.pk, record.attempts)
    return interrupted


def _abandon_task(task_id: str) -> None:
    if not task_id or "django_tasks_db" not in settings.INSTALLED_APPS:
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )


def jobs_visible_to(user: Any, kinds: Iterable[str] | None = None) -> QuerySet[Job]:
    """Jobs the user asked for, and those of the territories they coordinate."""
    from maillage.core.permissions import grants_revoked, territories_for

    queryset = Job.objects.all()
    if kinds is not None:
        queryset = queryset.filter(kind__in=list(kinds))
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_superuser:
        return queryset
    if grants_revoked(user):
        return queryset.none()  # a removed member: their past reports may name the territory's data
    codes = [t.code for t in territories_for(user, ["coordinator"])]
    return queryset.filter(Q(created_by=user) | Q(territory_code__in=codes))


def queue_lag_seconds(now: Any = None) -> float | None:
    """Age of the oldest job waiting to start (None when nothing waits): the health page shows it."""
    now = now or timezone.now()
    oldest = (
        Job.objects.filter(status=JobStatus.QUEUED)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    ).first()
    return None if oldest is None else max(0.0, (now - oldest).total_seconds())


def as_dict(record: Job) -> dict[str, Any]:
    return cast(
        dict[str, Any],
        {
            "id": record.pk,
            "status": record.status,
            "status_label": str(record.get_status_display()),
            "stage": record.stage,
            "done": record.done,
            "total": record.total,
            "percent": record.percent,
            "error": record.error,
            "result": record.result,
            "finished": record.is_finished,
        },
    )
