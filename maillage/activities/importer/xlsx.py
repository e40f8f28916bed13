"""A bounded, streaming reader of the first-class cells of an XLSX sheet (values only).

openpyxl parses every cell through Python objects (about 5 000 cells a second on a loaded machine
here): far too slow for a 200 000-row export, and in read-only mode it pads rows to the sheet's
declared ``<dimension>``. This reader decompresses the sheet in chunks and tokenises every row start
and cell of a chunk with ONE ``findall`` of a compiled regular expression (the SpreadsheetML grammar
of ``<row>``/``<c>``/``<v>`` is flat; the scan runs in C and returns plain tuples), with decoded texts,
cell attributes and date conversions remembered per file (a file repeats the same labels), resolving shared strings, inline strings, booleans, numbers and date cells (from the number
formats of ``styles.xml`` and the workbook's 1900/1904 epoch). Rows come with their real number
(``r``), missing rows cost nothing, and the caller stops reading when it has enough.

Safety: the archive is checked first (``formats._check_zip``: sizes, ratio, no DOCTYPE/ENTITY); no
entity is ever expanded (only the five predefined ones and character references are decoded); a
sheet that does not end with ``</worksheet>`` is refused as truncated.

Why not a compiled reader: python-calamine 0.9.1 (Rust) was measured on the benchmark's 200 000-row
export (CPU per row, loaded machine, 2026-12): 27.8 µs to hand back raw rows from inline strings (as
openpyxl writes them) against 20.6 µs for this reader with every value converted; 16.5 µs against
22.9 µs when the texts are shared strings (as Excel writes them), before any conversion; twice the
memory (the whole sheet, every column); and it builds one dense range between the extreme cells, so
a single far cell under a declared ``A1:XFD1048576`` would allocate gigabytes. Most of the cost of
either reader is scanning the XML (about 1.5 KB a row); inflating it is 2.6 µs a row.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from posixpath import join, normpath
from typing import Any

CHUNK = 4 * 1024 * 1024
FIRST_CHUNK = 64 * 1024
REF = re.compile(rb'\br="([A-Z]{1,3})(\d*)"')
ROW_NUMBER = re.compile(rb'\br="(\d+)"')
TYPE = re.compile(rb'\bt="(\w+)"')
STYLE = re.compile(rb'\bs="(\d+)"')
VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
TEXT = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
SHARED = re.compile(rb"<si>(.*?)</si>|<si/>", re.S)
ENTITY = re.compile(r"&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);")
NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
SHEET = re.compile(rb"<sheet\b([^>]*?)/?>", re.S)
ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
RELATION = re.compile(rb"<Relationship\b([^>]*?)/?>", re.S)
NUMBER_FORMAT = re.compile(rb"<numFmt\b([^>]*?)/?>", re.S)
CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
XF = re.compile(rb"<xf\b([^>]*?)(?:/>|>)", re.S)


class SheetError(Exception):
    """The XLSX is not one we can read (message in French for the user)."""


class CellTooLong(Exception):  # noqa: N818 — a refusal, like ``SheetError``
    """A cell read holds more than ``max_characters`` characters (on row ``line``)."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] == "#":
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        return chr(code) if 0 < code < 0x110000 else ""
    return NAMED[name]


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" in text:
        text = ENTITY.sub(_entity, text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _attributes(raw: bytes) -> dict[str, str]:
    return {k.decode(): _text(v) for k, v in ATTRIBUTE.findall(raw)}


_COLUMNS: dict[bytes, int] = {}


def column_index(letters: bytes) -> int:
    index = _COLUMNS.get(letters)
    if index is None:
        index = 0
        for char in letters:
            index = index * 26 + char - 64
        _COLUMNS[letters] = index
    return index


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        return b""


def _sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = _read(archive, "xl/workbook.xml")
    relations = {
        attrs.get("Id", ""): attrs.get("Target", "")
        for attrs in (_attributes(m) for m in RELATION.findall(_read(archive, "xl/_rels/workbook.xml.rels")))
    }
    sheets = []
    for raw in SHEET.findall(workbook):
        attrs = _attributes(raw)
        target = relations.get(attrs.get("r:id", ""), "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            sheets.append((attrs.get("name", ""), path))
    if not sheets:
        raise SheetError("Le fichier XLSX ne contient aucune feuille.")
    from maillage.places.normalize import fold

    for name, path in sheets:
        title = fold(name)
        if title == "activites" or "accompagnement" in title:
            return path
    return sheets[0][1]


def _shared_strings(archive: zipfile.ZipFile, sheet_path: str) -> list[bytes]:
    """The raw bodies of the shared strings (``<si>``), in order: each is decoded by
    ``_shared_text`` when a cell first uses it (an export shares every distinct text of the sheet,
    most of them in columns that are never read: timestamps, names, notes)."""
    return SHARED.findall(_read(archive, "xl/sharedStrings.xml"))


def _shared_text(body: bytes) -> str:
    if b"<rPh" in body:
        body = PHONETIC.sub(b"", body)
    return _text(b"".join(TEXT.findall(body)))


def _date_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    styles = _read(archive, "xl/styles.xml")
    formats = dict(BUILTIN_FORMATS)
    for raw in NUMBER_FORMAT.findall(styles):
        attrs = _attributes(raw)
        if attrs.get("numFmtId", "").isdigit():
            formats[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
    dates = set()
    block = CELL_XFS.search(styles)
    for index, raw in enumerate(XF.findall(block.group(1)) if block else []):
        number_format = _attributes(raw).get("numFmtId", "0")
        code = formats.get(int(number_format), "") if number_format.isdigit() else ""
        if code and is_date_format(code):
            dates.add(index)
    return frozenset(dates)


def _epoch(archive: zipfile.ZipFile) -> Any:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    workbook = _read(archive, "xl/workbook.xml")
    return CALENDAR_MAC_1904 if re.search(rb'date1904="(1|true)"', workbook) else CALENDAR_WINDOWS_1900


# One pass of the regular-expression engine per chunk tokenises every row start and every cell
# (``findall``: the loop over the XML runs in C and hands back plain tuples). The common cell forms
# (``<v>…</v>``, ``<is><t>…</t></is>``, empty, self-closed) are captured directly; anything else (a
# formula, rich text, phonetic runs) falls into group 6 and is read by the slower helpers. Group 6
# never crosses the next cell or row, so a cell without its end tag cannot make a match scan on.
TOKENS = re.compile(
    rb"<row\b([^>]*+>)"  # 1: a row starts (attributes and the closing ">")
    rb'|<c\b(?: r="([A-Z]{1,3})\d*+")?([^>/]*+)'  # 2: column letters when r= comes first; 3: the rest
    rb"(?:/>|>(?:<v>([^<]*+)</v>|<is><t(?:\s[^>]*+)?>([^<]*+)</t></is>|"  # 4: <v> value; 5: inline text
    rb"([^<]*+(?:<(?!/?c\b|/?row\b)[^<]*+)*+))</c>)",  # 6: anything else inside the cell
    re.S,
)
# The quantifiers are possessive (``*+``): each run stops where the next token must start (a "<", a
# quote, a ">"), so giving characters back could never make another match; not trying saves a tenth
# of the scan.
BEYOND = rb"[A-Z]{3}|[D-Z][A-Z]|C[C-Z]"  # column letters from CC (81, one past ``MAX_COLUMNS``) on
BEYOND_COLUMN = 81
IRREGULAR_CELL = re.compile(rb'<c(?:[\t\n\r>/]| (?!r="))')  # a cell not starting with r="…"


def _letters(index: int) -> bytes:
    letters = b""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = bytes([65 + rest]) + letters
    return letters


def _selective(columns: frozenset[int], max_columns: int) -> re.Pattern[bytes]:
    """``TOKENS`` narrowed to the wanted columns (and to any column past the cap, so a too wide
    sheet is still refused): the engine skips every other cell in C instead of handing it to the
    loop. Valid only where every cell starts with ``r="…"`` (checked per chunk by the caller)."""
    letters: list[bytes] = sorted((_letters(i) for i in columns if i <= max_columns), key=len, reverse=True)
    wanted = b"|".join(letters)
    return re.compile(
        rb"<row\b([^>]*+>)"  # the groups of TOKENS, in the same order
        rb'|<c r="(' + wanted + rb"|" + BEYOND + rb')\d*+"([^>/]*+)'
        rb"(?:/>|>(?:<v>([^<]*+)</v>|<is><t(?:\s[^>]*+)?>([^<]*+)</t></is>|"
        rb"([^<]*+(?:<(?!/?c\b|/?row\b)[^<]*+)*+))</c>)",
        re.S,
    )


MISSING = object()  # a cell without a value
TEXT_CACHE_LIMIT = 100_000  # distinct raw strings remembered (a file repeats its labels on every row)
ATTRIBUTE_CACHE_LIMIT = 10_000


class Selection:
    """The columns (1-based) the caller still wants: ``None`` = all of them. The caller narrows it
    once it has read the header, and the reader then skips every other cell without decoding it
    (a Coop export has 30 columns; 21 are read)."""

    def __init__(self) -> None:
        self.columns: frozenset[int] | None = None


def rows(
    archive: zipfile.ZipFile,
    *,
    max_columns: int,
    selection: Selection | None = None,
    max_characters: int | None = None,
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of the chosen sheet, in order; a value beyond ``max_columns`` columns
    raises ``SheetError`` through the caller's check (the row is returned one cell wider). Cells of
    columns left out of ``selection`` stay ``None`` (their position is still checked). A text cell
    read that is longer than ``max_characters`` raises ``CellTooLong`` with its row: checked once per
    distinct text as it is decoded, not once per cell."""
    from openpyxl.utils.datetime import from_excel

    path = _sheet_path(archive)
    shared_bodies = _shared_strings(archive, path)
    shared: list[str | None] = [None] * len(shared_bodies)  # decoded on first use
    dates = _date_styles(archive)
    epoch = _epoch(archive)
    try:
        stream = archive.open(path)
    except KeyError as exc:
        raise SheetError("La feuille du fichier XLSX est introuvable.") from exc
    cap = max_columns + 1
    columns = _COLUMNS
    columns_get = columns.get
    texts: dict[bytes, str] = {}
    texts_get = texts.get
    kinds: dict[bytes, tuple[bytes, bool]] = {}  # attributes after r= → (type, date style)
    when: dict[Any, datetime] = {}

    def text(raw: bytes) -> str:
        value = texts.get(raw)
        if value is None:
            value = _text(raw)
            if max_characters is not None and len(value) > max_characters:
                raise CellTooLong(number)
            if len(texts) < TEXT_CACHE_LIMIT:
                texts[raw] = value
        return value

    def kind_of(attrs: bytes) -> tuple[bytes, bool]:
        found = kinds.get(attrs)
        if found is None:
            kind = TYPE.search(attrs)
            style = STYLE.search(attrs)
            found = (kind.group(1) if kind else b"n", style is not None and int(style.group(1)) in dates)
            if len(kinds) < ATTRIBUTE_CACHE_LIMIT:
                kinds[attrs] = found
        return found

    def convert(attrs: bytes, value: bytes, other: bytes) -> Any:
        """The value of a cell that is not a plain inline string (``MISSING`` when it holds none)."""
        kind, is_date = kinds.get(attrs) or kind_of(attrs)
        if kind == b"inlineStr":
            body = PHONETIC.sub(b"", other) if b"<rPh" in other else other
            return text(b"".join(TEXT.findall(body)))
        if not value:
            found_value = VALUE.search(other)
            if found_value is None:
                return MISSING
            value = found_value.group(1)
        if kind == b"s":
            index = int(value)
            shared_text = shared[index]
            if shared_text is None:
                shared_text = _shared_text(shared_bodies[index])
                if max_characters is not None and len(shared_text) > max_characters:
                    raise CellTooLong(number)
                shared[index] = shared_text
            return shared_text
        if kind in (b"str", b"e"):
            return texts.get(value) or text(value)
        if kind == b"b":
            return value.strip() in (b"1", b"true")
        if kind == b"d":
            return datetime.fromisoformat(value.decode().strip())
        # "n", or no type: a number
        try:
            cell: Any = int(value)
        except ValueError:
            cell = float(value)
        if is_date:
            moment = when.get(cell)
            if moment is None:
                moment = when[cell] = from_excel(cell, epoch)
            cell = moment
        return cell

    buffer = b""
    tail = b""
    selective: tuple[frozenset[int], re.Pattern[bytes]] | None = None
    read_size = FIRST_CHUNK  # small first: the header is read before most rows are tokenised
    number = 0
    values: list[Any] = []
    position = 0
    with stream:
        while True:
            chunk = stream.read(read_size)
            read_size = CHUNK
            buffer += chunk
            if chunk:
                end = buffer.rfind(b"</row>")
                if end < 0:
                    end = buffer.rfind(b"/>")  # rows without cells only
                if end < 0:
                    continue
                usable, buffer = buffer[: end + 6], buffer[end + 6 :]
            else:
                usable = tail = buffer
            pattern = TOKENS
            keep = selection.columns if selection is not None else None
            if keep is not None and max_columns == BEYOND_COLUMN - 1 and not IRREGULAR_CELL.search(usable):
                if selective is None or selective[0] is not keep:
                    selective = (keep, _selective(keep, max_columns))
                pattern = selective[1]
            if pattern is not TOKENS:
                # Narrowed: every match is a row start or a cell of a wanted column (or of a column past
                # the cap), each starting with r="…": the same reading as below with fewer steps per cell.
                for row_attrs, letters, attrs, value, inline, other in pattern.findall(usable):
                    if inline:
                        cell: Any = texts_get(inline) or text(inline)
                    elif not letters:
                        if values:
                            yield number, values
                            values = []
                        found = ROW_NUMBER.search(row_attrs)
                        number = int(found.group(1)) if found else number + 1
                        continue
                    elif value or other:
                        cell = convert(attrs, value, other)
                        if cell is MISSING:
                            continue
                    else:
                        continue  # an empty cell
                    position = columns_get(letters) or column_index(letters)
                    if position >= cap:
                        position = cap  # past the cap: kept, so the caller refuses the row
                    size = len(values)
                    if position == size + 1:
                        values.append(cell)
                    elif position > size:
                        values.extend([None] * (position - size - 1))
                        values.append(cell)
                    else:
                        values[position - 1] = cell
                if not chunk:
                    break
                continue
            for row_attrs, letters, attrs, value, inline, other in pattern.findall(usable):
                if letters:
                    position = columns.get(letters) or column_index(letters)
                elif row_attrs:
                    if values:
                        yield number, values
                        values = []
                    found = ROW_NUMBER.search(row_attrs)
                    number = int(found.group(1)) if found else number + 1
                    position = 0
                    continue
                else:
                    ref = REF.search(attrs)
                    position = column_index(ref.group(1)) if ref else position + 1
                if not (value or inline or other):
                    continue  # an empty cell
                if position >= cap:
                    position = cap  # past the cap: kept, so the caller refuses the row
                elif (
                    selection is not None and (keep := selection.columns) is not None and position not in keep
                ):
                    continue  # a column the caller does not read
                if inline:
                    cell = texts.get(inline) or text(inline)
                else:
                    cell = convert(attrs, value, other)
                    if cell is MISSING:
                        continue
                size = len(values)
                if position == size + 1:
                    values.append(cell)
                elif position > size:
                    values.extend([None] * (position - size - 1))
                    values.append(cell)
                else:
                    values[position - 1] = cell
            if not chunk:
                break
    if values:
        yield number, values
    if b"</worksheet>" not in tail and b"</sheetData>" not in tail:
        raise SheetError("Le fichier XLSX est tronqué (feuille incomplète).")
