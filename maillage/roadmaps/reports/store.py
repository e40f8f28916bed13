"""Generate a bilan and keep it: every generation is a new numbered version (who, when, SHA-256), so the
COPIL is sent exactly the file that was checked. ``generate_report`` is the one entry point (a background
job can call it as is)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max

from maillage.core.audit import record_change
from maillage.roadmaps.models import ReportVersion, Roadmap

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}


def render(roadmap: Roadmap, year: int, fmt: str) -> bytes:
    from maillage.roadmaps.reports import build_report, render_docx, render_odt, render_pdf

    report = build_report(roadmap, year)
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "docx":
        return render_docx(report)
    if fmt == "odt":
        return render_odt(report)
    raise ValueError(fmt)


def generate_report(roadmap: Roadmap, year: int, fmt: str, *, actor: Any = None) -> ReportVersion:
    started = time.perf_counter()
    content = render(roadmap, year, fmt)
    seconds = time.perf_counter() - started
    digest = hashlib.sha256(content).hexdigest()
    for _attempt in range(5):
        version = None
        try:
            with transaction.atomic():
                last = ReportVersion.objects.filter(roadmap=roadmap, year=year, format=fmt).aggregate(
                    n=Max("number")
                )["n"]
                version = ReportVersion(
                    roadmap=roadmap,
                    year=year,
                    format=fmt,
                    number=(last or 0) + 1,
                    size=len(content),
                    sha256=digest,
                    generated_by=actor if getattr(actor, "is_authenticated", False) else None,
                    seconds=round(seconds, 3),
                )
                version.file.save(version.filename, ContentFile(content), save=False)
                version.save()
        except IntegrityError:  # two generations at once took the same number: take the next one
            if version is not None and version.file:
                version.file.delete(save=False)
            continue
        record_change(
            actor=actor,
            action="create",
            instance=version,
            territory_code=roadmap.territory.code,
            changes={"year": year, "format": fmt, "number": version.number, "sha256": digest},
            message=f"Bilan {year} généré (v{version.number}, {fmt})",
        )
        return version
    raise RuntimeError("numérotation du bilan impossible")
