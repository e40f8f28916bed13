"""PostgreSQL covering indexes for the statistics page: every aggregate of a département is an
index-only scan on (department, created_at). SQLite keeps the plain (department, created_at) indexes."""

from django.db import migrations

INDEXES = [
    (
        "pathways_ref_stats_cover",
        "pathways_referral",
        "(department_id, created_at) INCLUDE "
        "(organisation_id, status, orientation, refusal_reason, sent_at, response_hours)",
    ),
    (
        "pathways_diag_stats_cover",
        "pathways_diagnostic",
        "(department_id, created_at) INCLUDE "
        "(organisation_id, commune_id, profile, is_fragile, unmet_need, flags)",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def fill_response_hours(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE pathways_referral SET response_hours = "
            "GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (responded_at - sent_at)) / 3600))::integer "
            "WHERE response_hours IS NULL AND responded_at IS NOT NULL AND sent_at IS NOT NULL"
        )
        return
    Referral = apps.get_model("pathways", "Referral")
    for referral in Referral.objects.filter(response_hours=None, responded_at__isnull=False, sent_at__isnull=False):
        seconds = (referral.responded_at - referral.sent_at).total_seconds()
        referral.response_hours = max(int(seconds // 3600), 0)
        referral.save(update_fields=["response_hours"])


class Migration(migrations.Migration):
    dependencies = [("pathways", "0004_referral_response_hours")]

    operations = [
        migrations.RunPython(fill_response_hours, migrations.RunPython.noop),
        migrations.RunPython(create, drop),
    ]
