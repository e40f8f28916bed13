"""Hostile and malformed files for the activities import: bounded in memory and time, a French
message, nothing written. Property tests: no input raises anything but ``ImportFailed``."""

import io
import tracemalloc
import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.activities import importer
from maillage.activities.importer import xlsx
from maillage.activities.importer.analysis import Analyser
from maillage.activities.importer.formats import HEADER_INDEX, _norm
from maillage.activities.models import Activity
from tests.activities.coop_files import CoopActivity, coop_export

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"


def _valid_xlsx() -> bytes:
    return coop_export(
        [CoopActivity(date=date(2026, 3, 3), channel="À domicile", commune="Figeac", insee="46102")]
    )


def _replace_member(content: bytes, name: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, data if item.filename == name else source.read(item.filename))
    return out.getvalue()


def _sheet_xml(rows: str, dimension: str = "A1:C3") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def _row(number: int, cells: dict[str, str]) -> str:
    inner = "".join(
        f'<c r="{col}{number}" t="inlineStr"><is><t>{text}</t></is></c>' for col, text in cells.items()
    )
    return f'<row r="{number}">{inner}</row>'


def _failure(user, content: bytes, name: str = "x.xlsx", **kwargs) -> list[str]:
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_activities(actor=user, mediator=user, content=content, filename=name, **kwargs)
    assert Activity.objects.count() == 0
    return importer.iter_errors(failure.value.errors)


