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

from maillage.places.normalize import fold
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
    by_pk = Territory.objects.select_related("department").in_bulk(pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


def kind_label(territory: Territory) -> str:
    return str(TerritoryKind(territory.kind).label)


def is_clear_match(text: str, territory: Territory, results: list[Territory]) -> bool:
    """The first result is what was meant: the only one, or its code, nickname or name key is typed."""
    return len(results) == 1 or _typed_exactly(text, territory, results)


# --- the public search's « près de » field ------------------------------------------------------------

_TRAILING_CODE = re.compile(r"\(\s*(\d[0-9AB]\d{0,7}|2[AB])\s*\)\s*$", re.IGNORECASE)
AREA_KINDS = [TerritoryKind.EPCI, TerritoryKind.DEPARTMENT]
AREA_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Area:
    """What the public search's place field designates: a commune (searched around, within a radius),
    a wider territory (an EPCI or a département: its places), or nothing — then ``candidates`` are the
    suggestions to offer (ambiguous or unknown text)."""

    commune: Territory | None = None
    territory: Territory | None = None
    candidates: tuple[Territory, ...] = ()
    ambiguous: bool = False


def public_kind_label(territory: Territory) -> str:
    """The kind of a territory in the public's words: « intercommunalité » rather than « EPCI »."""
    from django.utils.translation import gettext

    if territory.kind == TerritoryKind.EPCI:
        return gettext("intercommunalité")
    return kind_label(territory)


def area_label(territory: Territory) -> str:
    """The text that designates ``territory`` unambiguously in the field: « Figeac (46102) »,
    « CC Grand-Figeac (200067361) », « Lot (46) »."""
    return f"{territory.name} ({territory.code})"


def resolve_area(text: str) -> Area:
    """Read the place field of the public search as people type it.

    In order: a label with its code (« Figeac (46102) », « CC Grand-Figeac (200067361) »), a postcode or
    an INSEE code, a commune's exact name (the largest of homonyms), then an EPCI or a département by
    name, nickname, abbreviation, code or SIREN (« Grand Figeac », « Cauvaldor », « 46 »), then the
    communes whose name starts with the text. Several territories that fit equally, or none: no area,
    with suggestions."""
    from maillage.places import selectors

    text = (text or "").strip()[:120]
    if not text:
        return Area()
    communes = Territory.objects.communes()
    match = _TRAILING_CODE.search(text)
    if match:
        code = match.group(1).upper()
        found = (  # the unique (kind, code) index
            Territory.objects.filter(kind__in=[TerritoryKind.COMMUNE, *AREA_KINDS], code=code)
            .order_by("kind")
            .first()
        )
        if found is not None:
            return _area_of(found)
        text = text[: match.start()].strip()
        if not text:
            return Area()
    compact = text.replace(" ", "")
    if compact.isdigit() and len(compact) == 5:
        commune = selectors.resolve_commune(compact)
        return Area(commune=commune) if commune else Area(candidates=tuple(selectors.commune_search(compact)))
    exact = (  # the indexed folded name (never UPPER(name): a scan of 35 000 communes)
        communes.filter(search_name=fold(text))
        .order_by(F("population").desc(nulls_last=True), "name")
        .first()
    )
    if exact is not None:
        return Area(commune=exact)
    results = lookup(text, kinds=[str(k) for k in AREA_KINDS])
    if results and _typed_exactly(text, results[0], results):
        return _area_of(results[0])
    starting = selectors.commune_search(text, limit=8)
    if starting:
        return Area(commune=starting[0])  # « fig » → Figeac, as before: the largest commune starting so
    if len(results) == 1:
        return _area_of(results[0])  # « Grand Fig » → CC Grand-Figeac, the only one
    if results:
        return Area(candidates=tuple(results), ambiguous=True)
    return Area(candidates=tuple(suggestions(text, kinds=[str(k) for k in AREA_KINDS])))


def _typed_exactly(text: str, territory: Territory, results: list[Territory]) -> bool:
    """Its code, nickname or name key is what was typed (and no other result has that name key)."""
    if territory.code.lower() == (text or "").replace(" ", "").lower():
        return True
    text_key = key(text)
    aliases = _aliases()
    if territory.code in (aliases.get(text_key.replace(" ", "")), aliases.get(text_key)):
        return True
    if key(territory.name) != text_key:
        return False
    return not [t for t in results if t.pk != territory.pk and key(t.name) == text_key]


def _area_of(territory: Territory) -> Area:
    if territory.kind == TerritoryKind.COMMUNE:
        return Area(commune=territory)
    return Area(territory=territory)


def resolve_area_cached(text: str) -> Area:
    """:func:`resolve_area`, remembered five minutes per text (the referential changes only when
    ``load_territories`` runs; people search from the same places again and again)."""
    import hashlib

    from django.core.cache import cache

    cache_key = "places:area:" + hashlib.sha256(fold(text or "").encode()).hexdigest()
    found = cache.get(cache_key)
    if found is None:
        found = resolve_area(text)
        cache.set(cache_key, found, AREA_CACHE_SECONDS)
    return found


def candidate_links(params: object, candidates: list[Territory]) -> list[dict[str, str]]:
    """The suggestions as links: the same search (``params``, a QueryDict) with the place field set to
    each candidate's label, first page — choosing needs no JavaScript."""
    links = []
    for territory in candidates:
        query = params.copy()  # type: ignore[attr-defined]
        query.pop("page", None)
        query["commune"] = area_label(territory)
        links.append(
            {
                "label": area_label(territory),
                "kind": public_kind_label(territory),
                "department": getattr(territory.department, "name", "") if territory.department_id else "",
                "query": query.urlencode(),
            }
        )
    return links
