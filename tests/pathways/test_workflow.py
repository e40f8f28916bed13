"""Referral workflow: transition table, log, audit, e-mails, signed links, reminders and expiry."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from maillage.core.models import AuditLog
from maillage.pathways import workflow
from maillage.pathways.models import Referral, ReferralEvent, ReferralStatus
from tests.pathways.factories import make_referral

S = ReferralStatus
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def referral(lot_prescriber, diagnostic, fs_figeac, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_referral(lot_prescriber, diagnostic, fs_figeac)


def test_transition_table_is_explicit_and_closed():
    assert set(workflow.ALLOWED_TRANSITIONS) == set(S.values)
    for final in (S.TAKEN_UP, S.REFUSED, S.CANCELLED, S.EXPIRED):
        assert workflow.ALLOWED_TRANSITIONS[final] == frozenset()
    assert S.EXPIRED in workflow.ALLOWED_TRANSITIONS[S.SENT]
    assert S.ACCEPTED not in workflow.ALLOWED_TRANSITIONS[S.PROPOSED]


def test_every_forbidden_transition_is_refused(lot_prescriber, diagnostic, fs_figeac):
    for start, target in product(S.values, S.values):
        if target in workflow.ALLOWED_TRANSITIONS[start]:
            continue
        ref = make_referral(lot_prescriber, diagnostic, fs_figeac, send=False)
        Referral.objects.filter(pk=ref.pk).update(status=start, refusal_reason="autre")
        for side in ("prescriber", "place", "system"):
            with pytest.raises(workflow.TransitionError):
                workflow.transition(
                    referral_id=ref.pk, to_status=target, side=side, refusal_reason="autre", reason="x"
                )
        assert Referral.objects.get(pk=ref.pk).status == start


def test_sent_referral_notifies_place_and_managers(referral, place_manager):
    assert referral.status == S.SENT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["accueil@fs-test.fr"]
    assert "/parcours/reponse/" in message.body
    assert list(referral.events.values_list("from_status", "to_status")) == [
        ("", S.PROPOSED),
        (S.PROPOSED, S.SENT),
    ]
    assert AuditLog.objects.filter(
        object_type="pathways.Referral", object_id=str(referral.pk), action="transition"
    ).exists()
    assert place_manager.email in workflow.recipients_for(referral)


def test_proposed_referral_sends_nothing_and_keeps_no_identity(lot_prescriber, diagnostic, fs_figeac):
    ref = make_referral(lot_prescriber, diagnostic, fs_figeac, send=False)
    assert ref.status == S.PROPOSED
    assert (ref.first_name, ref.phone, ref.email) == ("", "", "")
    assert mail.outbox == []


def test_send_requires_informed_person(lot_prescriber, diagnostic, fs_figeac):
    with pytest.raises(workflow.TransitionError):
        make_referral(lot_prescriber, diagnostic, fs_figeac, person_informed=False)
    assert not Referral.objects.exists()


def test_refusal_requires_reason_and_message(referral):
    with pytest.raises(workflow.TransitionError):
        workflow.transition(
            referral_id=referral.pk, to_status=S.REFUSED, side="place", refusal_reason="", reason="x"
        )
    with pytest.raises(workflow.TransitionError):
        workflow.transition(
            referral_id=referral.pk, to_status=S.REFUSED, side="place", refusal_reason="autre", reason=" "
        )
    ref = workflow.transition(
        referral_id=referral.pk,
        to_status=S.REFUSED,
        side="place",
        refusal_reason="session-complete",
        reason="Complet",
    )
    assert ref.status == S.REFUSED and ref.closed_at and ref.responded_at


def test_full_loop_with_prescriber_notified(referral, lot_prescriber, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(referral_id=referral.pk, to_status=S.ACCEPTED, side="place", actor_label="Lieu")
    assert mail.outbox[-1].to == [lot_prescriber.email]
    with pytest.raises(workflow.TransitionError):  # the place cannot cancel
        workflow.transition(referral_id=referral.pk, to_status=S.CANCELLED, side="place")
    ref = workflow.transition(referral_id=referral.pk, to_status=S.TAKEN_UP, side="place", actor_label="Lieu")
    assert ref.taken_up_at is not None
    assert [e.to_status for e in ref.events.all()] == [S.PROPOSED, S.SENT, S.ACCEPTED, S.TAKEN_UP]


def test_signed_link_round_trip_and_revocation(referral):
    token = workflow.make_link_token(referral)
    assert workflow.referral_from_token(token) == referral
    with pytest.raises(workflow.LinkError) as exc:
        workflow.referral_from_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert exc.value.kind == "invalid"
    Referral.objects.filter(pk=referral.pk).update(link_version=2)
    with pytest.raises(workflow.LinkError):
        workflow.referral_from_token(token)


def test_signed_link_expires(referral):
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False):
        token = workflow.make_link_token(referral)
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=16)
    with time_machine.travel(later, tick=False), pytest.raises(workflow.LinkError) as exc:
        workflow.referral_from_token(token)
    assert exc.value.kind == "expired"


def test_reminders_every_ten_days_idempotent(
    lot_prescriber, diagnostic, fs_figeac, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
    mail.outbox.clear()
    total = 0
    for days, expected in ((9, 0), (10, 1), (10, 0), (15, 0), (20, 1), (20, 0)):
        with (
            time_machine.travel(T0 + dt.timedelta(days=days, hours=1), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("send_referral_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        total += expected
        assert Referral.objects.get(pk=ref.pk).reminders_sent == total, days
    assert len(mail.outbox) == 2
    assert "Relance" in mail.outbox[0].subject


def test_expiry_after_thirty_days_idempotent(
    lot_prescriber, diagnostic, fs_figeac, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
        proposed = make_referral(lot_prescriber, diagnostic, fs_figeac, send=False)
    with time_machine.travel(T0 + dt.timedelta(days=29), tick=False):
        assert workflow.expire_referrals() == 0
    with time_machine.travel(T0 + dt.timedelta(days=30, hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("expire_referrals", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert workflow.expire_referrals() == 0
    ref.refresh_from_db()
    assert ref.status == S.EXPIRED
    assert Referral.objects.get(pk=proposed.pk).status == S.PROPOSED
    event = ReferralEvent.objects.filter(referral=ref).last()
    assert event.to_status == S.EXPIRED and event.actor is None
    assert mail.outbox[-1].to == [lot_prescriber.email]


def test_under_review_expires_after_sixty_days(lot_prescriber, diagnostic, fs_figeac):
    with time_machine.travel(T0, tick=False):
        ref = make_referral(lot_prescriber, diagnostic, fs_figeac)
        workflow.transition(referral_id=ref.pk, to_status=S.UNDER_REVIEW, side="place", actor_label="Lieu")
    with time_machine.travel(T0 + dt.timedelta(days=45), tick=False):
        assert workflow.expire_referrals() == 0
    with time_machine.travel(T0 + dt.timedelta(days=61), tick=False):
        assert workflow.expire_referrals() == 1


def test_mail_provider_down_fails_soft(referral, settings, django_capture_on_commit_callbacks, monkeypatch):
    def boom(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr(workflow, "send_mail", boom)
    with django_capture_on_commit_callbacks(execute=True):
        ref = workflow.transition(
            referral_id=referral.pk, to_status=S.ACCEPTED, side="place", actor_label="Lieu"
        )
    assert ref.status == S.ACCEPTED
