"""The data migration that makes e-mails lower-case and unique whatever the case."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

from maillage.accounts.models import User
from maillage.core.models import AuditLog

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "maillage.accounts.migrations.0002_email_case_insensitive_and_throttle_cache"
)


def test_addresses_are_lowered_and_stripped():
    user = User.objects.create_user(email="casse@exemple.fr", password="x" * 20)
    User.objects.filter(pk=user.pk).update(email=" Casse@Exemple.FR ", username=" Casse@Exemple.FR ")
    migration.lower_emails(apps, None)
    user.refresh_from_db()
    assert (user.email, user.username) == ("casse@exemple.fr", "casse@exemple.fr")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="DDL inside the test transaction: PostgreSQL only"
)
def test_case_duplicates_keep_the_most_recent_account_and_deactivate_the_others():
    from django.utils import timezone

    constraint = next(c for c in User._meta.constraints if c.name == "user_email_case_insensitive_unique")
    with connection.schema_editor() as editor:
        editor.remove_constraint(User, constraint)
    old, recent = User.objects.bulk_create(  # bulk_create: no save(), which would normalise
        [
            User(email="Double@Exemple.fr", username="a"),
            User(email="double@exemple.fr", username="b", last_login=timezone.now()),
        ]
    )
    migration.lower_emails(apps, None)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert recent.email == "double@exemple.fr" and recent.is_active
    assert old.email == f"double+doublon-{old.pk}@exemple.fr" and not old.is_active
    assert AuditLog.objects.filter(object_type="accounts.User", object_id=str(old.pk)).exists()
    with connection.schema_editor() as editor:
        editor.add_constraint(User, constraint)
