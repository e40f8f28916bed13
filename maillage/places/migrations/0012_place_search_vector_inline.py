"""PostgreSQL: a place's ``search_vector`` is kept inside its row (``STORAGE MAIN``), never moved to the
TOAST table.

A place row is ~3 kB: beyond PostgreSQL's 2 kB target, the toaster moves its largest long values out of
the row. Since the vector became smaller (migration 0010, 634 bytes), it was the one moved out for most
places, and the full-text test of every row read it back from TOAST (an index lookup and a chunk: 2.4
buffers a row). ``MAIN`` keeps it in the row (compressed when needed) and moves the other long values out
first (the open-data item, the search document, the presentation), which only the API and the place page
read. Measured on the 25 000 bench places: reading every vector 230 ms → 34 ms (67 500 → 12 400
buffers); « centre social » (201 first matches) 10.4 ms → 4.8 ms. The existing rows are written again so
that they take the new layout.
"""

from django.db import migrations


def _set_storage(schema_editor, storage: str) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE places_place ALTER COLUMN search_vector SET STORAGE {storage}")
    # Rewriting the document recomputes the generated vector, stored with the new strategy.
    schema_editor.execute("UPDATE places_place SET search_document = search_document")


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _set_storage(schema_editor, "MAIN")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _set_storage(schema_editor, "EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("places", "0011_fewer_index_entries_per_place")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
