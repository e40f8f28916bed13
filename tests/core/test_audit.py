import pytest
from django.db import DatabaseError, connection, transaction

from maillage.core.audit import diff_fields, record_change
from maillage.core.models import AuditLog

pytestmark = pytest.mark.django_db


def test_record_change_stores_actor_and_diff(lot_coordinator):
    entry = record_change(
        actor=lot_coordinator,
        action="update",
        object_type="places.Place",
        object_id=12,
        changes=diff_fields({"name": "A", "phone": "1"}, {"name": "B", "phone": "2"}, hide=["phone"]),
    )
    assert entry.actor_label == lot_coordinator.email
    assert entry.changes == {"name": ["A", "B"], "phone": "•••"}


def test_audit_log_refuses_update_and_delete_through_the_orm():
    entry = record_change(actor=None, action="create", object_type="x", object_id=1)
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.update(message="x")


def test_audit_log_is_append_only_at_database_level():
    entry = record_change(actor=None, action="create", object_type="x", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET message = 'falsifié' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).message == ""
