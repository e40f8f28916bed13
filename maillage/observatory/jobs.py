"""Background job: the département's book of EPCI sheets (one PDF), stored for download."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.core import jobs
from maillage.observatory import sheets
from maillage.territories.models import Territory, TerritoryKind

BOOK_KIND = "observatory.book"


@jobs.job(
    BOOK_KIND,
    label=gettext_lazy("Livret des fiches EPCI (PDF)"),
    max_attempts=2,
    atomic=False,  # read-only on the database; the file is written once at the end
    report_template="observatory/book_report.html",
)
def build_book(ctx: jobs.JobContext, *, department_id: int, user_id: int | None = None) -> dict[str, Any]:
    department = Territory.objects.filter(pk=department_id, kind=TerritoryKind.DEPARTMENT).first()
    if department is None:
        raise jobs.JobError(_("Département introuvable."))
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    total = Territory.objects.epcis().filter(department=department).count()
    ctx.progress(_("Fiches EPCI"), done=0, total=total, force=True)
    pdf = sheets.department_book_pdf(
        department, user=user, progress=lambda done: ctx.progress(_("Fiches EPCI"), done=done, total=total)
    )
    ctx.progress(_("Enregistrement du PDF"), done=total, total=total, force=True)
    stamp = timezone.localdate().isoformat()
    filename = f"livret-epci-{department.code}-{stamp}.pdf"
    path = default_storage.save(f"observatoire/{filename}", ContentFile(pdf))
    return {"path": path, "filename": filename, "size_kb": len(pdf) // 1024, "epcis": total}
