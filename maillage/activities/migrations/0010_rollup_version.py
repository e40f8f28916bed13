"""A version counter per département for the statistics cache; every département already in the
rollup starts at 1 (a cache filled before this migration holds no key with a version)."""

from django.db import migrations, models


def seed(apps, schema_editor):  # noqa: ARG001
    rollup = apps.get_model("activities", "ActivityRollup")
    version = apps.get_model("activities", "ActivityRollupVersion")
    departments = rollup.objects.filter(grain="d").values_list("department_id", flat=True).distinct()
    version.objects.bulk_create([version(department_id=d, version=1) for d in departments])


class Migration(migrations.Migration):
    dependencies = [("activities", "0009_rollup_coop_bands_tags")]

    operations = [
        migrations.CreateModel(
            name="ActivityRollupVersion",
            fields=[
                ("department_id", models.IntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "version de l'agrégat d'activité",
                "verbose_name_plural": "versions de l'agrégat d'activité",
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
