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
