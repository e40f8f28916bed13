from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from maillage.core.metrics import compute_metric, get_metric
from maillage.roadmaps.models import Indicator
from maillage.roadmaps.reporting import indicator_status

pytestmark = pytest.mark.django_db


def test_governance_metrics_are_registered_and_computed(roadmap, lot):
    assert get_metric("roadmaps.meetings") is not None
    assert compute_metric("roadmaps.meetings", lot, date(2025, 1, 1), date(2025, 12, 31)) == 1
    assert compute_metric("roadmaps.meetings", lot, date(2024, 1, 1), date(2024, 12, 31)) == 0
    assert compute_metric("roadmaps.attendance_rate", lot, date(2025, 1, 1), date(2025, 12, 31)) == 66.7


def test_computed_indicator_shows_a_value_per_year(client, roadmap, lot, lot_viewer):
    indicator = Indicator.objects.get(action__roadmap=roadmap, action__number=1, position=1)
    indicator.metric_key = "roadmaps.meetings"
    indicator.save()
    status = indicator_status(indicator, lot, [2024, 2025, 2026, 2027], date(2026, 3, 1))
    assert status.series == [("2024", 0), ("2025", 1), ("2026", 0)]
    client.force_login(lot_viewer)
    page = client.get(reverse("roadmaps:action", args=[roadmap.pk, 1])).content.decode()
    assert "calculé" in page


def test_unknown_metric_is_reported_unavailable(roadmap, lot):
    indicator = Indicator.objects.get(action__roadmap=roadmap, action__number=1, position=1)
    indicator.metric_key = "inconnu.cle"
    status = indicator_status(indicator, lot, [2025], date(2025, 6, 1))
    assert status.unavailable
    assert status.current_label == "indicateur calculé indisponible"
