"""Find a territory as people type it: names, abbreviations, nicknames and codes, with suggestions.

« CC du Grand Figeac », « Grand Figeac », « grand-figeac » and « 200067361 » (SIREN) all find the EPCI
officially named « CC Grand-Figeac »; « Cauvaldor » finds « CC Causses et Vallée de la Dordogne »;
« Lot », « 46 » the département; communes by name, postcode or INSEE code.

Names are compared on a *key*: accents, case and punctuation removed, « St » read « Saint », and the
legal-form words (« CC », « communauté de communes », « CA »…) and small words (« du », « de la »…)
dropped. Nicknames that cannot be derived from the official name come from :data:`ALIASES` (and the
``TERRITORY_ALIASES`` setting, same shape). Non-commune territories are few (≈ 1 400 EPCI, départements
and régions): they are scored in Python; communes go through the commune search.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from maillage.territories.models import Territory, TerritoryKind
from maillage.territories.text import search_query_normalize

#: Nicknames in use that are not in the official names (normalised key → SIREN or INSEE code).
ALIASES: dict[str, str] = {
    "cauvaldor": "200066371",  # CC Causses et Vallée de la Dordogne (Lot)
}

LEGAL_FORMS = {
    "cc",
    "ca",
    "cu",
    "communaute",
    "communautes",
    "commune",
    "communes",
    "agglomeration",
    "agglo",
    "urbaine",
    "metropole",
    "syndicat",
    "intercommunalite",
    "epci",
    "departement",
    "region",
}
SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "sur", "a", "au", "aux"}
_CODE = re.compile(r"^(?:\d{2,3}|2[ab]|\d{5}|2[ab]\d{3}|\d{9})$", re.IGNORECASE)
_KIND_ORDER: dict[str, int] = {"epci": 0, "department": 1, "region": 2}


def key(text: str) -> str:
    words = search_query_normalize(text).split()
    kept = [w for w in words if w not in LEGAL_FORMS and w not in SMALL_WORDS]
    return " ".join(kept or words)


@dataclass(frozen=True)
class _Row:
    pk: int
    kind: str
    code: str
    name: str
    key: str
    population: int


def _rows(kinds: list[str]) -> list[_Row]:
    values = (
        Territory.objects.filter(kind__in=kinds)
        .order_by(F("population").desc(nulls_last=True), "name")
        .values_list("pk", "kind", "code", "name", "population")
    )
    return [
        _Row(pk, kind, code, name, key(name), population or 0) for pk, kind, code, name, population in values
    ]


def _aliases() -> dict[str, str]:
    extra = getattr(settings, "TERRITORY_ALIASES", {}) or {}
    return {**ALIASES, **{key(k): str(v) for k, v in dict(extra).items()}}


def lookup(text: str, *, kinds: list[str] | None = None, limit: int = 8) -> list[Territory]:
    """Territories matching ``text``, best first (exact code, nickname, exact name key, then words)."""
    text = (text or "").strip()[:120]
    if not text:
        return []
    kinds = kinds or [
        TerritoryKind.EPCI,
        TerritoryKind.DEPARTMENT,
        TerritoryKind.REGION,
        TerritoryKind.COMMUNE,
    ]
    found: list[Territory] = []

    def add(items: list[Territory]) -> None:
        for item in items:
            if item.pk not in {t.pk for t in found} and len(found) < limit:
                found.append(item)

    compact = text.replace(" ", "")
    if _CODE.match(compact):
        add(list(Territory.objects.filter(kind__in=kinds, code__iexact=compact).order_by("kind")))
    text_key = key(text)
    alias = _aliases().get(text_key.replace(" ", "")) or _aliases().get(text_key)
    if alias:
        add(list(Territory.objects.filter(kind__in=kinds, code=alias)))
    others = [k for k in kinds if k != TerritoryKind.COMMUNE]
    if others and text_key:
        rows = _rows(others)
        words = text_key.split()
        exact = [r for r in rows if r.key == text_key]
        started = [
            r
            for r in rows
            if r not in exact and all(any(w.startswith(q) for w in r.key.split()) for q in words)
        ]
        ordered = sorted(exact, key=lambda r: _KIND_ORDER.get(r.kind, 9)) + started
        add(_load([r.pk for r in ordered[:limit]]))
    if TerritoryKind.COMMUNE in kinds and len(found) < limit:
        from maillage.places.selectors import commune_search

        add(commune_search(text, limit=limit))
    return found


def suggestions(text: str, *, kinds: list[str] | None = None, limit: int = 8) -> list[Territory]:
    """When :func:`lookup` finds nothing: the closest names (typos, missing words)."""
    text_key = key(text or "")
    if not text_key:
        return []
    kinds = [
        k for k in (kinds or [TerritoryKind.EPCI, TerritoryKind.DEPARTMENT]) if k != TerritoryKind.COMMUNE
    ]
    rows = _rows(kinds) if kinds else []
    by_key: dict[str, list[_Row]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    close = difflib.get_close_matches(text_key, list(by_key), n=limit, cutoff=0.6)
    # also any name sharing a whole word of the query
    words = set(text_key.split())
    sharing = [r for r in rows if words & set(r.key.split())]
    ids = [r.pk for k in close for r in by_key[k]] + [r.pk for r in sharing]
    return _load(list(dict.fromkeys(ids))[:limit])


def _load(pks: list[int]) -> list[Territory]:
    by_pk = Territory.objects.in_bulk(pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


def kind_label(territory: Territory) -> str:
    return str(TerritoryKind(territory.kind).label)


def is_clear_match(text: str, territory: Territory, results: list[Territory]) -> bool:
    """The first result is what was meant: the only one, or its code, nickname or name key is typed."""
    if len(results) == 1:
        return True
    compact = (text or "").replace(" ", "").lower()
    if territory.code.lower() == compact:
        return True
    text_key = key(text)
    if (
        _aliases().get(text_key.replace(" ", "")) == territory.code
        or _aliases().get(text_key) == territory.code
    ):
        return True
    if key(territory.name) == text_key:
        others = [t for t in results[1:] if key(t.name) == text_key]
        return not others
    return False
