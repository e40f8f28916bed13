"""Application documents leave storage with their row: a replaced file is deleted once the new one is
committed, a deleted document's file once the deletion is committed (a rollback keeps both)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from maillage.funding.models import ApplicationDocument


def delete_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@receiver(post_delete, sender=ApplicationDocument, dispatch_uid="funding_document_file_delete")
def _document_deleted(sender: Any, instance: ApplicationDocument, **kwargs: Any) -> None:
    delete_on_commit(instance.file.name or "" if instance.file else "")
