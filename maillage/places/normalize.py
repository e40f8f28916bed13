"""Text normalisation shared by the models (search columns), the import and the duplicate detection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae").lower()


# Per-character table for Latin, Greek, Cyrillic and punctuation: ``str.translate`` is faster than
# decomposing every string (an import folds ~100 000 strings). Rarer characters take the slow path.
_FOLD_TABLE = {
    cp: _fold_char(chr(cp)) for cp in range(0x80, 0x2500) if _fold_char(chr(cp)) != chr(cp).lower()
}


def _slow_fold(text: str) -> str:
    return "".join(_fold_char(c) if not c.isascii() else c for c in text)


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation collapsed to single spaces: ``« Médiathèque  d'Été »`` →
    ``mediatheque d ete``."""
    if not text:
        return ""
    if not text.isascii():
        text = text.translate(_FOLD_TABLE)
        if not text.isascii():
            text = _slow_fold(text)
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def pipe_column(values: Iterable[str]) -> str:
    """The normalised multi-value column: ``["a", "b"]`` → ``"|a|b|"`` (``""`` when empty).

    Filter one value with ``field__contains=f"|{value}|"`` on SQLite and PostgreSQL alike.
    """
    cleaned = [v for v in values if v]
    return f"|{'|'.join(cleaned)}|" if cleaned else ""
