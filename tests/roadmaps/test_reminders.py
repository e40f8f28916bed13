"""Monthly digest to action leads of their stale actions; coordinators see who was reminded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from maillage.roadmaps.models import Action, StaleReminder
from maillage.roadmaps.reminders import send_stale_digests

pytestmark = pytest.mark.django_db


def test_digest_goes_once_a_month_to_the_lead_of_stale_actions(client, roadmap, lot_lead, lot_coordinator):
    action = roadmap.actions.get(number=2)  # led by the lead's organisation
    Action.objects.filter(pk=action.pk).update(last_update_at=timezone.now() - timedelta(days=120))
    sent = send_stale_digests()
    assert [(d.recipient, [a.number for a in d.actions]) for d in sent] == [(lot_lead, [2])]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [lot_lead.email]
    assert "2. " in message.body and reverse("roadmaps:action_update", args=[action.pk]) in message.body
    # once a month: a second run sends nothing
    assert send_stale_digests() == []
    assert len(mail.outbox) == 1
    reminder = StaleReminder.objects.get()
    assert list(reminder.actions.all()) == [action]
    # the coordinator sees who was reminded
    client.force_login(lot_coordinator)
    page = client.get(reverse("roadmaps:dashboard", args=[roadmap.pk])).content.decode()
    assert "Porteurs relancés" in page and str(lot_lead) in page


def test_recent_update_means_no_digest(roadmap, lot_lead, capsys):
    Action.objects.filter(roadmap=roadmap).update(last_update_at=timezone.now())
    call_command("remind_stale_actions")
    assert "0 rappel(s) envoyé(s)." in capsys.readouterr().out
    assert mail.outbox == []


def test_dry_run_sends_nothing(roadmap, lot_lead, capsys):
    call_command("remind_stale_actions", "--dry-run")
    out = capsys.readouterr().out
    assert "à envoyer" in out and lot_lead.email in out
    assert mail.outbox == [] and not StaleReminder.objects.exists()