def test_declared_dimension_is_never_trusted(lot_mediator):
    """5 KB declaring A1:XFD1048576 with one cell in the last row: no padding, a few MB at most."""
    header = _row(22, {"A": "Date", "B": "Type", "C": "ID CRA"})
    rows = header + _row(1048576, {"XFD": "x"})
    content = _replace_member(_valid_xlsx(), SHEET, _sheet_xml(rows, "A1:XFD1048576"))
    assert len(content) < 20_000
    tracemalloc.start()
    messages = _failure(lot_mediator, content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 1024 * 1024, peak
    assert messages == ["ligne 1048576 : plus de 80 colonnes."], messages


def test_a_missing_header_with_a_far_cell_stops_early(lot_mediator):
    content = _replace_member(_valid_xlsx(), SHEET, _sheet_xml(_row(1048576, {"A": "x"}), "A1:XFD1048576"))
    tracemalloc.start()
    messages = _failure(lot_mediator, content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 1024 * 1024, peak
    assert "En-tête introuvable" in messages[0]


def test_zip_bomb_is_refused_before_parsing(lot_mediator):
    header = _row(22, {"A": "Date", "B": "Type", "C": "ID CRA"})
    body = _row(23, {"A": "01/01/2026", "B": "Atelier collectif", "C": "x"})
    data = _sheet_xml(header + body * 60_000)  # ~9 MB of XML compressing into a few kB
    content = _replace_member(_valid_xlsx(), SHEET, data)
    assert len(content) < 200_000
    messages = _failure(lot_mediator, content)
    assert "anormalement compressé" in messages[0], messages
    # A ratio under the per-member cap (× 176) but a total over 40 × the size limit of the upload.
    plain = '<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>Atelier collectif</t></is></c></row>'
    varied = [plain.replace(">x<", f">{n * 7919 % 10**6}<") if n % 25 == 0 else plain for n in range(40_000)]
    content = _replace_member(_valid_xlsx(), SHEET, _sheet_xml(header + "".join(varied)))
    messages = _failure(lot_mediator, content, max_bytes=len(content) + 1)
    assert "trop volumineux une fois décompressé" in messages[0], messages


def test_rows_stop_at_the_limit_and_columns_are_capped(lot_mediator, figeac):
    activities = [
        CoopActivity(date=date(2026, 3, 1 + n % 27), channel="À domicile", insee="46102", coop_id=f"r-{n}")
        for n in range(30)
    ]
    messages = _failure(lot_mediator, coop_export(activities), max_rows=10)
    assert messages == ["fichier : Le fichier dépasse 10 lignes : découpez-le."]
    wide = _row(22, {"A": "Date", "B": "Type", "C": "ID CRA"}) + _row(23, {"A": "1", "CZ": "trop loin"})
    messages = _failure(lot_mediator, _replace_member(_valid_xlsx(), SHEET, _sheet_xml(wide)))
    assert "plus de 80 colonnes" in messages[0]


def test_columns_past_the_cap_are_refused_after_the_header_narrows_the_reading(lot_mediator):
    """Past the header the reader tokenises only the known columns (and any column past the cap):
    a cell in column CC thousands of rows down, beyond the first chunk, is still refused; so are
    cells without ``r=`` that run past the cap."""
    header = _row(22, {"A": "Date", "B": "Type", "C": "ID CRA", "D": "Bénéficiaire"})
    filler = "".join(_row(n, {"A": "x", "D": "Zéphyrine Martin"}) for n in range(23, 3000))
    assert len(filler) > 2 * xlsx.FIRST_CHUNK
    far = _row(3000, {"A": "1", "CC": "trop loin"})
    messages = _failure(
        lot_mediator, _replace_member(_valid_xlsx(), SHEET, _sheet_xml(header + filler + far))
    )
    assert messages == ["ligne 3000 : plus de 80 colonnes."], messages
    unnumbered = '<row r="3000">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 81 + "</row>"
    content = _replace_member(_valid_xlsx(), SHEET, _sheet_xml(header + filler + unnumbered))
    assert _failure(lot_mediator, content) == ["ligne 3000 : plus de 80 colonnes."]


def test_the_narrowed_reading_reads_what_the_full_reading_reads(lot_mediator, figeac, cahors, monkeypatch):
    """A realistic export (far beyond the first chunk) read with the narrowed tokeniser gives, for
    every known column, the cells the full tokeniser gives; unknown columns (« Bénéficiaire »,
    « Notes supplémentaires ») are not decoded; cells without ``r=`` fall back to the full reading."""
    from tests.activities.coop_files import realistic

    content = coop_export(
        realistic([("Figeac", "46100", "46102"), ("Cahors", "46000", "46042")], count=400, seed=5)
    )
    narrowed = importer.read_table(content, "x.xlsx", max_rows=10_000)

    class Everything(xlsx.Selection):  # a selection that never narrows: every cell decoded
        columns = property(lambda self: None, lambda self, value: None)

    monkeypatch.setattr(xlsx, "Selection", Everything)
    full = importer.read_table(content, "x.xlsx", max_rows=10_000)
    assert narrowed.header == full.header and len(narrowed.rows) == len(full.rows) > 400
    known = [i for i, name in enumerate(full.header) if _norm(name) in HEADER_INDEX]
    unknown = [i for i, name in enumerate(full.header) if _norm(name) not in HEADER_INDEX]
    beneficiary = full.header.index("Bénéficiaire")
    assert beneficiary in unknown
    for (line, row), (full_line, full_row) in zip(narrowed.rows, full.rows, strict=True):
        assert line == full_line
        padded = row + [None] * (len(full_row) - len(row))
        assert [padded[i] for i in known] == [full_row[i] for i in known]
        assert all(padded[i] is None for i in unknown if i < len(padded))
    assert any(full_row[beneficiary] for _line, full_row in full.rows)


def test_truncated_and_entity_laden_xml_get_a_french_message(lot_mediator):
    valid = _valid_xlsx()
    sheet = zipfile.ZipFile(io.BytesIO(valid)).read(SHEET)
    messages = _failure(lot_mediator, _replace_member(valid, SHEET, sheet[: len(sheet) // 2]))
    assert "tronqué" in messages[0], messages
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    messages = _failure(lot_mediator, _replace_member(valid, SHEET, laughs))
    assert "DOCTYPE" in messages[0], messages
    messages = _failure(lot_mediator, b"PK\x03\x04 pas une archive")
    assert "archive abîmée" in messages[0], messages
    messages = _failure(lot_mediator, valid[: len(valid) - 200])
    assert messages and Activity.objects.count() == 0


def test_csv_with_cr_line_ends_or_utf16_imports(lot_mediator, figeac, cahors):
    text = importer.template_csv()
    for content in (
        text.replace("\r\n", "\r").encode("utf-8"),
        text.encode("utf-16"),
        text.replace("\r\n", "\n").encode("utf-16-be").join([b"\xfe\xff", b""]),
    ):
        Activity.objects.all().delete()
        result = importer.import_activities(
            actor=lot_mediator, mediator=lot_mediator, content=content, filename="modele.csv"
        )
        assert result.created == 2
        assert Activity.objects.get(coop_id="exemple-2").participants_count == 2
    Activity.objects.all().delete()
    assert (
        "caractères nuls" in _failure(lot_mediator, text.replace("Figeac", "Fig\x00eac").encode(), "x.csv")[0]
    )
    messages = _failure(lot_mediator, b"\xff\xfe" + b"\x00\xd8" * 3, "x.csv")
    assert messages, messages


def test_a_huge_cell_or_line_is_refused(lot_mediator):
    header = "ID CRA;Date;Type;Durée (min);Canaux d’accompagnement;Thématique(s) d’accompagnement\n"
    messages = _failure(lot_mediator, (header + "x;" + "a" * 20_000 + "\n").encode(), "x.csv")
    assert "dépasse 10000 caractères" in messages[0], messages
    messages = _failure(lot_mediator, (header + ";" * 200_000 + "x\n").encode(), "x.csv")
    assert "plus de 80 colonnes" in messages[0], messages


# --- Properties -------------------------------------------------------------------------------

HEADERS = [c.header for c in importer.COLUMNS]
cell = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        ["1/3", "4/3", "Oui", "46102", "2A004", "99999", "E-mail\nSanté", "Atelier collectif", ""]
    ),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
)
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _analyse(user, content: bytes, name: str) -> None:
    try:
        table = importer.read_table(content, name)
        from maillage.activities.services import _mediator_department, mediator_structure

        Analyser(
            mediator=user, structure=mediator_structure(user), department=_mediator_department(user)
        ).analyse(table)
    except importer.ImportFailed as failure:
        assert failure.errors and all(str(e) for e in failure.errors)


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2000))
def test_property_any_bytes_as_csv(lot_mediator, data):
    _analyse(lot_mediator, data, "x.csv")


@PROPERTY_SETTINGS
@given(
    header=st.lists(
        st.sampled_from([*HEADERS, "Bénéficiaire", "Notes supplémentaires", "", "?"]), min_size=3
    ),
    rows=st.lists(st.lists(st.text(max_size=20), max_size=12), max_size=6),
    delimiter=st.sampled_from([";", ","]),
    newline=st.sampled_from(["\n", "\r", "\r\n"]),
)
def test_property_csv_rows(lot_mediator, header, rows, delimiter, newline):
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["ID CRA", "Date", "Type", *header])
    for row in rows:
        writer.writerow(row)
    _analyse(lot_mediator, out.getvalue().encode("utf-8"), "x.csv")


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(rows=st.lists(st.lists(cell, min_size=1, max_size=len(HEADERS)), min_size=1, max_size=5))
def test_property_xlsx_cells(lot_mediator, rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        try:
            sheet.append(row)
        except Exception:  # noqa: BLE001 — openpyxl refuses some characters: not a file we could receive
            return
    out = io.BytesIO()
    book.save(out)
    _analyse(lot_mediator, out.getvalue(), "x.xlsx")


VALID_XLSX = _valid_xlsx()


@PROPERTY_SETTINGS
@given(position=st.integers(min_value=0, max_value=len(VALID_XLSX) - 1), value=st.integers(0, 255))
def test_property_corrupted_xlsx(lot_mediator, position, value):
    content = bytearray(VALID_XLSX)
    content[position] = value
    _analyse(lot_mediator, bytes(content), "x.xlsx")
