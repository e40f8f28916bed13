"""Property tests: no input may make a parser raise anything but its own validation error.

Hypothesis generates hostile bytes and texts for the places CSV/JSON reader, the opening hours parser and
the query parameters of the public pages and the open-data API.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from maillage.places import opening_hours
from maillage.places.interop import FileRefused, analyse
from maillage.places.interop.reader import MAX_COLUMNS
from maillage.places.interop.standard import COLUMN_NAMES

pytestmark = pytest.mark.slow  # make test-fast leaves it to make test and CI

FAST = settings(max_examples=150, deadline=None, database=None, derandomize=True)

cells = st.text(st.characters(codec="utf-8"), max_size=40)
separators = st.sampled_from([",", ";", "\t", "|"])
line_ends = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV-ish files: the standard's header (shuffled, truncated, repeated) then random rows."""
    sep, end = draw(separators), draw(line_ends)
    header = draw(st.lists(st.sampled_from([*COLUMN_NAMES, "", "x", '"adresse"']), max_size=40))
    rows = draw(st.lists(st.lists(cells, max_size=40), max_size=6))
    text = end.join(sep.join(row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | cells,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(cells, children, max_size=4),
    max_leaves=30,
)


@st.composite
def json_files(draw: st.DrawFn) -> bytes:
    items = draw(
        st.lists(st.dictionaries(st.sampled_from([*COLUMN_NAMES, "adresse", "x"]), json_values), max_size=5)
    )
    payload = draw(st.sampled_from(["list", "data", "scalar"]))
    document = items if payload == "list" else {"data": items} if payload == "data" else draw(json_values)
    return json.dumps(document).encode()


def _analyse_is_total(data: bytes, filename: str) -> None:
    try:
        analysis = analyse(data, filename, max_rows=100)
    except FileRefused as error:
        assert str(error)  # a French message
        return
    for issue in analysis.issues:
        assert issue.message


@FAST
@given(data=csv_files())
@example(data=b"nom," * 1_000_000)  # 1 M header columns: refused before parsing
@example(data=b"nom,adresse\n\x00,x\n")
@example(data=b'"' + b"a" * 200_000)
def test_places_csv_reader_is_total(data):
    _analyse_is_total(data, "lieux.csv")


@FAST
@given(data=json_files())
@example(data=b"[" * 100_000 + b"]" * 100_000)  # deep nesting: RecursionError before the fix
@example(data=b'[{"nom": ' + b"9" * 5001 + b"}]")  # 5 001-digit integer
@example(data=b'{"data": [[[[[[[[[[[]]]]]]]]]]]}')
def test_places_json_reader_is_total(data):
    _analyse_is_total(data, "lieux.json")


@FAST
@given(data=st.binary(max_size=300))
def test_places_reader_on_raw_bytes(data):
    for name in ("lieux.csv", "lieux.json", ""):
        _analyse_is_total(data, name)


def test_one_million_header_columns_are_refused_quickly():
    with pytest.raises(FileRefused, match="colonnes"):
        analyse(b"nom;" * 1_000_000 + b"\n", "lieux.csv")
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS - 3)) + ",nom,nom"
    analysis = analyse(header.encode() + b"\n", "lieux.csv")
    assert any("en double" in issue.message for issue in analysis.errors)


@FAST
@given(value=st.text(max_size=600))
@example(value="Mo-Fr 09:00-12:00; " * 40)
@example(value="\x00")
def test_opening_hours_only_raise_their_own_error(value):
    try:
        schedule = opening_hours.parse(value)
    except opening_hours.InvalidOpeningHours as error:
        assert str(error)
        return
    schedule.text()
    schedule.is_open(datetime(2026, 3, 2, 10, 0, tzinfo=opening_hours.PARIS))


query_values = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30
) | st.sampled_from(
    ["99999999999999999999999", "9999-12-31", "0001-01-01", "-1", "", " ", "46", "null", "1e9", "%00"]
)
PUBLIC_QUERIES = {
    "/api/v1/lieux": ["limit", "offset", "territoire", "service", "mis_a_jour_depuis"],
    "/api/v1/lieux.csv": ["territoire"],
    "/lieux/": ["q", "commune", "rayon", "service", "page", "ouvert"],
    "/lieux/annuaire/": ["territoire", "commune", "service"],
}


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from(sorted(PUBLIC_QUERIES)),
    values=st.lists(query_values, min_size=5, max_size=6),
    nul=st.booleans(),
)
def test_public_query_parameters_never_give_a_500(client, lot, figeac, path, values, nul):
    params = dict(zip(PUBLIC_QUERIES[path], values, strict=False))
    if nul:
        params[PUBLIC_QUERIES[path][0]] = "a\x00b"
    response = client.get(path, params)
    assert response.status_code < 500
    if nul:
        assert response.status_code == 400
        assert "caractère nul" in response.content.decode()
