"""Reads on the territories reference (public data: no user scoping needed)."""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from maillage.territories.models import Territory, TerritoryQuerySet
from maillage.territories.text import search_query_normalize

_POSTCODE_OR_CODE = re.compile(r"^(?:\d{2,5}|2[ab]\d{0,3})$")
_POSTCODE_TOKEN = re.compile(r"\b(?:\d{5}|2[abAB]\d{3})\b")  # also « Figeac (46102) », « Ajaccio (2A004) »


def territory_by_code(kind: str, code: str) -> Territory | None:
    """The territory of ``kind`` (region, department, epci, commune) with this INSEE/SIREN ``code``."""
    return Territory.objects.filter(kind=kind, code=code.strip().upper()).first()


def communes_in(territory: Territory) -> TerritoryQuerySet:
    """The communes of ``territory`` (itself for a commune), by name."""
    return Territory.objects.communes_of([territory]).order_by("search_name", "code")


def _by_postcode_or_code(value: str) -> Q:
    """INSEE code or postcode, complete (``46100``) or started (``461``)."""
    q = Q(postcodes__icontains=f'"{value}') if len(value) < 5 else Q(postcodes__icontains=f'"{value}"')
    if len(value) == 5:
        q |= Q(code=value.upper())
    return q


def commune_search(query: str, limit: int = 10) -> list[Territory]:
    """Communes matching ``query``: a name (prefix, word or part, accents and case ignored; « St » means
    « Saint »), a postcode or INSEE code (complete or started), or both (« 46100 figeac »).

    Best matches first: exact name, then name start, then a word start, then anywhere; then by population.
    """
    text = query.strip()
    if not text or limit <= 0:
        return []
    communes = Territory.objects.communes().select_related("department")
    compact = text.replace(" ", "").lower()
    if _POSTCODE_OR_CODE.match(compact):
        return list(
            communes.filter(_by_postcode_or_code(compact))
            .annotate(
                # People type postcodes more than INSEE codes: « 46100 » is Figeac's postcode first.
                rank=Case(
                    When(postcodes__icontains=f'"{compact}"', then=Value(0)),
                    When(code=compact.upper(), then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("rank", Coalesce("population", 0).desc(), "search_name")[:limit]
        )

    postcodes = _POSTCODE_TOKEN.findall(text)
    if postcodes:
        communes = communes.filter(_by_postcode_or_code(postcodes[0]))
        text = _POSTCODE_TOKEN.sub(" ", text)
    name = search_query_normalize(text)
    if not name:
        return list(communes.order_by(Coalesce("population", 0).desc(), "search_name")[:limit])

    ranked = communes.annotate(
        rank=Case(
            When(search_name=name, then=Value(0)),
            When(search_name__startswith=name, then=Value(1)),
            When(search_name__contains=f" {name}", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("rank", Coalesce("population", 0).desc(), "search_name", "code")
    # The indexed prefix search answers most queries; the slower word or "anywhere" one only completes it.
    results: list[Territory] = list(ranked.filter(search_name__startswith=name)[:limit])
    if len(results) < limit:
        inside = Q(search_name__contains=name) if len(name) >= 3 else Q(search_name__contains=f" {name}")
        results += list(ranked.filter(inside).exclude(search_name__startswith=name)[: limit - len(results)])
    return results
