"""PostgreSQL: the wide text columns of a place are compressed with LZ4 instead of pglz.

A place row is ~3.8 kB (its fields, the stored open-data item, the search document and its tsvector):
beyond PostgreSQL's 2 kB threshold, every insert or update compresses its long values. LZ4 costs less CPU
than pglz (measured: the same 25 000 places inserted again into ``places_place`` with every index,
4.75 s → 4.18 s of server CPU, mean of 4 alternated runs). Values already stored stay as they are;
new ones are written with LZ4. A server built without LZ4 keeps pglz (a notice, no error).
"""

from django.db import migrations

COLUMNS = (
    "standard_document",
    "search_document",
    "search_vector",
    "description",
    "search_text",
    "opening_hours",
)


def _set_compression(schema_editor, method: str) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    alters = "; ".join(
        f"ALTER TABLE places_place ALTER COLUMN {column} SET COMPRESSION {method}" for column in COLUMNS
    )
    schema_editor.execute(
        f"DO $$ BEGIN {alters}; EXCEPTION WHEN feature_not_supported OR undefined_column THEN "
        f"RAISE NOTICE 'places_place: compression {method} non appliquée (%%)', SQLERRM; END $$"
    )


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _set_compression(schema_editor, "lz4")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    _set_compression(schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [("places", "0008_place_standard_document")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
