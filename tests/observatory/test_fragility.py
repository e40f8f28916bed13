"""The IFN-compatible index, the Compas-like score, and agreement with La MedNum's reference files."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from maillage.observatory import fragility as fr
from maillage.observatory.models import CommuneIndicator, FragilityScore, IndicatorSource
from maillage.observatory.services import (
    aggregate_reference,
    agreement,
    compute_fragility,
    import_indicators,
)
from maillage.territories.models import Territory
from tests.observatory.conftest import FIXTURES


def test_deciles_ties_and_bounds():
    rates = {i: float(i) for i in range(100)}
    scores = fr.decile_scores(rates)
    assert scores[0] == 1 and scores[9] == 1 and scores[10] == 2 and scores[99] == 10
    assert sorted(set(scores.values())) == list(range(1, 11))
    tied = fr.decile_scores({1: 5.0, 2: 5.0, 3: 5.0, 4: 9.0, 5: None})
    assert tied == {1: 1, 2: 1, 3: 1, 4: 10}  # ties share the lowest rank; None gets no score


def test_total_needs_three_scores_and_classes():
    assert fr.mean_if_enough({"a": 4, "b": 6, "c": None, "d": None, "e": None}, 3) == (None, 2)
    assert fr.mean_if_enough({"a": 4, "b": 6, "c": 8, "d": None}, 3) == (6.0, 3)
    assert [fr.ifn_class(v) for v in (1.0, 2.42, 2.43, 6.34, 9.56, 9.58, 10.0)] == [0, 0, 1, 3, 5, 6, 6]
    assert fr.ifn_class(None) is None


def test_weighted_means_skip_missing():
    scores = fr.weighted_scores([({"a": 2.0, "b": None}, 100), ({"a": 8.0, "b": 5.0}, 300)], ("a", "b"))
    assert scores == {"a": pytest.approx(6.5), "b": pytest.approx(5.0)}


def test_spearman():
    assert fr.spearman([(1, 10), (2, 20), (3, 30)]) == pytest.approx(1.0)
    assert fr.spearman([(1, 3), (2, 2), (3, 1)]) == pytest.approx(-1.0)
    assert fr.spearman([(1, 1), (1, 2)]) is None


@pytest.mark.django_db
def test_ifn_from_imported_files_keeps_missing_missing(lot_communes, settings):
    for name in ("dossier_complet_extrait.csv", "commune_debit_filaire.csv", "couverture_4g_communes.csv"):
        import_indicators(FIXTURES / name, compute=False)
    compute_fragility()
    scores = {
        s.territory.code: s for s in FragilityScore.objects.filter(method="ifn").select_related("territory")
    }
    albas, cahors = scores["46001"], scores["46042"]
    # Albas: poverty rate under statistical secrecy → 4 scores, never a 0 or an imputed value.
    assert albas.scores["poverty"] is None
    assert albas.available == 4
    assert albas.total == pytest.approx(sum(v for v in albas.scores.values() if v is not None) / 4)
    assert cahors.available == 5
    # Arcambal has the worst fixed and 4G coverage of the four communes.
    assert scores["46011"].scores["no_thd"] == 10 and scores["46011"].scores["no_4g"] == 10
    # EPCI and département: population-weighted per score, then mean.
    epci = scores["200023737"]
    expected = fr.weighted_scores(
        [(scores[c].scores, lot_communes[c].population) for c in ("46042", "46001", "46011")], fr.IFN_KEYS
    )
    assert epci.scores == pytest.approx(expected)
    assert "46" in scores
    # Fewer than OBSERVATORY_IFN_MIN_SCORES → no total.
    settings.OBSERVATORY_IFN_MIN_SCORES = 5
    compute_fragility()
    assert FragilityScore.objects.get(method="ifn", territory=lot_communes["46001"]).total is None


@pytest.mark.django_db
def test_compas_like_score_and_thresholds_setting(lot_communes, settings):
    for name in ("dossier_complet_extrait.csv", "RSACom2014.csv", "AAHCom2014.csv"):
        import_indicators(FIXTURES / name, compute=False)
    compute_fragility()
    compas = {
        s.territory.code: s
        for s in FragilityScore.objects.filter(method="compas").select_related("territory")
    }
    cahors = compas["46042"]
    assert cahors.available == 5 and 5 <= cahors.total <= 25
    assert compas["46011"].total is None  # RSA/AAH counts blurred for Arcambal: no total, not a guess
    assert compas["46011"].scores["minima"] is None
    # Reference = ratio of sums over the loaded communes: 7974.1 / 29705 = 0.268; Cahors 0.252 → r = 0.94.
    assert cahors.scores["_reference"]["age"] == pytest.approx(7974.1 / 29705)
    assert cahors.scores["age"] == 2  # 0.80 ≤ r < 0.95
    settings.OBSERVATORY_COMPAS_THRESHOLDS = (0.1, 0.2, 0.3, 0.4)
    compute_fragility()
    assert FragilityScore.objects.get(method="compas", territory=lot_communes["46042"]).scores["age"] == 5


@pytest.mark.django_db
def test_mednum_layer_and_epci_aggregation_reproduced(lot_with_mednum):
    mednum = FragilityScore.objects.filter(method="mednum")
    lot_communes = mednum.filter(territory__kind="commune")
    assert lot_communes.count() == Territory.objects.communes().count()
    for score in lot_communes:
        known = [v for v in score.scores.values() if v is not None]
        assert score.total == pytest.approx(sum(known) / len(known), abs=1e-6)
    # EPCI wholly inside the Lot: population-weighted mean of its communes = MedNum's EPCI value.
    checked = 0
    for epci in Territory.objects.epcis():
        members = Territory.objects.communes().filter(epci=epci)
        if members.count() < 5 or epci.name.startswith(("CC Grand-Figeac", "CC du Quercy Blanc")):
            continue  # straddling the Lot's border: members outside the loaded département
        reference = mednum.get(territory=epci).total
        assert aggregate_reference(epci)["total"] == pytest.approx(reference, abs=0.03), epci.name
        checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_computed_ifn_agrees_with_mednum_when_inputs_rank_alike(lot_with_mednum, capsys):
    """Raw rates ordered like MedNum's sub-scores (the real INSEE/ARCEP files cannot be fetched here):
    the decile + mean pipeline must give back MedNum's ranking, and the agreement report says how much."""
    rows = []
    for score in FragilityScore.objects.filter(method="mednum", territory__kind="commune"):
        s = score.scores
        jitter = (score.territory_id % 7) * 1e-4
        values: dict[str, float] = {}
        if s["no_thd"] is not None:
            values |= {"premises": 100.0, "premises_thd30": 100.0 - s["no_thd"] - jitter}
        if s["no_4g"] is not None:
            values["mobile_4g_share"] = 100.0 - s["no_4g"] - jitter
        if s["poverty"] is not None:
            values["poverty_rate"] = s["poverty"] + jitter
        if s["older"] is not None:
            values |= {"pop65p": s["older"] + jitter, "population_rp": 100.0}
        if s["education"] is not None:
            values |= {"nscol15p_diplmin": s["education"] + jitter, "nscol15p_bepc": 0.0, "nscol15p": 100.0}
        rows += [
            CommuneIndicator(
                commune_id=score.territory_id, key=k, value=v, source=IndicatorSource.INSEE, vintage="test"
            )
            for k, v in values.items()
        ]
    CommuneIndicator.objects.bulk_create(rows)
    compute_fragility()
    result = agreement(lot_with_mednum)
    assert result.communes >= 300
    # Deciles taken over the Lot alone (not all of France) stretch the Lot's narrow distribution, so the
    # ranks stay close (ρ ≈ 0.86 measured) while absolute values move (≈ half within one point).
    assert result.spearman is not None and result.spearman > 0.8
    assert result.within_one is not None and result.within_one > 30
    call_command("observatory_agreement", departments="46")
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("46 Lot;")
