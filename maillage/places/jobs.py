"""Background jobs of the directory (imported by the worker, maillage.core.jobs).

The web import: the page stores the file, queues this job and shows its progress; the service stays
all-or-nothing and idempotent, so a retry after a crash (or a killed worker) starts afresh.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from maillage.core import jobs
from maillage.core.models import Job
from maillage.places.choices import ImportStatus


@jobs.job(
    "places.import",
    label=_("Import de lieux"),
    max_attempts=3,
    atomic=False,  # places_import() is all-or-nothing itself, and reports its stages before writing
    report_template="places/import_job_report.html",
)
def import_places_job(
    ctx: jobs.JobContext,
    *,
    path: str,
    filename: str,
    user_id: int | None,
    territory_id: int | None,
    source: str,
) -> dict[str, Any]:
    from maillage.accounts.models import User
    from maillage.places.services import places_import
    from maillage.territories.models import Territory

    with default_storage.open(path, "rb") as handle:
        data = handle.read()
    user = User.objects.filter(pk=user_id).first() if user_id else None
    territory = Territory.objects.filter(pk=territory_id).first() if territory_id else None
    import_job = places_import(
        data=data,
        filename=filename,
        user=user,
        territory=territory,
        source=source,
        progress=lambda stage, done, total: ctx.progress(stage, done, total),
    )
    default_storage.delete(path)
    report = import_job.report or {}
    return {
        "import_job": import_job.pk,
        "refused": import_job.status == ImportStatus.REFUSED,
        "message": str(report.get("message", "")),
        "created": import_job.created_count,
        "updated": import_job.updated_count,
        "unchanged": import_job.unchanged_count,
    }


def start_import(*, data: bytes, filename: str, user: Any, territory: Any, source: str = "") -> Job:
    """Store the uploaded file and queue its import; returns the job the page follows."""
    safe_name = "".join(c if c.isalnum() or c in ".-_" else "_" for c in filename)[-80:] or "fichier"
    path = default_storage.save(f"imports/lieux/{uuid.uuid4().hex}-{safe_name}", ContentFile(data))
    return jobs.enqueue(
        import_places_job,
        actor=user,
        territory_code=territory.code if territory is not None else "",
        label=str(_("Import de lieux : %(name)s")) % {"name": filename[:120]},
        path=path,
        filename=filename,
        user_id=user.pk if getattr(user, "is_authenticated", False) else None,
        territory_id=territory.pk if territory is not None else None,
        source=source,
    )


@jobs.job("places.freshness_campaign", label=_("Campagne de mise à jour des lieux"), atomic=False)
def freshness_campaign(ctx: jobs.JobContext, *, campaign_id: int, base_url: str = "") -> dict[str, Any]:
    """Send a campaign's reminders (idempotent: a retry never reminds a place twice)."""
    from maillage.places import campaigns

    campaign = campaigns.run_campaign(
        campaign_id,
        base_url=base_url,
        progress=lambda done, total: ctx.progress(_("Envoi des relances"), done=done, total=total),
    )
    return {
        "campagne": campaign.pk,
        "lieux": campaign.places_count,
        "relances": campaign.places_count - campaign.skipped_count,
        "sans_destinataire": campaign.skipped_count,
    }


@jobs.job(
    "places.annuaire",
    label=_("Annuaire imprimable"),
    max_attempts=3,
    atomic=False,  # reads without a transaction, then records the file in one short one (annuaire_files)
    report_template="places/annuaire/job_report.html",
)
def build_annuaire_job(ctx: jobs.JobContext, *, territory_id: int) -> dict[str, Any]:
    """Build and store the printed annuaire of a territory (maillage.places.annuaire_files)."""
    from maillage.places import annuaire_files

    return annuaire_files.build(
        territory_id, progress=lambda stage, done, total: ctx.progress(stage, done, total)
    )
