"""Background jobs of the roadmaps context (see maillage.core.jobs)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from maillage.core import jobs


@jobs.job("roadmaps.bilan", label=_("Bilan annuel d'une feuille de route"), max_attempts=2, atomic=False)
def generate_bilan(ctx: jobs.JobContext, *, roadmap_id: int, year: int, fmt: str) -> dict[str, Any]:
    """Build, render and store one version of the bilan (``reports.store.generate_report``)."""
    from maillage.roadmaps.models import Roadmap
    from maillage.roadmaps.reports.store import generate_report

    roadmap = Roadmap.objects.select_related("territory").get(pk=roadmap_id)
    ctx.progress(_("Calcul des chiffres et mise en page"), done=0, total=1, force=True)
    version = generate_report(roadmap, year, fmt, actor=ctx.job.created_by)
    ctx.progress(_("Bilan enregistré"), done=1, total=1, force=True)
    return {
        "version_id": version.pk,
        "number": version.number,
        "year": year,
        "format": fmt,
        "size": version.size,
        "sha256": version.sha256,
        "seconds": version.seconds,
    }


# --- web import of a roadmap file -------------------------------------------------------------------

#: Errors kept in the job's report (the total is always exact).
REPORT_LIMIT = 500


def check_upload(*, user: Any, raw: bytes, filename: str) -> tuple[Any, Any]:
    """Parse and check an uploaded roadmap for ``user``: ``(data, checked)``, or ``RoadmapImportError``
    with every French error (format, content, and a territory the user does not coordinate)."""
    from django.utils.translation import gettext

    from maillage.roadmaps.exchange.importer import RoadmapImportError, check, decode, parse_text
    from maillage.roadmaps.models import Roadmap
    from maillage.roadmaps.permissions import can_edit_roadmap
    from maillage.roadmaps.views import _coordinator_scope
    from maillage.territories.models import Territory

    data = parse_text(decode(raw), filename=filename)
    checked = check(data)
    allowed = user.is_superuser or (
        Territory.objects.filter(pk=checked.territory.pk).filter(_coordinator_scope(user)).exists()
    )
    existing = Roadmap.objects.filter(slug=checked.doc.feuille_de_route.identifiant).first()
    if existing is not None and not can_edit_roadmap(user, existing):
        allowed = False
    if not allowed:
        raise RoadmapImportError(
            [gettext("feuille_de_route › territoire : vous ne coordonnez pas ce territoire, import refusé")]
        )
    return data, checked


@jobs.job(
    "roadmaps.import",
    label=_("Import d'une feuille de route"),
    max_attempts=3,
    # atomic (the default): checked again and written in one transaction, the stored file deleted on commit
    report_template="roadmaps/import_job_report.html",
)
def import_roadmap_job(ctx: jobs.JobContext, *, path: str, filename: str, user_id: int) -> dict[str, Any]:
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils.translation import gettext

    from maillage.accounts.models import User
    from maillage.roadmaps.exchange.importer import MAX_BYTES, RoadmapImportError, import_data

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise jobs.JobError(
            gettext("Le compte qui a déposé ce fichier n'est plus actif : rien n'a été importé.")
        )
    with default_storage.open(path, "rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    ctx.progress(_("Vérification et écriture de la feuille de route"), force=True)
    transaction.on_commit(lambda: default_storage.delete(path))
    try:
        data, checked = check_upload(user=user, raw=raw, filename=filename)
        result = import_data(data, actor=user, territory=checked.territory)
    except RoadmapImportError as error:
        return {"refused": True, "errors": error.errors[:REPORT_LIMIT], "error_total": len(error.errors)}
    return {
        "refused": False,
        "roadmap_id": result.roadmap.pk,
        "title": result.roadmap.title,
        "created": result.created,
    }


def start_import(*, raw: bytes, filename: str, user: Any, territory: Any) -> Any:
    """Store a checked upload and queue its import; returns the job the page follows."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils.translation import gettext

    safe_name = "".join(c if c.isalnum() or c in ".-_" else "_" for c in filename)[-80:] or "fichier"
    path = default_storage.save(f"imports/feuilles-de-route/{uuid.uuid4().hex}-{safe_name}", ContentFile(raw))
    return jobs.enqueue(
        import_roadmap_job,
        actor=user,
        territory_code=territory.code,
        label=gettext("Import de feuille de route : %(name)s") % {"name": filename[:120]},
        path=path,
        filename=filename,
        user_id=user.pk,
    )
