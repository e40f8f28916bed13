"""Text normalisation shared by the models (search columns), the import and the duplicate detection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation collapsed to single spaces: ``« Médiathèque  d'Été »`` →
    ``mediatheque d ete``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return _NON_ALNUM.sub(" ", stripped.lower()).strip()


def pipe_column(values: Iterable[str]) -> str:
    """The normalised multi-value column: ``["a", "b"]`` → ``"|a|b|"`` (``""`` when empty).

    Filter one value with ``field__contains=f"|{value}|"`` on SQLite and PostgreSQL alike.
    """
    cleaned = [v for v in values if v]
    return f"|{'|'.join(cleaned)}|" if cleaned else ""
