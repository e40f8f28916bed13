"""PostgreSQL only: trigram indexes for the « anywhere in the name » and postcode searches.

``commune_search()`` uses ``search_name LIKE 'x%'`` (served by the ``_like`` index Django makes for
``db_index=True``), ``search_name LIKE '%x%'`` and ``UPPER(postcodes::text) LIKE '%"46100"%'`` (the SQL of
JSONField ``icontains``): without these indexes the last two scan the 35 000 communes. The indexes need the
``pg_trgm`` extension (trusted since PostgreSQL 13); where it cannot be created the migration skips them:
the searches still work, only slower. Nothing happens on SQLite.
"""

from django.db import migrations

INDEXES = {
    "territory_search_name_trgm": "(search_name gin_trgm_ops)",
    "territory_postcodes_trgm": "((UPPER(postcodes::text)) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return  # no permission to create the extension: the searches stay correct, just unindexed
    with connection.cursor() as cursor:
        for name, expression in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON territories_territory USING gin {expression}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("territories", "0002_vintage_scope")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
