"""Result cards of the public search, rendered once per place content and language.

A search page shows 20 cards; rendering them through the template engine cost ≈ 3 ms of CPU per page
(of 15–20 ms), ≈ 1.3 ms once their fixed parts come from this cache (measured on 20 real searches). What a card shows of its place (name, address, services, phone, badges, link) is rendered once and
kept, split at the ``<!--card-->`` marks of ``places/partials/_place_card.html``, in a bounded
in-process cache; :func:`list_html` puts between the parts what depends on the request (the
« retour » suffix of the link, the distance, « ouvert maintenant »).

A worker sees most places for the first time (each of 4 workers serves a quarter of the searches, and a
search shows 20 places among tens of thousands): a miss is as common as a hit. The template costs
≈ 0.09 ms a card, so :func:`render_parts` writes the same markup in Python (≈ 0.01 ms); the template
stays the reference of the markup, and tests/places/test_search_cards.py checks that both give the
same bytes for every branch. The 20 cards of a page, with their request-dependent pieces, are joined
here too (:func:`list_html`): a template loop over them cost ≈ 1.5 ms.

The cache is keyed on the shown values themselves (and the language), not on an id: a place whose
name, address or services change gets a new key at once, on every worker, whatever wrote the change
(a form, an import, a correction); nothing needs invalidating, and the old entry ages out. The page is
byte for byte the one the whole template gave (tests/places/test_search_cards.py).
"""

from __future__ import annotations

import html
import threading
from collections import OrderedDict
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from maillage.places.templatetags.directory_tags import phone_display, tel_href

TEMPLATE = "places/partials/_place_card.html"
MARK = "<!--card-->"  # never in a place's text: the template escapes « < »
MAX_ENTRIES = 5000  # ~1 KB each: a few MB per worker

Parts = tuple[SafeString, SafeString, SafeString, SafeString]

_cache: OrderedDict[tuple[Any, ...], Parts] = OrderedDict()
_lock = threading.Lock()


def card_key(card: Any, language: str | None = None) -> tuple[Any, ...]:
    """Every value the card template shows, and the language of its fixed words."""
    place = card.place
    return (
        language or get_language(),
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


def card_parts(card: Any, language: str | None = None) -> Parts:
    """The four fixed parts of ``card``'s markup (from the cache, or rendered and kept); ``language``:
    the active language, when the caller knows it."""
    key = card_key(card, language)
    with _lock:
        parts = _cache.get(key)
        if parts is not None:
            _cache.move_to_end(key)
            return parts
    parts = render_parts(card)
    with _lock:
        _cache[key] = parts
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return parts


def template_parts(card: Any) -> Parts:
    """The four fixed parts of ``card``'s markup, from the template (the reference of the markup)."""
    pieces = render_to_string(TEMPLATE, {"card": card}).split(MARK)
    if len(pieces) != 4:
        raise ValueError(f"{TEMPLATE} must hold exactly three {MARK} marks, not {len(pieces) - 1}.")
    return (mark_safe(pieces[0]), mark_safe(pieces[1]), mark_safe(pieces[2]), mark_safe(pieces[3]))  # noqa: S308 — the template's own escaped output


def escape(value: Any) -> str:
    """Django's ``escape`` (``html.escape`` of the text), without its lazy-translation wrapper and its
    ``SafeString``: called ~15 times a card, the wrapper cost more than the escaping."""
    return html.escape(str(value))


#: The fixed words of a card, translated and escaped once per language (the translation catalogue was
#: asked four times a card).
_words: dict[str | None, dict[str, str]] = {}


def _card_words() -> dict[str, str]:
    language = get_language()
    words = _words.get(language)
    if words is None:
        words = _words[language] = {
            "france_services": f'<span class="badge">{escape(_("France Services"))}</span>',
            "digital_advisers": f'<span class="badge">{escape(_("Conseiller numérique"))}</span>',
            "aidants_connect": f'<span class="badge">{escape(_("Aidants Connect"))}</span>',
            "phone": escape(_("Téléphone :")),
        }
    return words


def render_parts(card: Any) -> Parts:
    """The markup of :func:`template_parts`, written in Python: the same bytes, every value escaped."""
    place = card.place
    name, url = escape(place.name), escape(card.url)
    position = ""
    if place.latitude is not None and place.longitude is not None:
        position = f' data-lat="{_fixed5(place.latitude)}" data-lon="{_fixed5(place.longitude)}"'
    complement = f", {escape(place.address_complement)}" if place.address_complement else ""
    words = _card_words()
    badges = ""
    if card.france_services or card.digital_advisers or card.aidants_connect:
        badges = (
            '<p class="place-badges">'
            + (words["france_services"] if card.france_services else "")
            + (words["digital_advisers"] if card.digital_advisers else "")
            + (words["aidants_connect"] if card.aidants_connect else "")
            + "</p>"
        )
    services = ""
    if place.services:
        services = '<p class="meta">' + " · ".join([escape(s) for s in place.services]) + "</p>"
    phone = ""
    if place.phone:
        phone = (
            f'<p class="meta">{words["phone"]} <a href="{escape(tel_href(place.phone))}">'
            f"{escape(phone_display(place.phone))}</a></p>"
        )
    return (
        mark_safe(  # noqa: S308 — escaped above
            f'\n  <li class="place-card"{position} data-name="{name}" data-url="{url}">\n    <h3><a href="{url}'
        ),
        mark_safe(  # noqa: S308 — escaped above
            f'">{name}</a></h3>\n    <p class="place-address">{escape(place.address)}{complement}, '
            f"{escape(place.postcode)} {escape(place.commune_name)}"
        ),
        _BETWEEN,
        mark_safe(f"\n    {badges}\n    {services}\n    {phone}\n  </li>\n  "),  # noqa: S308 — escaped above
    )


_BETWEEN = mark_safe("</p>\n    ")  # noqa: S308 — constant


def _fixed5(value: Any) -> str:
    """The ``stringformat:'.5f'`` filter."""
    try:
        return "%.5f" % value  # noqa: UP031 — the filter's own formatting (a Decimal, a str…)
    except (ValueError, TypeError):
        return ""


def list_html(cards: list[Any], back_suffix: str) -> SafeString:
    """The cards of a page, each its fixed parts (``card.parts``) around what depends on the request:
    the « retour » suffix of its link, the distance, « ouvert maintenant »."""
    suffix = escape(back_suffix)
    pieces: list[str] = []
    for card in cards:
        first, second, third, last = card.parts
        pieces += (first, suffix, second)
        if card.distance:
            pieces.append(f' <span class="distance">— {escape(card.distance)}</span>')
        pieces.append(third)
        status = card.status
        if status:
            css = "open-now" if status.is_open else "closed-now"
            pieces.append(f'<p class="place-status"><span class="{css}">{escape(status.label)}</span>')
            if status.detail:
                pieces.append(f" — {escape(status.detail)}")
            pieces.append("</p>")
        pieces.append(last)
    return mark_safe("".join(pieces))  # noqa: S308 — the cached parts are escaped markup, the rest escaped here


def clear() -> None:
    with _lock:
        _cache.clear()
        _words.clear()
