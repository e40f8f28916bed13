"""The XLSX reader's checks made once per decoded text (not once per cell): a cell over
``MAX_CELL_CHARACTERS`` is refused with the sheet's real row number, whether it is an inline string,
a shared string or a formula's text, before or after the header narrows the reading; a long text in a
column that is never imported (« Notes supplémentaires ») is not even decoded."""

import io
import zipfile

import pytest

from maillage.activities import importer
from maillage.activities.importer import xlsx
from maillage.activities.importer.formats import MAX_CELL_CHARACTERS
from tests.activities.test_import_hostile import (
    SHEET,
    _failure,
    _replace_member,
    _row,
    _sheet_xml,
    _valid_xlsx,
)

pytestmark = pytest.mark.django_db

LONG = "a" * (MAX_CELL_CHARACTERS + 1)
HEADER = _row(22, {"A": "Date", "B": "Type", "C": "ID CRA", "D": "Notes supplémentaires"})
FILLER = "".join(_row(n, {"A": "x", "C": f"id-{n}"}) for n in range(23, 3000))


def _with_sheet(rows: str) -> bytes:
    return _replace_member(_valid_xlsx(), SHEET, _sheet_xml(rows))


def test_a_long_inline_cell_is_refused_on_its_row_after_the_narrowing(lot_mediator):
    assert len(FILLER) > 2 * xlsx.FIRST_CHUNK  # read by the narrowed tokeniser
    content = _with_sheet(HEADER + FILLER + _row(3000, {"A": "x", "C": LONG}))
    assert _failure(lot_mediator, content) == [
        f"ligne 3000 : une cellule dépasse {MAX_CELL_CHARACTERS} caractères."
    ]


def test_a_long_cell_before_the_header_is_refused_on_its_row(lot_mediator):
    content = _with_sheet(_row(3, {"B": LONG}) + HEADER + _row(23, {"A": "x", "C": "id"}))
    assert _failure(lot_mediator, content) == [
        f"ligne 3 : une cellule dépasse {MAX_CELL_CHARACTERS} caractères."
    ]


def test_a_long_text_in_a_column_never_imported_is_not_read(lot_mediator):
    content = _with_sheet(HEADER + FILLER + _row(3000, {"A": "x", "C": "id-3000", "D": LONG}))
    messages = _failure(lot_mediator, content)  # the rows are refused for their own values
    assert not any("caractères" in message for message in messages), messages
    table = importer.read_table(content, "x.xlsx")
    assert table.rows[-1][0] == 3000 and table.rows[-1][1][2] == "id-3000"


