"""Registrations: one click for professionals, a form for outsiders, the waiting list, promotion."""

from __future__ import annotations

import pytest
from django.core import mail

from maillage.events import services
from maillage.events.models import Registration, RegistrationStatus
from tests.events.factories import make_session

R = RegistrationStatus


@pytest.mark.django_db
def test_a_person_registered_twice_is_one(lot, lot_mediator, django_capture_on_commit_callbacks):
    session = make_session(lot)
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.register(
            session_id=session.pk, full_name="Claire Martin", email="Claire@Exemple.fr "
        )
    again, created_again = services.register(
        session_id=session.pk, full_name="C. Martin", email="claire@exemple.fr"
    )
    assert created and not created_again and again.pk == first.pk
    one, _c = services.register(session_id=session.pk, user=lot_mediator)
    two, c2 = services.register(session_id=session.pk, user=lot_mediator)
    assert one.pk == two.pk and not c2
    # The professional registered through the form with their account's e-mail is the same person too.
    three, c3 = services.register(session_id=session.pk, full_name="X", email=lot_mediator.email.upper())
    assert three.pk == one.pk and not c3
    assert Registration.objects.filter(session=session).count() == 2
    assert len(mail.outbox) == 1 and "Inscription enregistrée" in mail.outbox[0].subject


@pytest.mark.django_db
def test_past_capacity_goes_to_the_waiting_list_and_a_cancellation_promotes(
    lot, django_capture_on_commit_callbacks
):
    session = make_session(lot, capacity=2)
    regs = [
        services.register(session_id=session.pk, full_name=f"P {i}", email=f"p{i}@ex.fr")[0] for i in range(4)
    ]
    assert [r.status for r in regs] == [R.REGISTERED, R.REGISTERED, R.WAITING, R.WAITING]
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(registration_id=regs[0].pk)
    statuses = dict(Registration.objects.values_list("full_name", "status"))
    assert statuses == {"P 0": R.CANCELLED, "P 1": R.REGISTERED, "P 2": R.REGISTERED, "P 3": R.WAITING}
    assert any("place s'est libérée" in m.subject for m in mail.outbox)
    # Re-registering after a cancellation: back in the queue, not over capacity.
    back, created = services.register(session_id=session.pk, full_name="P 0", email="p0@ex.fr")
    assert created and back.status == R.WAITING


@pytest.mark.django_db
def test_raising_the_capacity_promotes_in_order(lot, lot_coordinator):
    session = make_session(lot, capacity=1)
    regs = [
        services.register(session_id=session.pk, full_name=f"P {i}", email=f"p{i}@ex.fr")[0] for i in range(3)
    ]
    services.update_session(actor=lot_coordinator, session_id=session.pk, capacity=2)
    statuses = [Registration.objects.get(pk=r.pk).status for r in regs]
    assert statuses == [R.REGISTERED, R.REGISTERED, R.WAITING]


@pytest.mark.django_db
def test_closed_sessions_refuse_registrations(lot):
    past = make_session(lot, days=-3)
    with pytest.raises(services.EventsError, match="passée"):
        services.register(session_id=past.pk, full_name="A", email="a@ex.fr")
    cancelled = make_session(lot, status="cancelled")
    with pytest.raises(services.EventsError, match="annulée"):
        services.register(session_id=cancelled.pk, full_name="A", email="a@ex.fr")
    with pytest.raises(services.EventsError, match="e-mail"):
        services.register(session_id=make_session(lot).pk, full_name="A", email="")


@pytest.mark.django_db
def test_reminders_are_sent_once(lot, django_capture_on_commit_callbacks):
    session = make_session(lot, days=1)
    services.register(session_id=session.pk, full_name="A", email="a@ex.fr", notify_person=False)
    services.register(session_id=session.pk, full_name="B", email="b@ex.fr", notify_person=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_upcoming() == 2
        assert services.remind_upcoming() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["a@ex.fr", "b@ex.fr"]
    assert all(m.subject.startswith("Rappel") for m in mail.outbox)
