"""Index for the public directory's distance search (bounding box on latitude, then longitude).

RunSQL on purpose: it adds no model state, so models.py stays as it is. Same SQL on SQLite and
PostgreSQL.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("places", "0001_place_mediator_import_duplicates")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS place_lat_lon_idx ON places_place (latitude, longitude)",
            reverse_sql="DROP INDEX IF EXISTS place_lat_lon_idx",
        )
    ]
