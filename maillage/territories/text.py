"""Name normalisation shared by the loader (``Territory.search_name``) and the searches."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def search_normalize(value: str) -> str:
    """Lowercase, accents removed, hyphens, apostrophes and punctuation as single spaces.

    ``"L'Hospitalet-du-Larzac"`` → ``"l hospitalet du larzac"``; ``"Œuilly"`` → ``"oeuilly"``.
    """
    value = unicodedata.normalize("NFKD", value.translate(_LIGATURES))
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).lower()
    return _NOT_ALNUM.sub(" ", value).strip()


def search_query_normalize(value: str) -> str:
    """Like :func:`search_normalize`, plus what people type: « St Céré » means « Saint-Céré »."""
    words = search_normalize(value).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)
