"""Indexes for the public directory, without any model change (models.py stays as it is):

* (latitude, longitude): the bounding box that prefilters the distance search (SQLite and PostgreSQL);
* on PostgreSQL, a trigram GIN index on ``search_text`` so that « nom, commune ou code postal »
  (``LIKE '%…%'``) does not scan the table. It needs the ``pg_trgm`` extension: when the database user
  may not create it, the migration goes on without this index (the search stays correct, only slower).
"""

from django.db import migrations, transaction


def create_trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                "CREATE INDEX IF NOT EXISTS place_search_text_trgm ON places_place "
                "USING gin (search_text gin_trgm_ops)"
            )
    except Exception:  # noqa: BLE001 — no pg_trgm: the search works without the index
        return


def drop_trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS place_search_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("places", "0001_place_mediator_import_duplicates")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS place_lat_lon_idx ON places_place (latitude, longitude)",
            reverse_sql="DROP INDEX IF EXISTS place_lat_lon_idx",
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
