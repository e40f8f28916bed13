"""Result cards of the public search, rendered once per place content and language.

A search page shows 20 cards; rendering them through the template engine cost ≈ 3 ms of CPU per page
(of 15–20 ms), ≈ 1.3 ms once their fixed parts come from this cache (measured on 20 real searches). What a card shows of its place (name, address, services, phone, badges, link) is rendered from
``places/partials/_place_card.html`` once and kept, split at the ``<!--card-->`` marks, in a bounded
in-process cache; ``_result_list.html`` puts between the parts what depends on the request (the
« retour » suffix of the link, the distance, « ouvert maintenant »).

The cache is keyed on the shown values themselves (and the language), not on an id: a place whose
name, address or services change gets a new key at once, on every worker, whatever wrote the change
(a form, an import, a correction); nothing needs invalidating, and the old entry ages out. The page is
byte for byte the one the whole template gave (tests/places/test_search_cards.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

TEMPLATE = "places/partials/_place_card.html"
MARK = "<!--card-->"  # never in a place's text: the template escapes « < »
MAX_ENTRIES = 5000  # ~1 KB each: a few MB per worker

Parts = tuple[SafeString, SafeString, SafeString, SafeString]

_cache: OrderedDict[tuple[Any, ...], Parts] = OrderedDict()
_lock = threading.Lock()


def card_key(card: Any) -> tuple[Any, ...]:
    """Every value the card template shows, and the language of its fixed words."""
    place = card.place
    return (
        get_language(),
        card.url,
        place.name,
        place.address,
        place.address_complement,
        place.postcode,
        place.commune_name,
        place.latitude,
        place.longitude,
        tuple(place.services or ()),
        place.phone,
        card.france_services,
        card.digital_advisers,
        card.aidants_connect,
    )


def card_parts(card: Any) -> Parts:
    """The four fixed parts of ``card``'s markup (from the cache, or rendered and kept)."""
    key = card_key(card)
    with _lock:
        parts = _cache.get(key)
        if parts is not None:
            _cache.move_to_end(key)
            return parts
    pieces = render_to_string(TEMPLATE, {"card": card}).split(MARK)
    if len(pieces) != 4:
        raise ValueError(f"{TEMPLATE} must hold exactly three {MARK} marks, not {len(pieces) - 1}.")
    parts = (mark_safe(pieces[0]), mark_safe(pieces[1]), mark_safe(pieces[2]), mark_safe(pieces[3]))  # noqa: S308 — the template's own escaped output
    with _lock:
        _cache[key] = parts
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return parts


def clear() -> None:
    with _lock:
        _cache.clear()
