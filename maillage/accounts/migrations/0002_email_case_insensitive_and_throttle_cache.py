"""E-mails stored lower-cased and unique whatever the case; the throttle's shared cache table.

Addresses that differ only by case or surrounding spaces: the account used most recently keeps the
address; the others are deactivated and renamed ``<local>+doublon-<id>@<domain>`` (recorded in the audit
log) so that a superuser can merge or delete them. Nothing is deleted.
"""

from django.core.management import call_command
from django.db import migrations, models
from django.db.models.functions import Lower


def lower_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AuditLog = apps.get_model("core", "AuditLog")
    groups: dict[str, list] = {}
    for user in User.objects.order_by("pk"):
        groups.setdefault((user.email or "").strip().lower(), []).append(user)
    for email, users in groups.items():
        users.sort(key=lambda u: (u.last_login is not None, u.last_login or u.date_joined, u.pk), reverse=True)
        keep, *others = users
        for other in others:
            local, _, domain = email.partition("@")
            renamed = f"{local}+doublon-{other.pk}@{domain}"
            AuditLog.objects.create(
                actor=None,
                actor_label="système",
                action="update",
                object_type="accounts.User",
                object_id=str(other.pk),
                changes={"email": [other.email, renamed], "is_active": [other.is_active, False]},
                message=f"Adresse en double (casse) avec le compte {keep.pk} : compte désactivé.",
            )
            User.objects.filter(pk=other.pk).update(email=renamed, username=renamed, is_active=False)
        if keep.email != email or keep.username != email:
            User.objects.filter(pk=keep.pk).update(email=email, username=email)


def create_cache_table(apps, schema_editor):
    # The throttle's shared cache (settings.CACHES["throttle"], Django's database cache unless REDIS_URL
    # is set): its table always exists, so that switching back from Redis needs no extra step; then any
    # other database cache the settings name.
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, "maillage_throttle_cache", dry_run=False)
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(lower_emails, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("email"),
                name="user_email_case_insensitive_unique",
                violation_error_message="Un compte existe déjà avec cette adresse e-mail.",
            ),
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
