"""The national pair rollup: every cross-tab of two short dimensions read from it equals the crossing
computed on the raw tables, whatever wrote the activities (services, the import, updates, deletions),
and a rebuild gives the same rows as the incremental writes."""

from datetime import date

import pytest
from django.db import connection

from maillage.activities import importer, rollup, selectors, services
from maillage.activities.choices import PlaceType
from maillage.activities.models import ActivityPairRollup
from maillage.activities.selectors import crosstab
from tests.activities.factories import followed, individual, subtract_everything_as_staged, workshop
from tests.activities.test_import import _individual, _workshop, coop_xlsx

pytestmark = pytest.mark.django_db

START, END = date(2026, 1, 1), date(2026, 12, 31)


def _pairs_snapshot():
    return sorted(
        (r.month, r.dim_a, r.value_a, r.dim_b, r.value_b, r.weight)
        for r in ActivityPairRollup.objects.all()
        if r.weight
    )


@pytest.fixture
def varied(lot_mediator, lozere_mediator, figeac, cahors, mende):
    """Individual accompaniments (anonymous and followed) and workshops (anonymous counts by category
    and followed participants) over several months and two départements, with multi-valued themes,
    procedures and devices; then an import with a changed re-import, an update and a deletion."""
    person = followed(lot_mediator)
    young = followed(
        lot_mediator, age_band="dix_huit_vingt_quatre", gender="masculin", social_status="en_emploi"
    )
    individual(
        lot_mediator,
        figeac,
        themes=["email", "aide_aux_demarches_administratives"],
        procedures=["logement", "social_sante"],
        devices=["telephone", "ordinateur"],
        autonomy="autonome",
        oriented=True,
        orientation="administration",
        duration_minutes=60,
    )
    individual(
        lot_mediator,
        cahors,
        day=date(2026, 4, 2),
        beneficiary=person,
        devices=["ordinateur"],
        oriented=False,
        place_type=PlaceType.HOME,
    )
    individual(
        lot_mediator, figeac, day=date(2026, 4, 9), beneficiary=young, duration_minutes=15, oriented=True
    )
    individual(
        lozere_mediator,
        mende,
        day=date(2026, 5, 20),
        themes=["sante"],
        autonomy="partiellement_autonome",
        person=services.Person(
            age_band="quarante_cinquante_neuf", gender="masculin", social_status="sans_emploi"
        ),
        place_type=PlaceType.REMOTE,
    )
    workshop(lot_mediator, figeac, followed=[person, young], devices=["tablette"], duration_minutes=30)
    workshop(
        lozere_mediator,
        mende,
        day=date(2026, 5, 3),
        anonymous=5,
        counts={"social_status": {"retraite": 3, "sans_emploi": 2}, "gender": {"feminin": 0, "masculin": 5}},
        themes=["securite_numerique", "email"],
        workshop_level="avance",
    )
    workshop(lot_mediator, cahors, day=date(2026, 6, 1), anonymous=4, counts={}, workshop_level="")
    # The import (the PostgreSQL path adds the staged tables in SQL), then a changed re-import.
    rows = [
        _individual(),
        _workshop(),
        _individual(coop_id="i-2", date=date(2026, 3, 30), channel="À distance", devices=[]),
        _workshop(coop_id="i-3", date=date(2026, 6, 15), themes=["E-mail", "Logement"]),
    ]
    importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx(rows), filename="p.xlsx"
    )
    rows[0] = _individual(duration=120, devices=["Ordinateur", "Tablette"])
    importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=coop_xlsx(rows), filename="p.xlsx"
    )
    # An update and a deletion through the services.
    changed = individual(lot_mediator, figeac, themes=["sante"], devices=["telephone"])
    services.update_activity(
        actor=lot_mediator,
        activity=changed,
        data=services.ActivityData(
            kind="individuel",
            date=date(2026, 7, 5),
            duration_minutes=90,
            place_type="domicile",
            commune=cahors,
            themes=["bureautique", "aide_aux_demarches_administratives"],
            procedures=["argent_impots"],
            autonomy="entierement_accompagne",
        ),
    )
    gone = workshop(lot_mediator, figeac, day=date(2026, 4, 4), anonymous=7)
    services.delete_activity(actor=lot_mediator, activity=gone)
    return person


def _national(user):
    return selectors.resolve_scope(user, "national:0")


def test_every_national_pair_cross_tab_reads_the_pair_rollup_and_equals_the_raw_tables(
    varied, django_assert_max_num_queries, monkeypatch
):
    from tests.factories import UserFactory

    scope = _national(UserFactory(is_superuser=True))
    assert ActivityPairRollup.objects.exists()
    for dim_a, dim_b in rollup.PAIRS:
        for dims in ((dim_a, dim_b), (dim_b, dim_a)):
            raw_cells, raw_note = crosstab._raw_cells(scope, START, END, *dims)
            raw_cells = {k: w for k, w in raw_cells.items() if w}
            cells, note = crosstab._pair_cells(START, END, *dims)
            assert (cells, note) == (raw_cells, raw_note), dims
            with django_assert_max_num_queries(1), monkeypatch.context() as patch:
                patch.setattr(crosstab, "_raw_cells", None)  # not called: read from the pair rollup
                fast = selectors.cross_tab(scope, START, END, *dims)
            raw = crosstab._table(*dims, raw_cells, raw_note)
            assert (fast.rows, fast.columns, fast.column_totals, fast.note) == (
                raw.rows,
                raw.columns,
                raw.column_totals,
                raw.note,
            ), dims
    # A month range: only the months asked for.
    march = crosstab._pair_cells(date(2026, 3, 1), date(2026, 3, 31), "theme", "age_band")
    assert march == (
        {
            k: w
            for k, w in crosstab._raw_cells(scope, date(2026, 3, 1), date(2026, 3, 31), "theme", "age_band")[
                0
            ].items()
            if w
        },
        "",
    )
    assert march[0]


def test_pair_rollup_rebuild_equals_incremental_writes(varied):
    incremental = _pairs_snapshot()
    # every pair is written, but autonomy and orientation (individual) never meet level (workshops)
    impossible = {("autonomy", "level"), ("orientation", "level")}
    assert {(r[1], r[3]) for r in incremental} == set(rollup.PAIRS) - impossible
    rollup.rebuild()
    assert _pairs_snapshot() == incremental


def test_import_subtracted_from_tables_brings_pairs_to_zero(varied):
    if connection.vendor != "postgresql":
        pytest.skip("add_from_tables is PostgreSQL only")
    with connection.cursor() as cursor:
        subtract_everything_as_staged(cursor, "p")
    assert _pairs_snapshot() == []


def test_long_tail_and_partial_months_keep_the_raw_path(varied, lot_coordinator, lot):
    from tests.factories import UserFactory

    scope = _national(UserFactory(is_superuser=True))
    ActivityPairRollup.objects.all().delete()  # nothing read from it below
    for dims, start, end in (
        (("theme", "commune"), START, END),
        (("theme", "age_band"), date(2026, 3, 2), END),
    ):
        table = selectors.cross_tab(scope, start, end, *dims)
        assert table.rows
    department = selectors.resolve_scope(lot_coordinator, f"department:{lot.pk}")
    assert selectors.cross_tab(department, START, END, "theme", "age_band").rows
