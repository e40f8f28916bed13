import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_FORBID = """
CREATE OR REPLACE FUNCTION core_auditlog_forbid_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'core_auditlog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditlog_append_only BEFORE UPDATE OR DELETE ON core_auditlog
FOR EACH ROW EXECUTE FUNCTION core_auditlog_forbid_change();
"""
PG_ALLOW = """
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_forbid_change();
"""
SQLITE_FORBID = [
    "CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'core_auditlog is append-only'); END;",
    "CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog "
    "BEGIN SELECT RAISE(ABORT, 'core_auditlog is append-only'); END;",
]
SQLITE_ALLOW = [
    "DROP TRIGGER IF EXISTS core_auditlog_no_update;",
    "DROP TRIGGER IF EXISTS core_auditlog_no_delete;",
]


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORBID)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORBID:
            schema_editor.execute(statement)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_ALLOW)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_ALLOW:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="AuditLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="date")),
                ("actor_label", models.CharField(blank=True, max_length=200, verbose_name="auteur (libellé)")),
                ("action", models.CharField(choices=[("create", "création"), ("update", "modification"), ("delete", "suppression"), ("import", "import"), ("export", "export"), ("view", "consultation"), ("anonymise", "anonymisation"), ("transition", "changement de statut"), ("login", "connexion"), ("denied", "accès refusé")], max_length=20, verbose_name="action")),
                ("object_type", models.CharField(db_index=True, max_length=100, verbose_name="type d'objet")),
                ("object_id", models.CharField(db_index=True, max_length=64, verbose_name="identifiant")),
                ("territory_code", models.CharField(blank=True, max_length=20, verbose_name="territoire")),
                ("changes", models.JSONField(blank=True, default=dict, verbose_name="changements")),
                ("message", models.TextField(blank=True, verbose_name="message")),
                ("actor", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="auteur")),
            ],
            options={"verbose_name": "entrée du journal d'audit", "verbose_name_plural": "journal d'audit", "ordering": ["-at", "-id"]},
        ),
        migrations.RunPython(forbid, allow),
    ]
