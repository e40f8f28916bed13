"""The demo tells the issue's story: the Lot's quarterly meetings with their participation rate, 60
aidants trained over two years against the target, some habilitated, a NEC with its evaluation."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from maillage.core.demo import DemoContext
from maillage.core.metrics import compute_metric
from maillage.events.models import Evaluation, EventProject, Session
from maillage.training.models import TrainingTarget
from maillage.training.selectors import target_progress
from tests.places.factories import PlaceFactory


@pytest.mark.django_db
def test_demo_is_the_issue_story_and_idempotent(lot, figeac):
    from maillage.accounts import demo as accounts_demo
    from maillage.events import demo as events_demo
    from maillage.training import demo as training_demo

    ctx = DemoContext(department=lot)
    ctx.places = [PlaceFactory(commune=figeac)]
    accounts_demo.seed(ctx)
    training_demo.seed(ctx)
    events_demo.seed(ctx)
    count = Session.objects.count()
    training_demo.seed(ctx)
    events_demo.seed(ctx)
    assert Session.objects.count() == count
    year = timezone.localdate().year - 1
    start, end = date(year, 1, 1), date(year, 12, 31)
    assert compute_metric("events.network_meetings_held", lot, start, end) == 4
    rate = compute_metric("events.network_meeting_participation_rate", lot, start, end)
    assert rate is not None and 60 <= rate <= 95
    progress = target_progress(TrainingTarget.objects.get(territory=lot))
    assert progress.target.count == 60 and progress.trained >= 60
    assert compute_metric("training.habilitations_active", lot, start, timezone.localdate()) > 0
    nec = EventProject.objects.get(territory=lot, kind="nec")
    assert Evaluation.objects.filter(registration__session__project=nec).count() > 20