def _shared_strings_xlsx(rows: str, strings: list[str], *, bodies: list[str] | None = None) -> bytes:
    content = _with_sheet(rows)
    table = "".join(f"<si><t>{s}</t></si>" for s in strings) if bodies is None else "".join(bodies)
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{table}</sst>'
    ).encode()
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                target.writestr(item.filename, source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


def test_shared_strings_are_read_and_a_long_one_is_refused_where_it_is_used(lot_mediator):
    header = _row(22, {"A": "Date", "B": "Type", "C": "ID CRA"})
    used = '<row r="40"><c r="A40" t="s"><v>0</v></c><c r="C40" t="s"><v>1</v></c></row>'
    content = _shared_strings_xlsx(header + FILLER + used, ["Atelier collectif", LONG])
    assert _failure(lot_mediator, content) == [
        f"ligne 40 : une cellule dépasse {MAX_CELL_CHARACTERS} caractères."
    ]
    content = _shared_strings_xlsx(header + used, ["Atelier collectif", "id-partagé", LONG])
    table = importer.read_table(content, "x.xlsx")
    assert table.rows == [(40, ["Atelier collectif", None, "id-partagé"])]


def test_a_long_formula_text_is_refused(lot_mediator):
    formula = f'<row r="23"><c r="A23" t="str"><f>REPT("a",10001)</f><v>{LONG}</v></c></row>'
    assert _failure(lot_mediator, _with_sheet(HEADER + formula)) == [
        f"ligne 23 : une cellule dépasse {MAX_CELL_CHARACTERS} caractères."
    ]


def _backtracking(pattern):
    """The same pattern with ordinary (giving back) quantifiers instead of possessive ones."""
    import re

    return re.compile(pattern.pattern.replace(b"*+", b"*"), pattern.flags)


@pytest.mark.parametrize("narrowed", [False, True])
def test_possessive_tokenisers_read_what_backtracking_ones_read(narrowed):
    """A realistic export and malformed cells (unterminated, rich text, formulas, self-closed):
    the possessive tokeniser returns exactly the tokens of the backtracking one."""
    from tests.activities.coop_files import coop_export, realistic

    content = coop_export(realistic([("Figeac", "46100", "46102")], count=60, seed=3))
    sheet = zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    odd = (
        b'<row r="900"><c r="A900" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c>'
        b'<c r="B900" t="str"><f>A1</f><v>f</v></c><c r="C900"/><c r="D900" s="2"><v>1.5</v></c>'
        b'<c r="E900" t="inlineStr"><is><t xml:space="preserve"> a\nb </t></is></c>'
        b'<c r="F900" t="inlineStr"><is><t>never closed</t></is><c r="G900"><v>2</v></c></row>'
        b'<row r="901"><c r="CC901"><v>3</v></c><c r="H901" t="inlineStr"><is><t>x</t><rPh><t>y</t></rPh></is></c></row>'
    )
    data = sheet.replace(b"</sheetData>", odd + b"</sheetData>")
    pattern = xlsx._selective(frozenset(range(1, 31)) - {6, 28}, 80) if narrowed else xlsx.TOKENS
    tokens = pattern.findall(data)
    assert len(tokens) > 60 * 20
    assert tokens == _backtracking(pattern).findall(data)


def _as_shared_strings(content: bytes) -> bytes:
    """The same workbook with every inline string moved to the shared-strings table (as Excel and
    exceljs write them), first use first."""
    import re

    index: dict[bytes, int] = {}

    def share(match):
        return b't="s"><v>%d</v></c>' % index.setdefault(match.group(1), len(index))

    source = zipfile.ZipFile(io.BytesIO(content))
    sheet = re.sub(rb't="inlineStr"><is><t>([^<]*)</t></is></c>', share, source.read(SHEET))
    table = b"".join(b"<si><t>%s</t></si>" % text for text in index)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, sheet if item.filename == SHEET else source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", b"<sst>" + table + b"</sst>")
    return out.getvalue()


def test_shared_strings_read_exactly_like_inline_strings(figeac, cahors):
    """A realistic export (line breaks inside cells, accents, « n/3 », dates, workshops) read from
    inline strings and from the shared-strings table gives the same table, value for value."""
    from tests.activities.coop_files import coop_export, realistic

    inline = coop_export(
        realistic([("Figeac", "46100", "46102"), ("Cahors", "46000", "46042")], count=300, seed=7)
    )
    shared = _as_shared_strings(inline)
    assert b't="s"' in zipfile.ZipFile(io.BytesIO(shared)).read(SHEET)
    expected = importer.read_table(inline, "x.xlsx", max_rows=10_000)
    found = importer.read_table(shared, "x.xlsx", max_rows=10_000)
    assert found.header == expected.header and found.header_line == expected.header_line
    assert found.rows == expected.rows
    assert any("\n" in cell for _line, row in found.rows for cell in row if isinstance(cell, str))


def test_rich_and_phonetic_shared_strings_are_read_as_their_text(lot_mediator):
    header = _row(22, {"A": "Date", "B": "Type", "C": "ID CRA"})
    used = '<row r="23"><c r="B23" t="s"><v>0</v></c><c r="C23" t="s"><v>2</v></c></row>'
    bodies = [
        "<si><r><t>Atelier </t></r><r><rPr><b/></rPr><t>collectif</t></r></si>",
        "<si/>",
        '<si><t xml:space="preserve">a&amp;b&#10;c</t><rPh sb="0" eb="1"><t>x</t></rPh></si>',
    ]
    content = _shared_strings_xlsx(header + used, [], bodies=bodies)
    assert importer.read_table(content, "x.xlsx").rows == [(23, [None, "Atelier collectif", "a&b\nc"])]
