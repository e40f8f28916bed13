"""A bounded, streaming reader of the first-class cells of an XLSX sheet (values only).

openpyxl parses every cell through Python objects (about 5 000 cells a second on a loaded machine
here): far too slow for a 200 000-row export, and in read-only mode it pads rows to the sheet's
declared ``<dimension>``. This reader decompresses the sheet in chunks and cuts rows and cells with
compiled regular expressions over the XML (the SpreadsheetML grammar of ``<row>``/``<c>``/``<v>`` is
flat), resolving shared strings, inline strings, booleans, numbers and date cells (from the number
formats of ``styles.xml`` and the workbook's 1900/1904 epoch). Rows come with their real number
(``r``), missing rows cost nothing, and the caller stops reading when it has enough.

Safety: the archive is checked first (``formats._check_zip``: sizes, ratio, no DOCTYPE/ENTITY); no
entity is ever expanded (only the five predefined ones and character references are decoded); a
sheet that does not end with ``</worksheet>`` is refused as truncated.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from posixpath import join, normpath
from typing import Any

CHUNK = 4 * 1024 * 1024
ROW = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
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


def _shared_strings(archive: zipfile.ZipFile, sheet_path: str) -> list[str]:
    data = _read(archive, "xl/sharedStrings.xml")
    strings = []
    for match in SHARED.finditer(data):
        body = match.group(1) or b""
        if b"<rPh" in body:
            body = PHONETIC.sub(b"", body)
        strings.append(_text(b"".join(TEXT.findall(body))))
    return strings


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


def rows(archive: zipfile.ZipFile, *, max_columns: int) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of the chosen sheet, in order; a value beyond ``max_columns`` columns
    raises ``SheetError`` through the caller's check (the row is returned one cell wider)."""
    from openpyxl.utils.datetime import from_excel

    path = _sheet_path(archive)
    shared = _shared_strings(archive, path)
    dates = _date_styles(archive)
    epoch = _epoch(archive)
    try:
        stream = archive.open(path)
    except KeyError as exc:
        raise SheetError("La feuille du fichier XLSX est introuvable.") from exc
    buffer = b""
    last_row = 0
    tail = b""
    with stream:
        while True:
            chunk = stream.read(CHUNK)
            buffer += chunk
            end = buffer.rfind(b"</row>") if chunk else len(buffer)
            if chunk and end < 0:
                end = buffer.rfind(b"/>")  # rows without cells only
            if end < 0:
                continue
            usable = buffer[: end + 6] if chunk else buffer
            consumed = 0
            for match in ROW.finditer(usable):
                consumed = match.end()
                number = ROW_NUMBER.search(match.group(1))
                last_row = int(number.group(1)) if number else last_row + 1
                body = match.group(2)
                if not body:
                    continue
                values: list[Any] = []
                position = 0
                for cell in CELL.finditer(body):
                    attrs, inner = cell.group(1), cell.group(2)
                    ref = REF.search(attrs)
                    position = column_index(ref.group(1)) if ref else position + 1
                    if position > max_columns + 1:
                        position = max_columns + 1
                    if not inner:
                        continue
                    kind = TYPE.search(attrs)
                    kind_name = kind.group(1) if kind else b"n"
                    if kind_name == b"inlineStr":
                        value: Any = _text(b"".join(TEXT.findall(inner)))
                    else:
                        found = VALUE.search(inner)
                        if found is None:
                            continue
                        raw = found.group(1)
                        if kind_name == b"s":
                            value = shared[int(raw)]
                        elif kind_name in (b"str", b"e"):
                            value = _text(raw)
                        elif kind_name == b"b":
                            value = raw.strip() in (b"1", b"true")
                        elif kind_name == b"d":
                            value = datetime.fromisoformat(raw.decode().strip())
                        else:
                            number_text = raw.strip()
                            value = (
                                int(number_text) if number_text.lstrip(b"-").isdigit() else float(number_text)
                            )
                            style = STYLE.search(attrs)
                            if style is not None and int(style.group(1)) in dates:
                                value = from_excel(value, epoch)
                    if len(values) < position:
                        values.extend([None] * (position - len(values)))
                    values[position - 1] = value
                if values:
                    yield last_row, values
            if not chunk:
                tail = buffer[consumed:]
                break
            buffer = buffer[consumed:] if consumed else buffer
    if b"</worksheet>" not in tail and b"</sheetData>" not in tail:
        raise SheetError("Le fichier XLSX est tronqué (feuille incomplète).")
