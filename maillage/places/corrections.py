"""« Signaler une erreur » : public reports on a place page, and the corrections queue.

Anti-spam without third parties: a honeypot field (filled by robots, invisible to people) and a rate limit
per client address, counted in the database so that every worker sees the same figure; the address is
kept only as a keyed hash. Reports are plain text, always shown escaped. The coordination of the
territory and the place's managers accept or decline each report with a reason; the reporter is told by
e-mail when they left an address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.places import selectors
from maillage.places.models import ChangeStatus, ErrorReport, Place, PlaceChangeRequest

logger = logging.getLogger(__name__)

RATE_LIMIT = 5  # reports …
RATE_WINDOW = timedelta(minutes=1)  # … per client address and per minute


def client_key(request: Any) -> str:
    """A keyed hash of the client's address (the raw address is never stored)."""
    address = str(request.META.get("REMOTE_ADDR", "") or "")
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def is_rate_limited(key: str, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return ErrorReport.objects.filter(client_key=key, created_at__gte=now - RATE_WINDOW).count() >= RATE_LIMIT


@transaction.atomic
def create_report(
    *, place: Place, message: str, email: str, key: str, now: datetime | None = None
) -> ErrorReport:
    report = ErrorReport.objects.create(
        place=place,
        created_at=now or timezone.now(),
        message=message.strip(),
        email=email.strip(),
        client_key=key,
    )
    record_change(
        actor=None,
        actor_label="Public (signalement)",
        action=AuditAction.CREATE,
        instance=report,
        territory_code=place.insee_code or "",
        changes={"place": place.pk, "email": "•••" if report.email else ""},
        message="Signalement d'erreur depuis la fiche publique",
    )
    return report


# --- the queue -------------------------------------------------------------------------------------


def reports_for(user: Any) -> QuerySet[ErrorReport]:
    """Reports on the places the user may edit (coordination of the territory, managers, mediators)."""
    return ErrorReport.objects.filter(place__in=selectors.places_editable_by(user).values("pk"))


def change_requests_for(user: Any) -> QuerySet[PlaceChangeRequest]:
    return PlaceChangeRequest.objects.filter(place__in=selectors.places_editable_by(user).values("pk"))


def pending_count(user: Any) -> int:
    """Pending reports and corrections on the user's places, in one query."""
    editable = selectors.places_editable_by(user).values("pk")
    reports = (
        ErrorReport.objects.filter(place__in=editable, status=ChangeStatus.PENDING).order_by().values("pk")
    )
    changes = (
        PlaceChangeRequest.objects.filter(place__in=editable, status=ChangeStatus.PENDING)
        .order_by()
        .values("pk")
    )
    return reports.union(changes, all=True).count()


@transaction.atomic
def decide_report(
    *, actor: Any, report_pk: int, accept: bool, reason: str, now: datetime | None = None
) -> ErrorReport:
    """Accept or decline a report (first decision wins); the reporter is told after commit."""
    report = ErrorReport.objects.select_for_update().select_related("place").get(pk=report_pk)
    if report.status != ChangeStatus.PENDING:
        return report
    report.status = ChangeStatus.ACCEPTED if accept else ChangeStatus.DECLINED
    report.decided_at = now or timezone.now()
    report.decided_by = actor
    report.decision_reason = reason.strip()[:1000]
    report.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    record_change(
        actor=actor,
        action=AuditAction.TRANSITION,
        instance=report,
        territory_code=report.place.insee_code or "",
        changes={"status": [ChangeStatus.PENDING, report.status]},
        message=report.decision_reason,
    )
    if report.email:
        transaction.on_commit(lambda: _tell_reporter(report.pk))
    return report


def _tell_reporter(report_pk: int) -> None:
    report = ErrorReport.objects.select_related("place").filter(pk=report_pk).first()
    if report is None or not report.email:
        return
    context = {"report": report, "place": report.place, "site_url": settings.SITE_URL.rstrip("/")}
    subject = render_to_string("places/email/report_decision_subject.txt", context).strip()
    body = render_to_string("places/email/report_decision_body.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [report.email])
    except Exception:  # noqa: BLE001 — provider down: the decision is recorded anyway
        logger.exception("Échec d'envoi de la réponse au signalement %s", report_pk)
