"""Nearest-place distances (grid index = all-pairs loop), kinds of place, itinerant stops, metrics."""

from __future__ import annotations

import random
from datetime import date

import pytest

from maillage.core.metrics import all_metrics, compute_metric, compute_table, get_metric
from maillage.observatory.access import compute_access
from maillage.observatory.geo import SphereIndex, haversine_km, nearest_naive_km
from maillage.observatory.models import CommuneAccess, FragilityScore, ItinerantStop
from maillage.places.choices import NationalProgramme
from tests.places.factories import MediatorFactory, PlaceFactory


def test_haversine_known_distance():
    # Cahors – Figeac: about 50 km as the crow flies.
    assert haversine_km(44.4475, 1.4419, 44.6086, 2.0317) == pytest.approx(50.0, abs=10)
    assert haversine_km(44.0, 1.0, 44.0, 1.0) == 0


def test_kd_tree_nearest_equals_all_pairs():
    rng = random.Random(7)
    points = [(rng.uniform(41.3, 51.1), rng.uniform(-5.2, 9.6)) for _ in range(800)]
    points += [(-21.1, 55.5), (16.2, -61.5)]  # overseas
    index = SphereIndex(points)
    queries = [(rng.uniform(41.3, 51.1), rng.uniform(-5.2, 9.6)) for _ in range(300)]
    for (lat, lon), km in zip(queries, index.nearest_km_many(queries, 5000), strict=True):
        assert km == pytest.approx(nearest_naive_km(lat, lon, points), abs=1e-6)
    assert index.nearest_km(-21.0, 55.4, 200) == pytest.approx(
        nearest_naive_km(-21.0, 55.4, points), abs=1e-6
    )
    assert index.nearest_km(-49.3, 69.2, 200) is None  # Kerguelen: nothing within 200 km
    assert SphereIndex([]).nearest_km(44, 1) is None


@pytest.mark.django_db
def test_access_by_kind_and_itinerant_stops(lot_communes, settings):
    cahors, figeac, albas, arcambal = (lot_communes[c] for c in ("46042", "46102", "46001", "46011"))
    PlaceFactory(commune=cahors, national_programmes=[NationalProgramme.FRANCE_SERVICES.value])
    bus = PlaceFactory(commune=figeac, national_programmes=[], mobility=["Itinérant"])
    ItinerantStop.objects.create(place=bus, commune=albas, schedule="mardi matin")
    staffed = PlaceFactory(commune=figeac, national_programmes=[])
    MediatorFactory(places=[staffed], kind="mediateur_numerique", aidants_connect_habilitated=True)
    PlaceFactory(commune=arcambal, is_published=False)  # unpublished: not part of the supply
    assert compute_access() == 4
    access = {a.commune.code: a for a in CommuneAccess.objects.select_related("commune")}
    assert access["46042"].distance_france_services == 0
    assert access["46042"].places["france_services"] == 1
    assert access["46001"].places["mediation"] == 1  # the bus stops in Albas
    assert access["46001"].distance_mediation == 0
    assert access["46102"].places == {
        "mediation": 2,
        "france_services": 0,
        "aidants_connect": 1,
        "digital_advisers": 0,
    }
    arcambal_to_cahors = haversine_km(
        arcambal.latitude, arcambal.longitude, cahors.latitude, cahors.longitude
    )
    assert access["46011"].distance_mediation == pytest.approx(arcambal_to_cahors, abs=0.01)
    assert access["46011"].distance_digital_advisers is None  # no adviser anywhere: unknown, not 0
    # Recomputing updates in place.
    assert compute_access() == 4
    assert CommuneAccess.objects.count() == 4


@pytest.mark.django_db
def test_metrics_for_roadmap_indicators(lot_communes, lot, settings):
    settings.OBSERVATORY_NEAR_KM = 5
    settings.OBSERVATORY_FAR_KM = 5
    settings.OBSERVATORY_FRAGILE_IFN_MIN = 6
    today = date(2026, 6, 30)
    assert compute_metric("observatory.population_near_place", lot, date(2026, 1, 1), today) is None
    PlaceFactory(commune=lot_communes["46042"], national_programmes=[NationalProgramme.FRANCE_SERVICES.value])
    compute_access()
    for code, total in (("46042", 5.0), ("46011", 7.5), ("46001", 8.0), ("46102", 6.5)):
        FragilityScore.objects.create(
            territory=lot_communes[code], method="ifn", total=total, scores={}, vintage="t"
        )
    population = 19405 + 9757 + 557 + 1012
    near = sum(
        c.population
        for c in lot_communes.values()
        if CommuneAccess.objects.get(commune=c).distance_mediation <= 5
    )
    share = compute_metric("observatory.population_near_place", lot, date(2026, 1, 1), today)
    assert share == pytest.approx(round(100 * near / population, 1))
    # Fragile (IFN ≥ 6) and far (> 5 km, no place): Arcambal, Albas, Figeac.
    assert compute_metric("observatory.fragile_far_communes", lot, date(2026, 1, 1), today) == 3
    assert compute_metric("observatory.places_per_10k", lot, date(2026, 1, 1), today) == pytest.approx(
        round(10000 / population, 2)
    )
    assert compute_metric("observatory.france_services_per_10k", lot, date(2026, 1, 1), today) > 0
    # the family form (one summary per territory for all four figures) gives the single forms' values
    keys = [m.key for m in all_metrics() if m.key.startswith("observatory.")]
    assert len(keys) == 4 and all(get_metric(k).compute_family is not None for k in keys)
    territories = [lot, lot_communes["46042"], lot_communes["46011"]]
    table = compute_table(keys, territories, date(2026, 1, 1), today)
    for key in keys:
        assert table[key] == {
            t.pk: get_metric(key).compute(t, date(2026, 1, 1), today) for t in territories
        }, key
    assert table["observatory.fragile_far_communes"][lot.pk] == 3
