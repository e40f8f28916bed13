"""``/sante/``: what a monitoring probe needs, in JSON: database, task queue, disk.

HTTP 200 when every check passes, 503 otherwise, with a French message per failing check. Never a
traceback, and no request-wide transaction (the database may be what is down).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _ping() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        _ping()
    except Exception:  # noqa: BLE001 — reported, not raised
        return {"ok": False, "message": _("La base de données ne répond pas.")}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_queue() -> dict[str, Any]:
    from maillage.core import jobs
    from maillage.core.models import Job, JobStatus

    try:
        lag = jobs.queue_lag_seconds()
        waiting = Job.objects.filter(status=JobStatus.QUEUED).count()
        failed = Job.objects.filter(status=JobStatus.FAILED).count()
    except Exception:  # noqa: BLE001
        return {"ok": False, "message": _("La file des traitements est illisible.")}
    limit = settings.HEALTH_MAX_QUEUE_LAG_S
    result: dict[str, Any] = {
        "ok": lag is None or lag <= limit,
        "lag_s": None if lag is None else round(lag, 1),
        "waiting": waiting,
        "failed": failed,
    }
    if not result["ok"]:
        result["message"] = _(
            "Des traitements attendent depuis plus de %(s)s s : le processus de tâches (maillage worker) "
            "est-il lancé ?"
        ) % {"s": limit}
    return result


def check_disk() -> dict[str, Any]:
    results: dict[str, Any] = {"ok": True, "paths": {}}
    minimum = settings.HEALTH_MIN_FREE_DISK_MB * 1024 * 1024
    paths: dict[str, Any] = {"media": settings.MEDIA_ROOT, "data": settings.DATA_DIR}
    if connection.vendor == "sqlite":
        paths["database"] = settings.DATABASES["default"]["NAME"]
    for name, path in paths.items():
        candidate = Path(str(path))
        while not candidate.exists() and candidate != candidate.parent:
            candidate = candidate.parent
        try:
            usage = shutil.disk_usage(candidate)
        except OSError:
            continue
        results["paths"][name] = {"free_mb": usage.free // (1024 * 1024)}
        if usage.free < minimum:
            results["ok"] = False
            results["message"] = _("Espace disque insuffisant (%(name)s : %(mb)s Mo libres).") % {
                "name": name,
                "mb": usage.free // (1024 * 1024),
            }
    return results


@transaction.non_atomic_requests
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database()}
    checks["queue"] = (
        check_queue()
        if checks["database"]["ok"]
        else {"ok": False, "message": _("Non vérifiée : base de données injoignable.")}
    )
    checks["disk"] = check_disk()
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "error", "checks": checks},
        status=200 if ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )
