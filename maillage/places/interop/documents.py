"""The open-data item of each place, stored beside it (``Place.standard_document``).

``search_columns()`` writes it in the same statement as the fields it is made of, on every write path
(``Place.save()``, the imports' COPY, ``bulk_create`` and ``bulk_update``). A document is stamped with
``DOCUMENT_STAMP``, a fingerprint of the serialiser's code: after an upgrade that changes the serialiser,
the API rebuilds the stale items on the fly (correct, only slower) until ``maillage
refresh-standard-documents`` (run by the migration that added the column, and after each upgrade:
docs/operations.md) has stored them again.
"""

from __future__ import annotations

from typing import Any

from maillage.places.interop.writer import DOCUMENT_STAMP, EXPORT_FIELDS, standard_document

BATCH = 500


def refresh_documents(model: Any, *, batch: int = BATCH, force: bool = False) -> int:
    """Store the document of every place whose document is missing or stamped by other code (all of
    them with ``force``). ``model`` is ``Place`` or its historical version in a migration. Returns the
    number of places written; each batch is its own short transaction (no long lock on the table)."""
    from django.db import transaction

    stale = (
        model.objects.all() if force else model.objects.exclude(standard_document__startswith=DOCUMENT_STAMP)
    )
    written = 0
    last = 0
    while True:
        rows = list(stale.filter(pk__gt=last).order_by("pk").values("pk", *EXPORT_FIELDS)[:batch])
        if not rows:
            return written
        with transaction.atomic():
            for row in rows:
                # One UPDATE by key per place: ``bulk_update`` would compile a CASE of ``batch`` branches.
                model.objects.filter(pk=row["pk"]).update(standard_document=standard_document(row))
        written += len(rows)
        last = rows[-1]["pk"]
