"""An application is the one source of truth of the action's revenue line: granted amount = planned,
payments = received, in the action's budget and in the bilan; the roadmaps forms leave the line alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from maillage.core.models import AuditLog
from maillage.funding import services
from maillage.funding.models import Application, ApplicationStatus
from maillage.roadmaps import services as roadmap_services
from maillage.roadmaps.models import BudgetLine
from maillage.roadmaps.reports.data import build_report
from tests.funding.factories import make_action, make_application, make_granted, make_lead, make_roadmap

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(lot):
    return make_action(make_roadmap(lot), 8)


def _pay_twice(actor, application):
    services.add_instalment(
        actor=actor, application=application, received_on=date(2025, 4, 30), amount=Decimal("5000")
    )
    services.add_instalment(
        actor=actor, application=application, received_on=date(2025, 10, 15), amount=Decimal("3000")
    )


def test_granted_fse_paid_in_two_instalments_is_in_the_budget_and_the_bilan(lot_coordinator, action):
    application = make_granted(lot_coordinator, action, year=2025)
    line = BudgetLine.objects.get(action=action)
    assert (line.nature, line.unit, line.planned, line.spent) == ("produit", "eur", Decimal("10000"), None)
    assert line.funder.name == "Région Occitanie"

    _pay_twice(lot_coordinator, application)
    application.refresh_from_db()
    line.refresh_from_db()
    assert application.status == ApplicationStatus.PAYING
    assert application.budget_line_id == line.pk
    assert (line.planned, line.spent) == (Decimal("10000"), Decimal("8000"))
    assert BudgetLine.objects.filter(action=action).count() == 1  # one line, kept in place

    report = build_report(action.roadmap, 2025, today=date(2025, 12, 31))
    income = report.budget.income_by_funder
    assert [(r.label, r.planned.total, r.spent.total) for r in income.rows] == [
        ("Région Occitanie", Decimal("10000"), Decimal("8000"))
    ]
    assert report.budget.by_funder.total.planned.total == 0  # revenue never mixed with the charges


def test_unknown_is_not_zero_and_refusal_removes_the_line(lot_coordinator, action):
    preparing = make_application(lot_coordinator, action, amount_requested=None)
    assert preparing.budget_line is None and not BudgetLine.objects.exists()
    application = make_granted(lot_coordinator, action)
    assert BudgetLine.objects.get().spent is None  # nothing received: unknown, not 0
    application.status = ApplicationStatus.REFUSED
    application.granted_amount = None
    services.update_application(
        actor=lot_coordinator, application=application, read_version=application.version
    )
    assert not BudgetLine.objects.exists()
    assert Application.objects.get(pk=application.pk).budget_line is None


def test_granted_over_request_needs_a_confirmation(lot_coordinator, action):
    with pytest.raises(ValidationError) as refused:
        make_granted(lot_coordinator, action, granted="15000")
    assert "confirmation" in str(refused.value)
    application = make_granted(lot_coordinator, action, granted="15000", over_request_confirmed=True)
    assert BudgetLine.objects.get().planned == Decimal("15000")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Application.objects.filter(pk=application.pk).update(over_request_confirmed=False)


def test_payments_only_on_a_granted_application(lot_coordinator, action):
    application = make_application(lot_coordinator, action)
    with pytest.raises(ValidationError):
        services.add_instalment(
            actor=lot_coordinator, application=application, received_on=date(2025, 1, 1), amount=Decimal("1")
        )


def test_roadmap_forms_leave_the_managed_line_alone(lot_coordinator, action):
    application = make_granted(lot_coordinator, action)
    _pay_twice(lot_coordinator, application)
    line = BudgetLine.objects.get()
    roadmap_services.update_action(
        action=action,
        actor=lot_coordinator,
        status=None,
        progress=None,
        note="",
        month=date(2025, 11, 1),
        measurements=[],
        spent={line.pk: Decimal("1")},
    )
    line.refresh_from_db()
    assert line.spent == Decimal("8000")


def test_managed_line_pages_send_to_the_application(client, lot_coordinator, action):
    application = make_granted(lot_coordinator, action)
    line = BudgetLine.objects.get()
    client.force_login(lot_coordinator)
    target = f"/financements/dossiers/{application.pk}/"
    assert client.get(reverse("roadmaps:budget_edit", args=[line.pk])).url == target
    assert client.post(reverse("roadmaps:delete", args=["budget", line.pk])).url == target
    assert BudgetLine.objects.filter(pk=line.pk).exists()
    page = client.get(reverse("roadmaps:action", args=[action.roadmap_id, action.number]))
    assert target in page.content.decode()


def test_instalment_removed_lowers_received(lot_coordinator, action):
    application = make_granted(lot_coordinator, action)
    _pay_twice(lot_coordinator, application)
    services.delete_instalment(
        actor=lot_coordinator, instalment=application.instalments.order_by("pk").last()
    )
    assert BudgetLine.objects.get().spent == Decimal("5000")
    services.delete_instalment(actor=lot_coordinator, instalment=application.instalments.get())
    assert BudgetLine.objects.get().spent is None


def test_action_leads_of_the_action_only(lot, lot_viewer, action):
    lead = make_lead(lot, action)
    make_application(lead, action)
    other = make_action(action.roadmap, 9)
    with pytest.raises(PermissionDenied):
        make_application(lead, other)
    with pytest.raises(PermissionDenied):
        make_application(lot_viewer, action)


def test_every_change_is_audited(lot_coordinator, action):
    application = make_granted(lot_coordinator, action)
    _pay_twice(lot_coordinator, application)
    kinds = set(AuditLog.objects.values_list("object_type", flat=True))
    assert {"funding.Application", "funding.Instalment", "roadmaps.BudgetLine"} <= kinds
    entry = AuditLog.objects.filter(object_type="funding.Application").first()
    assert entry.territory_code == "46"


def test_an_action_with_applications_is_not_deleted_with_them(client, lot_coordinator, action):
    application = make_granted(lot_coordinator, action)
    client.force_login(lot_coordinator)
    response = client.post(reverse("roadmaps:delete", args=["action", action.pk]), follow=True)
    assert response.status_code == 200
    assert "Suppression impossible" in response.content.decode()
    assert Application.objects.filter(pk=application.pk).exists()
    assert BudgetLine.objects.filter(action=action).exists()
