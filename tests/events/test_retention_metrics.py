"""Outsiders' registrations are purged; the roadmap's figures are computed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from maillage.core.metrics import compute_metric
from maillage.core.retention import purgers
from maillage.events import retention
from maillage.events.models import Evaluation, Registration
from tests.events.factories import make_registration, make_session


@pytest.mark.django_db
def test_outsiders_are_anonymised_after_the_retention_period(lot, lot_mediator):
    assert "events" in [label for label, _p in purgers()]
    old = make_session(lot, days=-400)
    outsider = make_registration(old, name="Claire Martin", accessibility_needs="LSF", attendance="present")
    member = make_registration(old, name="Inès", email=lot_mediator.email, user=lot_mediator)
    recent = make_registration(make_session(lot, days=-10), name="Paul")
    now = timezone.now()
    assert retention.purge(now=now, dry_run=True) == {"inscriptions de personnes extérieures": 1}
    assert retention.purge(now=now) == {"inscriptions de personnes extérieures": 1}
    outsider.refresh_from_db()
    assert (
        outsider.email == ""
        and outsider.accessibility_needs == ""
        and outsider.full_name == "Personne anonymisée"
    )
    assert outsider.attendance == "present"  # the figure stays
    assert Registration.objects.get(pk=member.pk).email == lot_mediator.email
    assert Registration.objects.get(pk=recent.pk).full_name == "Paul"
    assert retention.purge(now=now) == {"inscriptions de personnes extérieures": 0}


@pytest.mark.django_db
def test_quarterly_meetings_participation_rate(lot, figeac_epci):
    today = timezone.localdate()
    for offset, present in [(100, 3), (40, 2)]:
        session = make_session(lot, days=-offset, kind="network_meeting")
        regs = [make_registration(session, name=f"P{offset}-{i}") for i in range(4)]
        for reg in regs[:present]:
            reg.attendance = "present"
            reg.save()
        for reg in regs[present:]:
            reg.attendance = "absent"
            reg.save()
        Evaluation.objects.create(registration=regs[0], overall=4, usefulness=4, organisation=4, speakers=4)
    make_session(lot, days=5, kind="network_meeting")  # not held yet
    start, end = today - timedelta(days=365), today
    assert compute_metric("events.network_meetings_held", lot, start, end) == 2
    assert compute_metric("events.participants", lot, start, end) == 5
    assert compute_metric("events.network_meeting_participation_rate", lot, start, end) == 62.5
    assert compute_metric("events.satisfaction", lot, start, end) == 4.0
    assert compute_metric("events.sessions_held", lot, date(2000, 1, 1), date(2000, 12, 31)) == 0
    # No attendance taken, no answer: unknown, not zero.
    assert compute_metric("events.participation_rate", lot, date(2000, 1, 1), date(2000, 12, 31)) is None
    assert compute_metric("events.satisfaction", lot, date(2000, 1, 1), date(2000, 12, 31)) is None
