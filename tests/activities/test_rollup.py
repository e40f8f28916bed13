from datetime import date

import pytest

from maillage.activities import rollup, selectors, services
from maillage.activities.models import ActivityRollup
from tests.activities.factories import followed, individual, workshop

pytestmark = pytest.mark.django_db

START, END = date(2026, 1, 1), date(2026, 12, 31)


def _snapshot():
    return sorted(
        (
            r.grain,
            r.dimension,
            r.department_id,
            r.epci_id,
            r.month,
            r.value,
            r.activities,
            r.accompaniments,
            r.anonymous,
        )
        for r in ActivityRollup.objects.all()
        if r.activities or r.accompaniments or r.anonymous
    )


def _stats_dict(stats):
    return {
        "totals": (stats.activities, stats.individual, stats.collective, stats.accompaniments, stats.people),
        "months": [(r.value, r.activities, r.accompaniments) for r in stats.by_month],
        "breakdowns": {
            b.dimension: sorted((r.value, r.accompaniments) for r in b.rows) for b in stats.breakdowns
        },
    }


@pytest.fixture
def data(lot_mediator, figeac, cahors):
    person = followed(lot_mediator)
    individual(
        lot_mediator,
        figeac,
        themes=["email", "aide_aux_demarches_administratives"],
        procedures=["logement"],
        devices=["telephone"],
        autonomy="autonome",
        oriented=True,
        orientation="aide_sociale",
        duration_minutes=60,
        tags=["Séniors, Figeac", "été"],
    )
    individual(
        lot_mediator,
        cahors,
        day=date(2026, 4, 2),
        beneficiary=person,
        devices=["ordinateur", "telephone"],
        oriented=False,
    )
    individual(lot_mediator, figeac, day=date(2026, 4, 9), beneficiary=person, duration_minutes=15)
    workshop(lot_mediator, figeac, followed=[person], tags=["Séniors, Figeac"], duration_minutes=30)
    return person


def test_incremental_rollup_equals_rebuild(data, lot_mediator, figeac):
    incremental = _snapshot()
    rollup.rebuild()
    assert _snapshot() == incremental


def test_update_and_delete_keep_rollup_in_sync(data, lot_mediator, figeac, cahors):
    activity = individual(lot_mediator, figeac, themes=["sante"])
    new = services.ActivityData(
        kind="individuel",
        date=date(2026, 5, 5),
        duration_minutes=90,
        place_type="domicile",
        commune=cahors,
        themes=["bureautique"],
    )
    services.update_activity(actor=lot_mediator, activity=activity, data=new)
    other = individual(lot_mediator, figeac, themes=["sante"])
    services.delete_activity(actor=lot_mediator, activity=other)
    incremental = _snapshot()
    rollup.rebuild()
    assert _snapshot() == incremental


def test_rollup_and_raw_statistics_agree(data, lot_coordinator, lot, lozere_mediator, mende):
    from tests.factories import UserFactory

    individual(lozere_mediator, mende, themes=["sante"])
    admin = UserFactory(is_superuser=True)
    for user, param in ((lot_coordinator, f"department:{lot.pk}"), (admin, "national:0")):
        scope = selectors.resolve_scope(user, param)
        fast = selectors.compute_stats(scope, START, END)
        raw = selectors.compute_stats(scope, START, END, force_raw=True)
        assert fast.source == "rollup" and raw.source == "raw"
        assert _stats_dict(fast) == _stats_dict(raw)
        top = selectors.compute_stats(scope, START, END, top=1)
        assert all(len(b.rows) <= 1 for b in top.breakdowns if b.dimension in selectors.LONG_TAIL)


def test_epci_statistics_read_raw_tables(data, lot_coordinator, figeac_epci):
    scope = selectors.resolve_scope(lot_coordinator, f"epci:{figeac_epci.pk}")
    stats = selectors.compute_stats(scope, START, END)
    assert stats.source == "raw" and stats.accompaniments == 1 + 1 + 9  # Figeac only (not Cahors)


def test_people_counts_followed_once(data, lot_coordinator, lot):
    stats = selectors.compute_stats(
        selectors.resolve_scope(lot_coordinator, f"department:{lot.pk}"), START, END
    )
    # 4 activities: 3 individual (1 anonymous, 2 for the same followed person) + 1 workshop (8 anonymous + that person)
    assert stats.activities == 4
    assert stats.accompaniments == 3 + 9
    assert stats.people == 1 + 8 + 1
    genders = {r.value: r.accompaniments for b in stats.breakdowns if b.dimension == "gender" for r in b.rows}
    # workshop: 5 F + 2 M + 1 not given (remainder), plus the followed woman; individuals: 3 F
    assert genders == {"feminin": 5 + 1 + 3, "masculin": 2, "non_communique": 1}


def test_cross_tabs(data, lot_coordinator, lot):
    scope = selectors.resolve_scope(lot_coordinator, f"department:{lot.pk}")
    pairs = [
        ("theme", "age_band"),
        ("theme", "device"),
        ("kind", "channel"),
        ("month", "theme"),
        ("gender", "age_band"),
        ("duration", "gender"),
        ("commune", "residence"),
    ]
    for a, b in pairs:
        table = selectors.cross_tab(scope, START, END, a, b)
        assert table.rows is not None
    table = selectors.cross_tab(scope, START, END, "kind", "gender")
    cells = {row[0]: row[1] for row in table.rows}
    assert sum(cells["Atelier collectif"]) == 9
    assert selectors.cross_tab(scope, START, END, "gender", "age_band").note


