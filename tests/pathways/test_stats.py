"""Statistics and registered metrics."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from maillage.core.metrics import compute_metric, get_metric
from maillage.pathways import stats, workflow
from maillage.pathways.models import ReferralStatus
from tests.pathways.factories import AUTONOMOUS, make_diagnostic, make_referral

S = ReferralStatus
YEAR = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


@pytest.fixture
def figures(lot_prescriber, figeac, cahors, fs_figeac):
    d1 = make_diagnostic(lot_prescriber, figeac)
    make_diagnostic(lot_prescriber, cahors, AUTONOMOUS)
    refs = [make_referral(lot_prescriber, d1, fs_figeac) for _ in range(4)]
    workflow.transition(referral_id=refs[0].pk, to_status=S.ACCEPTED, side="place", actor_label="Lieu")
    workflow.transition(referral_id=refs[1].pk, to_status=S.TAKEN_UP, side="place", actor_label="Lieu")
    workflow.transition(
        referral_id=refs[2].pk,
        to_status=S.REFUSED,
        side="place",
        refusal_reason="session-complete",
        reason="x",
    )
    make_referral(lot_prescriber, d1, fs_figeac, send=False)
    return refs


def test_rates(lot, figures):
    rates = stats.referral_rates(stats.scoped_referrals([lot], None, *YEAR))
    assert rates["total"] == 5 and rates["sent"] == 4 and rates["decided"] == 3
    assert rates["acceptance_rate"] == pytest.approx(66.7)
    assert rates["take_up_rate"] == 20.0


def test_compute_tables(lot, figures):
    data = stats.compute([lot], None, *YEAR)
    assert data["diagnostics"]["total"] == 2 and data["fragile_rate"] == 50.0
    tables = data["tables"]
    assert dict(tables["by_reason"].rows) == {"Session complète": 1}
    assert ("P2 — Débutant·e", 1) in tables["by_profile"].rows
    assert dict(tables["by_flag"].rows)["Démarche urgente"] == 1
    assert data["delay_median_days"] is not None
    assert sum(n for _, n in tables["by_month"].rows) == 2


def test_metrics_registered(lot, lozere, figures):
    for key in (
        "pathways.diagnostics",
        "pathways.referrals",
        "pathways.referrals_taken_up",
        "pathways.acceptance_rate",
    ):
        assert get_metric(key) is not None, key
    assert compute_metric("pathways.diagnostics", lot, *YEAR) == 2
    assert compute_metric("pathways.referrals", lot, *YEAR) == 5
    assert compute_metric("pathways.referrals_taken_up", lot, *YEAR) == 1
    assert compute_metric("pathways.acceptance_rate", lot, *YEAR) == pytest.approx(66.7)
    assert compute_metric("pathways.diagnostics", lozere, *YEAR) == 0


def test_statistics_page_charts_have_tables(client, lot_coordinator, figures):
    client.force_login(lot_coordinator)
    body = client.get(reverse("pathways:statistics") + "?start=2000-01-01&end=2100-12-31").content.decode()
    assert body.count('role="img"') >= 5
    assert "Motifs de refus</caption>" in body
    assert "Analyse des demandes non satisfaites" in body
    bad = client.get(reverse("pathways:statistics") + "?start=2030-01-01&end=2020-01-01")
    assert "La date de début doit précéder la date de fin." in bad.content.decode()


def test_metrics_at_every_level(lot, figeac, figeac_epci, figures):
    from maillage.territories.models import Territory

    region = Territory.objects.get(pk=lot.region_id)
    for territory in (region, lot, figeac_epci, figeac):
        assert compute_metric("pathways.diagnostics", territory, *YEAR) >= 1, territory
    assert compute_metric("pathways.referrals", figeac_epci, *YEAR) == 5


def test_long_tables_fold_into_others():
    rows = [(f"Structure {i}", 100 - i) for i in range(40)]
    folded = stats._fold(rows, stats.MAX_ROWS)
    assert len(folded) == stats.MAX_ROWS
    assert folded[-1] == ("Autres (16)", sum(n for _, n in rows[24:]))
    assert sum(n for _, n in folded) == sum(n for _, n in rows)
