"""Retention of roadmap files: evidence files that no measurement references any more are deleted
from storage (replaced and deleted ones are removed at once by ``maillage.roadmaps.files``; this sweeps
what older versions left behind). Run daily by ``maillage purge``."""

from __future__ import annotations

from datetime import datetime

from django.core.files.storage import default_storage

from maillage.roadmaps.files import orphan_evidence_files


def purge(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    orphans = orphan_evidence_files()
    if not dry_run:
        for name in orphans:
            default_storage.delete(name)
    return {"evidence_files": len(orphans)}
