"""Rebuild the statistics rollup once: duration bands now follow the Coop ([30, 60) instead of
[30, 60]: 60-minute accompaniments move to « 1 h à 2 h ») and tags become a dimension."""

from django.db import migrations


def rebuild(apps, schema_editor):  # noqa: ARG001 — the rollup is rebuilt by its own module, in SQL
    from maillage.activities import rollup

    rollup.rebuild(bump_versions=False, with_pairs=False)  # version table: 0010, pair table: 0012


class Migration(migrations.Migration):
    dependencies = [("activities", "0008_team_imports")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
