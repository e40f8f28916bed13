"""Evidence files leave storage with their measurement: a replaced file is deleted once the new one is
committed, a deleted measurement's file once the deletion is committed (a rollback keeps both)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from maillage.roadmaps.models import Measurement

EVIDENCE_ROOT = "roadmaps/justificatifs"


def delete_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@receiver(post_delete, sender=Measurement, dispatch_uid="roadmaps_measurement_evidence_delete")
def _measurement_deleted(sender: Any, instance: Measurement, **kwargs: Any) -> None:
    delete_on_commit(instance.evidence.name or "" if instance.evidence else "")


def orphan_evidence_files() -> list[str]:
    """Files under the evidence folder that no measurement references (left by older versions)."""
    referenced = set(Measurement.objects.exclude(evidence="").values_list("evidence", flat=True))
    found: list[str] = []
    try:
        folders, _files = default_storage.listdir(EVIDENCE_ROOT)
    except FileNotFoundError:
        return []
    for folder in folders:
        _sub, files = default_storage.listdir(f"{EVIDENCE_ROOT}/{folder}")
        found += [f"{EVIDENCE_ROOT}/{folder}/{name}" for name in files]
    return sorted(name for name in found if name not in referenced)
