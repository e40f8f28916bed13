"""The batch form of the metrics registry (``compute_many``): same values as the single form, and a
constant number of queries on the dashboard and the bilan whatever the number of EPCI or indicators."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maillage.core.metrics import all_metrics, compute_many, get_metric
from maillage.roadmaps.models import Indicator, IndicatorKind
from maillage.roadmaps.reports.data import TERRITORY_METRICS, territory_figures
from tests.activities.factories import followed, individual, workshop
from tests.factories import make_commune, make_epci
from tests.pathways.factories import france_services, make_diagnostic, make_referral
from tests.places.factories import MediatorFactory, PlaceFactory

pytestmark = pytest.mark.django_db

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))  # whole months: the single form reads the rollup
ODD = (date(2026, 3, 5), date(2026, 5, 2))  # not whole months: the single form reads the raw tables


@pytest.fixture
def world(lot, lozere, figeac, cahors, mende, lot_mediator, lozere_mediator, lot_prescriber, lot_coordinator):
    """A little of everything the registry counts, in two EPCI of the Lot and one of the Lozère."""
    from maillage.equipment.models import Device
    from tests.equipment.factories import make_devices

    person = followed(lot_mediator)
    individual(
        lot_mediator,
        figeac,
        day=date(2026, 3, 10),
        beneficiary=person,
        themes=["aide_aux_demarches_administratives"],
    )
    individual(lot_mediator, figeac, day=date(2026, 3, 20), beneficiary=person)
    individual(lot_mediator, cahors, day=date(2026, 5, 1), duration_minutes=90)
    workshop(lot_mediator, figeac, day=date(2026, 3, 12), followed=[person])
    workshop(lot_mediator, cahors, day=date(2026, 4, 2), anonymous=9, themes=["parentalite"])
    individual(lot_mediator, cahors, day=date(2026, 4, 3), themes=["parentalite", "email"])
    individual(lozere_mediator, mende, day=date(2026, 3, 11))
    fs = france_services(figeac)
    place = PlaceFactory(commune=cahors, verified_at=timezone.now() - timedelta(days=30))
    PlaceFactory(commune=mende)
    MediatorFactory(places=[fs, place], aidants_connect_habilitated=True)
    MediatorFactory(places=[place])
    MediatorFactory(territory=figeac)
    MediatorFactory(territory=lot)
    diagnostic = make_diagnostic(lot_prescriber, figeac)
    make_diagnostic(lot_prescriber, cahors)
    make_referral(lot_prescriber, diagnostic, fs)
    make_devices(lot_coordinator, lot, 3)
    assert Device.objects.count() == 3
    return [lot, figeac.epci, cahors.epci, figeac, mende.epci, lozere, mende]


def _today_period() -> tuple[date, date]:
    today = timezone.localdate()
    return date(today.year, 1, 1), today


@pytest.mark.parametrize("period", [YEAR, MARCH, ODD, "today"])
def test_every_batch_form_gives_the_single_forms_values(world, period):
    start, end = _today_period() if period == "today" else period
    checked = 0
    for metric in all_metrics():
        if metric.compute_many is None:
            continue
        single = {t.pk: metric.compute(t, start, end) for t in world}
        assert compute_many(metric.key, world, start, end) == single, metric.key
        checked += 1
    assert checked >= 30


def test_the_metrics_the_roadmaps_use_have_a_batch_form():
    from maillage.roadmaps.demo import SEEDS

    seeds = " ".join(path.read_text(encoding="utf-8") for path in SEEDS.glob("*.yaml"))
    linked = set(re.findall(r"metrique: ([a-z_]+\.[a-z_]+)", seeds))
    assert len(linked) >= 15
    keys = set(TERRITORY_METRICS) | linked
    assert all(get_metric(k) is not None for k in keys), sorted(k for k in keys if get_metric(k) is None)
    # The contexts over large tables (places, activities, pathways, equipment) answer a list of territories
    # in one GROUP BY per level. Sessions, aidants and funding applications are a few hundred rows a year
    # per département: their metrics use the registry's fallback, one small query per territory.
    small = ("events.", "training.", "funding.")
    missing = sorted(k for k in keys if get_metric(k).compute_many is None and not k.startswith(small))
    assert missing == []


def test_unknown_metric_is_unknown_for_every_territory(lot, figeac_epci):
    assert compute_many("inconnu.cle", [lot, figeac_epci], *YEAR) == {lot.pk: None, figeac_epci.pk: None}


def test_rates_without_data_are_unknown_not_zero(lot):
    assert compute_many("pathways.take_up_rate", [lot], *YEAR) == {lot.pk: None}
    assert compute_many("roadmaps.attendance_rate", [lot], *YEAR) == {lot.pk: None}
    assert compute_many("places.freshness_rate", [lot], *YEAR) == {lot.pk: None}


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def test_bilan_territory_figures_cost_the_same_for_2_or_8_epci(roadmap, lot, figeac, cahors):
    from maillage.activities.models import Activity

    assert Activity.objects.count() == 0
    few = _queries(lambda: territory_figures(roadmap, *YEAR))
    for i in range(6):
        epci = make_epci(f"2000000{i:02d}", f"CC de banc {i}", lot)
        make_commune(f"460{i:02d}", f"Commune {i}", lot, epci)
    figures = territory_figures(roadmap, *YEAR)
    assert len(figures.rows) == 8
    assert _queries(lambda: territory_figures(roadmap, *YEAR)) == few


def _computed(roadmap, count: int, first: int = 0) -> None:
    keys = ["activities.accompaniments", "places.count", "pathways.diagnostics", "roadmaps.meetings"]
    action = roadmap.actions.first()
    for i in range(first, first + count):
        Indicator.objects.create(
            action=action,
            position=100 + i,
            label=f"Indicateur calculé {i}",
            kind=IndicatorKind.QUANTITATIVE,
            unit="u",
            metric_key=keys[i % len(keys)],
        )


def test_dashboard_queries_do_not_grow_with_computed_indicators_or_epci(
    client, roadmap, lot, lot_coordinator
):
    client.force_login(lot_coordinator)
    url = reverse("roadmaps:dashboard", args=[roadmap.pk])
    _computed(roadmap, 4)
    client.get(url)
    few = _queries(lambda: client.get(url))
    _computed(roadmap, 20, first=4)
    for i in range(5):
        make_epci(f"2000001{i:02d}", f"CC de banc {i}", lot)
    response = client.get(url)
    assert response.status_code == 200
    assert "Indicateur calculé 23" in response.content.decode()
    assert _queries(lambda: client.get(url)) == few


@pytest.mark.parametrize("period", [YEAR, MARCH, ODD])
def test_every_family_form_gives_the_batch_forms_values(world, period):
    from maillage.core.metrics import compute_table

    start, end = period
    families = [m for m in all_metrics() if m.compute_family is not None]
    assert len(families) >= 10
    keys = [m.key for m in families]
    table = compute_table(keys, world, start, end)
    for key in keys:
        assert table[key] == compute_many(key, world, start, end), key
        # a family member asked alone answers the same
        assert compute_table([key], world, start, end)[key] == table[key], key
    # a family's members and other metrics mixed, an unknown key among them
    mixed = compute_table(["places.count", keys[0], "inconnu.cle"], world, start, end)
    assert mixed["places.count"] == compute_many("places.count", world, start, end)
    assert mixed["inconnu.cle"] == {t.pk: None for t in world}
    assert list(mixed) == ["places.count", keys[0], "inconnu.cle"]


def test_a_family_reads_its_rows_once_whatever_the_number_of_its_metrics(world):
    from maillage.activities.metrics import FAMILY_AGGREGATES
    from maillage.core.metrics import compute_table

    plain = [k for k in FAMILY_AGGREGATES if k != "activities.people"]
    one = _queries(lambda: compute_table(plain[:1], world, *YEAR))
    assert _queries(lambda: compute_table(plain, world, *YEAR)) == one


def test_the_session_family_gives_the_single_forms_values(world, lot, figeac):
    from datetime import timedelta

    from maillage.core.metrics import compute_table
    from tests.events.factories import make_registration, make_session

    for territory, kind, offset, attendances in [
        (lot, "network_meeting", 40, ["present", "present", "absent", ""]),
        (figeac, "network_meeting", 20, ["present", "absent"]),
        (figeac, "sensibilisation", 10, ["present", "", ""]),
        (lot, "sensibilisation", 5, [""]),  # nobody's attendance taken: its rate is unknown
    ]:
        session = make_session(territory, days=-offset, kind=kind)
        for i, attendance in enumerate(attendances):
            make_registration(session, name=f"P{offset}-{i}", attendance=attendance)
    make_session(lot, days=5)  # not held yet
    today = timezone.localdate()
    keys = [m.key for m in all_metrics() if m.key.startswith("events.") and m.compute_family is not None]
    assert len(keys) == 6
    for start, end in [(today - timedelta(days=365), today), (today - timedelta(days=7), today)]:
        table = compute_table(keys, world, start, end)
        for key in keys:
            metric = get_metric(key)
            assert table[key] == {t.pk: metric.compute(t, start, end) for t in world}, key
    table = compute_table(keys, world, today - timedelta(days=365), today)
    assert table["events.participants"][lot.pk] == 4
    assert table["events.network_meeting_participation_rate"][lot.pk] == 60.0


def test_the_submitted_applications_family_gives_the_single_forms_values(lot, lozere, lot_coordinator):
    from maillage.core.metrics import compute_table
    from tests.funding.factories import make_action, make_application, make_granted
    from tests.funding.factories import make_roadmap as make_funding_roadmap

    action = make_action(make_funding_roadmap(lot))
    make_granted(lot_coordinator, action)  # requested 12 000, submitted 15/01/2025
    make_application(
        lot_coordinator, action, status="deposee", submitted_on=date(2025, 6, 1), amount_requested=None
    )
    make_application(lot_coordinator, action)  # in preparation: not submitted
    keys = ["funding.applications_submitted", "funding.amount_requested"]
    assert all(get_metric(k).compute_family is not None for k in keys)
    for start, end in [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 5, 1), date(2025, 12, 31))]:
        table = compute_table(keys, [lot, lozere], start, end)
        for key in keys:
            assert table[key] == {t.pk: get_metric(key).compute(t, start, end) for t in (lot, lozere)}, key
    table = compute_table(keys, [lot, lozere], date(2025, 1, 1), date(2025, 12, 31))
    assert table == {
        "funding.applications_submitted": {lot.pk: 2, lozere.pk: 0},
        "funding.amount_requested": {lot.pk: 12000.0, lozere.pk: 0.0},
    }