def test_coop_duration_bands_display_orders_and_tags(data, lot_coordinator, lot, lot_mediator, figeac):
    from maillage.activities.choices import duration_band

    assert [duration_band(m) for m in (1, 29, 30, 59, 60, 119, 120, 1439)] == [
        "moins_30",
        "moins_30",
        "30_60",
        "30_60",
        "60_120",
        "60_120",
        "120_plus",
        "120_plus",
    ]
    individual(lot_mediator, figeac, day=date(2026, 4, 9), person=services.Person(age_band="moins_de_douze"))
    scope = selectors.resolve_scope(lot_coordinator, f"department:{lot.pk}")
    for stats in (
        selectors.compute_stats(scope, START, END),
        selectors.compute_stats(scope, START, END, force_raw=True),
    ):
        by = {b.dimension: b for b in stats.breakdowns}
        # 15 min; 45, 30 (the workshop) and 45 min; the 60-minute accompaniment is in « 1 h à 2 h ».
        durations = {r.value: r.activities for r in by["duration"].rows}
        assert durations == {"moins_30": 1, "30_60": 3, "60_120": 1}
        ages = [r.value for r in by["age_band"].rows]
        assert ages.index("soixante_dix_plus") < ages.index("moins_de_douze") < ages.index("non_communique")
        assert [r.value for r in by["social_status"].rows][0] == "retraite"
        tags = {r.value: (r.activities, r.accompaniments) for r in by["tag"].rows}
        assert tags == {"Séniors, Figeac": (2, 10), "été": (1, 1)}


def test_month_cross_tabs_read_the_rollup_and_match_the_raw_tables(
    data, lot_coordinator, lot, django_assert_max_num_queries
):
    import dataclasses

    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True)
    for user, param in ((lot_coordinator, f"department:{lot.pk}"), (admin, "national:0")):
        scope = selectors.resolve_scope(user, param)
        raw_scope = dataclasses.replace(scope, rollup_key=None)
        for other in ("theme", "age_band", "duration", "gender", "kind"):
            for dims in (("month", other), (other, "month")):
                with django_assert_max_num_queries(2):
                    fast = selectors.cross_tab(scope, START, END, *dims)
                raw = selectors.cross_tab(raw_scope, START, END, *dims)
                assert (fast.rows, fast.columns, fast.column_totals) == (
                    raw.rows,
                    raw.columns,
                    raw.column_totals,
                ), (param, dims)


def test_statistics_cache_is_keyed_on_the_rollup_version_every_write_bumps(
    data, lot_coordinator, lot, lot_mediator, figeac, django_assert_max_num_queries
):
    """The rollup figures and the raw cross-tabs of a département or the nation are cached under the
    rollup version; creating, updating, deleting an activity and a rebuild each change what is shown."""
    from django.core.cache import cache

    from tests.factories import UserFactory

    cache.clear()
    admin = UserFactory(is_superuser=True)
    scopes = [
        selectors.resolve_scope(lot_coordinator, f"department:{lot.pk}"),
        selectors.resolve_scope(admin, "national:0"),
    ]

    def shown():
        return [
            (
                selectors.compute_stats(scope, START, END).accompaniments,
                _stats_dict(selectors.compute_stats(scope, START, END))["breakdowns"]["theme"],
                selectors.cross_tab(scope, START, END, "theme", "age_band").rows,
            )
            for scope in scopes
        ]

    before = shown()
    for scope in scopes:
        with django_assert_max_num_queries(2):  # cached: the version, then the labels (one UNION)
            selectors.compute_stats(scope, START, END)
        with django_assert_max_num_queries(2):
            selectors.cross_tab(scope, START, END, "theme", "age_band")
    activity = individual(lot_mediator, figeac, themes=["sante"])
    after_create = shown()
    for (acc, themes, cross), (acc2, themes2, cross2) in zip(before, after_create, strict=True):
        assert acc2 == acc + 1
        assert ("sante", 1) in themes2 and ("sante", 1) not in themes
        assert cross2 != cross
    services.update_activity(
        actor=lot_mediator,
        activity=activity,
        data=services.ActivityData(
            kind="individuel",
            date=date(2026, 5, 5),
            duration_minutes=90,
            place_type="domicile",
            commune=figeac,
            themes=["bureautique"],
        ),
    )
    after_update = shown()
    assert all(("sante", 1) not in themes for _acc, themes, _cross in after_update)
    services.delete_activity(actor=lot_mediator, activity=activity)
    assert shown() == before
    version = rollup.version_token(lot.pk)
    rollup.rebuild()
    assert rollup.version_token(lot.pk) != version
    assert shown() == before


def test_a_write_in_another_departement_keeps_this_departements_cache(
    data, lot_coordinator, lot, lozere_mediator, mende
):
    version = rollup.version_token(lot.pk)
    national = rollup.version_token(None)
    individual(lozere_mediator, mende)
    assert rollup.version_token(lot.pk) == version
    assert rollup.version_token(None) != national
