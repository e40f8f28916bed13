"""Metrics for the roadmap indicators, the deadline digest, the retention of reminders, the demo."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.core.metrics import compute_metric, get_metric
from maillage.core.retention import purge_all
from maillage.funding import services
from maillage.funding.models import Application, DeadlineReminder, Opportunity
from maillage.funding.reminders import send_deadline_digests
from maillage.roadmaps.models import BudgetLine
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.funding.factories import (
    make_action,
    make_application,
    make_granted,
    make_lead,
    make_opportunity,
    make_roadmap,
)

pytestmark = pytest.mark.django_db
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def test_metrics(lot, lozere, figeac_epci, lot_coordinator, lozere_coordinator):
    for key in (
        "funding.opportunities",
        "funding.applications_submitted",
        "funding.amount_requested",
        "funding.amount_granted",
        "funding.amount_received",
    ):
        assert get_metric(key) is not None
    action = make_action(make_roadmap(lot), 8)
    make_opportunity(lot)
    make_opportunity(figeac_epci, "Appel EPCI")
    make_opportunity(lozere, "Appel Lozère")
    granted = make_granted(lot_coordinator, action)  # requested 12 000, granted 10 000
    services.add_instalment(
        actor=lot_coordinator, application=granted, received_on=date(2025, 4, 30), amount=Decimal("5000")
    )
    services.add_instalment(
        actor=lot_coordinator, application=granted, received_on=date(2026, 1, 5), amount=Decimal("3000")
    )
    make_application(
        lot_coordinator, action, status="deposee", submitted_on=date(2025, 6, 1), amount_requested=None
    )
    make_application(lot_coordinator, action)  # in preparation: not submitted
    today = timezone.localdate()
    assert (
        compute_metric("funding.opportunities", lot, today - timedelta(days=1), today) == 2
    )  # with the EPCI's
    assert compute_metric("funding.opportunities", figeac_epci, today, today) == 1
    assert compute_metric("funding.applications_submitted", lot, *YEAR) == 2
    assert (
        compute_metric("funding.amount_requested", lot, *YEAR) == 12000.0
    )  # the unknown request is not 0: left out
    assert compute_metric("funding.amount_granted", lot, *YEAR) == 10000.0
    assert compute_metric("funding.amount_received", lot, *YEAR) == 5000.0
    assert compute_metric("funding.applications_submitted", lozere, *YEAR) == 0


def test_deadline_digest_once_per_person_and_opportunity(
    lot, figeac_epci, lot_coordinator, lot_viewer, lozere_coordinator
):
    today = date(2026, 3, 1)
    soon = make_opportunity(lot, "FSE+ bientôt clos", deadline=today + timedelta(days=10))
    make_opportunity(lot, "Lointain", deadline=today + timedelta(days=90))
    make_opportunity(lot, "Clos", deadline=today - timedelta(days=1))
    epci_lead = UserFactory(email="porteur-epci@example.org")
    MembershipFactory(
        user=epci_lead, organisation=OrganisationFactory(), territory=figeac_epci, role="action_lead"
    )
    sent = send_deadline_digests(today=today)
    recipients = {d.recipient for d in sent}
    assert recipients == {lot_coordinator, epci_lead}  # viewers and other territories are not reminded
    assert all([o.pk for o in d.opportunities] == [soon.pk] for d in sent)
    assert len(mail.outbox) == 2 and "FSE+ bientôt clos" in mail.outbox[0].body
    assert "/financements/opportunites/" in mail.outbox[0].body
    assert send_deadline_digests(today=today + timedelta(days=1)) == []  # idempotent
    assert len(mail.outbox) == 2
    later = send_deadline_digests(today=today + timedelta(days=80))
    assert {o.title for d in later for o in d.opportunities} == {"Lointain"}


def test_command_dry_run(lot, lot_coordinator, capsys):
    make_opportunity(lot, deadline=timezone.localdate() + timedelta(days=3))
    call_command("remind_funding_deadlines", "--dry-run")
    assert "1 rappel(s) à envoyer" in capsys.readouterr().out
    assert not DeadlineReminder.objects.exists() and not mail.outbox


def test_reminders_purged_a_year_after_the_deadline(lot, lot_coordinator):
    opportunity = make_opportunity(lot, deadline=date(2026, 3, 10))
    send_deadline_digests(today=date(2026, 3, 1))
    assert DeadlineReminder.objects.count() == 1
    now = timezone.now()
    assert purge_all(now=now.replace(year=2026, month=12))["funding"] == {"rappels de date limite": 0}
    assert purge_all(now=now.replace(year=2027, month=6))["funding"] == {"rappels de date limite": 1}
    assert not DeadlineReminder.objects.exists() and Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_demo_is_idempotent_and_feeds_the_budget(lot, lozere, capsys):
    from maillage.accounts import demo as accounts_demo
    from maillage.funding import demo
    from maillage.roadmaps import demo as roadmaps_demo

    ctx = DemoContext(department=lot)
    accounts_demo.seed(ctx)
    roadmaps_demo.seed(ctx)
    demo.seed(ctx)
    demo.seed(ctx)
    application = Application.objects.get(reference="DEMO-FSE-2025-08")
    assert application.programme == "fse_plus" and application.status == "versements"
    assert application.instalments.count() == 2
    line = BudgetLine.objects.get(pk=application.budget_line_id)
    assert (line.nature, line.planned, line.spent) == ("produit", Decimal("10000"), Decimal("8000"))
    assert line.action.number == 8 and line.action.roadmap == ctx.extra["roadmap"]
    assert (
        Opportunity.objects.filter(territory=lozere, programme__in=["fondation", "fse_plus", "feder"]).count()
        == 3
    )
    assert Opportunity.objects.filter(title__startswith="Banque des Territoires").count() == 1
    lead = ctx.users["action_lead"]
    from maillage.funding.selectors import applications_visible_to

    assert application in applications_visible_to(lead)


def test_action_lead_of_an_epci_roadmap(figeac_epci, lot_coordinator):
    action = make_action(make_roadmap(figeac_epci), 1)
    lead = make_lead(figeac_epci, action)
    application = make_application(lead, action)
    assert application.created_by == lead
