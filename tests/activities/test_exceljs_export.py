"""Exports written by exceljs 4.4, the library La Coop writes its XLSX with (not openpyxl, which the
other tests use): shared strings, its own table and style parts, dates as serial numbers. Files in
``tests/activities/data/exceljs/``, rebuilt from :func:`coop_files.realistic` by ``make_fixtures.py``;
the same activities written by openpyxl must read cell for cell the same, and import faithfully."""

from pathlib import Path

import pytest

from maillage.activities import importer, team
from maillage.activities.models import Activity
from tests.activities.coop_files import coop_export, realistic
from tests.activities.test_coop_export import assert_faithful
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "exceljs"
COMMUNES = [("Figeac", "46100", "46102"), ("Cahors", "46000", "46042")]
TEAM = [("Camille", "Durand", "Médiateur", ""), ("Ali", "Benali", "Conseiller Numérique", "4242")]
FIXTURES = {  # file: (options of realistic(), layout of sheet_rows())
    "coop-self.xlsx": ({"count": 150, "seed": 23}, {"beneficiary_filter": True}),
    "coop-team.xlsx": (
        {"count": 80, "seed": 29, "mediators": TEAM},
        {"team": True, "mediator_filter": True, "source": False},
    ),
}


def _read(content):
    return importer.read_table(content, "x.xlsx", max_rows=10_000)


def _cells(table):
    """The rows, an empty text as an empty cell: exceljs writes « "" » as a shared string where
    openpyxl writes no cell; both mean « nothing said »."""
    return [(line, [None if value == "" else value for value in row]) for line, row in table.rows]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_exceljs_file_reads_cell_for_cell_like_the_openpyxl_one(name):
    options, layout = FIXTURES[name]
    content = (DATA / name).read_bytes()
    assert b"sharedStrings" in content  # exceljs's shared strings, not openpyxl's inline ones
    found = _read(content)
    expected = _read(coop_export(realistic(COMMUNES, **options), **layout))
    assert (found.header, found.header_line) == (expected.header, expected.header_line)
    assert found.header_line == 22 + int(layout.get("beneficiary_filter", False)) + int(
        layout.get("mediator_filter", False)
    )
    assert _cells(found) == _cells(expected)
    assert any("\n" in cell for _line, row in found.rows for cell in row if isinstance(cell, str))


def test_exceljs_self_export_imports_faithfully_and_reimport_changes_nothing(lot_mediator, figeac, cahors):
    options, _layout = FIXTURES["coop-self.xlsx"]
    activities = realistic(COMMUNES, **options)
    content = (DATA / "coop-self.xlsx").read_bytes()
    name = "coop-numerique_accompagnements_2026-06-30.xlsx"
    result = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=content, filename=name
    )
    assert (result.created, result.updated, result.unchanged) == (len(activities), 0, 0)
    assert result.rows == sum(len(a.people) for a in activities)
    for activity in activities:
        assert_faithful(activity)
    again = importer.import_activities(
        actor=lot_mediator, mediator=lot_mediator, content=content, filename=name
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(activities))


def test_exceljs_team_export_imports_each_row_for_its_mediator(lot_coordinator, lot_mediator, figeac, cahors):
    lot_mediator.first_name, lot_mediator.last_name = "Camille", "Durand"
    lot_mediator.save()
    ali = UserFactory(first_name="Ali", last_name="Benali", email="ali.benali@exemple.fr")
    MembershipFactory(
        user=ali, organisation=OrganisationFactory(territory=figeac), territory=figeac, role="mediator"
    )
    options, _layout = FIXTURES["coop-team.xlsx"]
    activities = realistic(COMMUNES, **options)
    pending = team.stage(
        coordinator=lot_coordinator, content=(DATA / "coop-team.xlsx").read_bytes(), filename="e.xlsx"
    )
    proposals = {p.member.key: p.mediator for p in team.proposals(lot_coordinator, team.members_of(pending))}
    assert proposals == {"nom:camille|durand": lot_mediator, "conum:4242": ali}
    team.confirm(
        coordinator=lot_coordinator, pending=pending, choices={k: str(m.pk) for k, m in proposals.items()}
    )
    owners = dict(Activity.objects.values_list("coop_id", "mediator_id"))
    assert owners == {a.coop_id: (ali if a.mediator[3] else lot_mediator).pk for a in activities}
    for activity in activities:
        assert_faithful(activity)
