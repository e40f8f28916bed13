import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from maillage.activities import retention
from maillage.activities.models import Activity, ActivityRollup, Beneficiary
from maillage.core.demo import DemoContext
from maillage.core.metrics import all_metrics, compute_metric
from maillage.core.models import AuditLog
from tests.activities.factories import followed, individual, workshop

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _rollup():
    return sorted(
        ActivityRollup.objects.values_list(
            "grain", "dimension", "value", "month", "accompaniments", "anonymous"
        )
    )


def test_purge_anonymises_expired_followed_beneficiaries(lot_mediator, figeac):
    with time_machine.travel(datetime(2025, 1, 10, 9, tzinfo=PARIS), tick=False):
        old = followed(
            lot_mediator, first_name="Ancienne", last_name="Personne", birth_year=1950, phone="0600000000"
        )
        individual(lot_mediator, figeac, day=date(2025, 1, 10), beneficiary=old)
        recent = followed(lot_mediator, first_name="Récente", last_name="Personne")
    with time_machine.travel(datetime(2025, 12, 1, 9, tzinfo=PARIS), tick=False):
        individual(lot_mediator, figeac, day=date(2025, 12, 1), beneficiary=recent)
    before = _rollup()
    with time_machine.travel(datetime(2026, 2, 1, 3, tzinfo=PARIS), tick=False):
        now = datetime.now(tz=PARIS)
        assert retention.purge(now=now, dry_run=True)["beneficiaries"] == 1
        assert Beneficiary.objects.filter(anonymised_at__isnull=False).count() == 0
        assert retention.purge(now=now, dry_run=False)["beneficiaries"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.anonymised_at is not None
    assert (old.first_name, old.last_name, old.birth_year, old.phone, old.email) == ("", "", None, "", "")
    assert old.gender == "feminin"  # statistics categories kept
    assert recent.anonymised_at is None and recent.first_name == "Récente"
    assert _rollup() == before  # aggregate counts unchanged
    entry = AuditLog.objects.filter(action="anonymise", object_id=str(old.pk)).get()
    assert "Ancienne" not in str(entry.changes)


def test_retention_days_setting(lot_mediator, settings):
    settings.BENEFICIARY_RETENTION_DAYS = 30
    with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=PARIS), tick=False):
        followed(lot_mediator)
    assert retention.purge(now=datetime(2026, 2, 15, tzinfo=PARIS), dry_run=True)["beneficiaries"] == 1
    assert retention.purge(now=datetime(2026, 1, 20, tzinfo=PARIS), dry_run=True)["beneficiaries"] == 0


def test_purge_command(lot_mediator):
    with time_machine.travel(datetime(2024, 1, 1, 9, tzinfo=PARIS), tick=False):
        person = followed(lot_mediator)
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "activities — beneficiaries : 1 à anonymiser" in out.getvalue()
    person.refresh_from_db()
    assert person.anonymised_at is None
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "activities — beneficiaries : 1 anonymisé(s)" in out.getvalue()
    person.refresh_from_db()
    assert person.anonymised_at is not None and person.last_name == ""


def test_metrics(lot_mediator, lot, figeac, figeac_epci, cahors):
    keys = {m.key for m in all_metrics()}
    assert {
        "activities.accompaniments",
        "activities.workshops",
        "activities.people",
        "activities.active_mediators",
    } <= keys
    person = followed(lot_mediator)
    individual(lot_mediator, figeac, beneficiary=person, day=date(2026, 3, 3))
    individual(lot_mediator, cahors, day=date(2026, 3, 4))
    workshop(lot_mediator, figeac, anonymous=5, counts={}, day=date(2026, 3, 5))
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert compute_metric("activities.accompaniments", lot, start, end) == 7
    assert compute_metric("activities.workshops", lot, start, end) == 1
    assert compute_metric("activities.people", lot, start, end) == 7
    assert compute_metric("activities.active_mediators", lot, start, end) == 1
    assert compute_metric("activities.accompaniments", figeac_epci, start, end) == 6
    assert compute_metric("activities.accompaniments", figeac, date(2026, 3, 2), date(2026, 3, 4)) == 1
    assert compute_metric("activities.hours", lot, start, end) == 3.5


def test_demo_seed_is_idempotent_and_deterministic(lot, figeac, cahors):
    from maillage.accounts import demo as accounts_demo
    from maillage.activities import demo

    ctx = DemoContext(department=lot)
    accounts_demo.seed(ctx)
    demo.seed(ctx)
    count = Activity.objects.count()
    assert 300 <= count <= 400
    assert Activity.objects.values("mediator").distinct().count() == 12
    first = sorted(Activity.objects.values_list("coop_id", "duration_minutes", "participants_count"))
    demo.seed(ctx)
    assert Activity.objects.count() == count
    assert sorted(Activity.objects.values_list("coop_id", "duration_minutes", "participants_count")) == first
    assert Activity.objects.filter(date__lt=date.today() - timedelta(days=366)).count() == 0  # noqa: DTZ011
    # The bulk loader's rollup (grouped in SQL from its staging tables on PostgreSQL) equals a rebuild.
    from maillage.activities import rollup

    def measures():
        return sorted(
            ActivityRollup.objects.exclude(activities=0, accompaniments=0, anonymous=0).values_list(
                "grain",
                "dimension",
                "department_id",
                "month",
                "value",
                "activities",
                "accompaniments",
                "anonymous",
            )
        )

    loaded = measures()
    rollup.rebuild()
    assert measures() == loaded
