"""Reads of the directory: the public search (text, filters, distance), scoped professional lists.

Distances use the equirectangular approximation, portable on SQLite and PostgreSQL: with the chosen
commune at (lat0, lon0) and ``k = cos(lat0)`` computed in Python, the squared distance
``(lat - lat0)² + ((lon - lon0)·k)²`` (in degrees²) orders the rows; the circle's bounding box is asked
from a spatial index first (GiST on PostgreSQL, R-tree on SQLite: ``maillage.places.spatial``), so a
search reads about the rows it keeps. The error is far below a kilometre at the scale of a département.

The text is matched against ``search_document`` (``maillage.places.search_document``: services, publics,
programmes, presentations, accents and plurals ignored) and « ouvert maintenant » against the
precomputed weekly intervals (``maillage.places.open_now``): no opening-hours string is parsed to search.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property

from maillage.core.database import local_setting
from maillage.core.models import AuditLog
from maillage.core.permissions import territories_for
from maillage.places import open_now, search_document, spatial
from maillage.places.models import Mediator, Place, PlaceQuerySet
from maillage.places.normalize import fold
from maillage.territories.models import Territory, TerritoryKind

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
STALE_AFTER = timedelta(days=183)  # « plus de 6 mois »
RADIUS_CHOICES_KM = (5, 10, 20, 30, 50, 100)
DEFAULT_RADIUS_KM = 30
PAGE_SIZE = 20

# --- communes ---------------------------------------------------------------------------------------

_CODE_IN_PARENS = re.compile(r"\((\d[0-9AB]\d{3})\)\s*$")
_POSTCODE = re.compile(r"^\d{5}$")


def commune_search(text: str, *, limit: int = 10) -> list[Territory]:
    """Communes whose name starts with (then contains) ``text``, or whose postcode/INSEE code is ``text``.

    Largest communes first. Delegates to ``maillage.territories.selectors.commune_search`` when present.
    """
    try:
        from maillage.territories import selectors as territory_selectors  # type: ignore[attr-defined]

        delegate = getattr(territory_selectors, "commune_search", None)
    except ImportError:
        delegate = None
    if delegate is not None:
        return list(delegate(text, limit=limit))
    text = (text or "").strip()
    if len(text) < 2:
        return []
    communes = Territory.objects.communes()
    if text[:2].isdigit():
        found = communes.filter(Q(code__startswith=text) | Q(postcodes__icontains=f'"{text}')).order_by(
            F("population").desc(nulls_last=True), "name"
        )
        return list(found[:limit])
    folded = fold(text)
    prefix = list(
        communes.filter(Q(search_name__startswith=folded) | Q(name__istartswith=text)).order_by(
            F("population").desc(nulls_last=True), "name"
        )[:limit]
    )
    if len(prefix) < limit:
        prefix += list(
            communes.filter(Q(search_name__contains=folded) | Q(name__icontains=text))
            .exclude(pk__in=[c.pk for c in prefix])
            .order_by(F("population").desc(nulls_last=True), "name")[: limit - len(prefix)]
        )
    return prefix


def commune_label(commune: Territory) -> str:
    """The text put in the commune field: « Figeac (46102) » (name and INSEE code: unambiguous)."""
    return f"{commune.name} ({commune.code})"


COMMUNE_CACHE_SECONDS = 300
_NO_COMMUNE = "-"


def resolve_commune_cached(text: str) -> Territory | None:
    """:func:`resolve_commune`, remembered five minutes per text: the referential does not change
    between two searches, and people search from the same communes again and again."""
    key = "places:commune:" + hashlib.sha256(fold(text or "").encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = resolve_commune(text) or _NO_COMMUNE
        cache.set(key, found, COMMUNE_CACHE_SECONDS)
    return None if found == _NO_COMMUNE else found


def resolve_commune(text: str) -> Territory | None:
    """Turn the commune field into a commune: « Figeac (46102) », « 46100 », « figeac », « Figeac »."""
    text = (text or "").strip()
    if not text:
        return None
    communes = Territory.objects.communes()
    match = _CODE_IN_PARENS.search(text)
    if match:
        found = communes.filter(code=match.group(1)).first()
        if found:
            return found
        text = text[: match.start()].strip()
    if _POSTCODE.match(text):
        by_code = communes.filter(code=text).first()
        if by_code:
            return by_code
        by_postcode = communes.filter(postcodes__icontains=f'"{text}"').order_by(
            F("population").desc(nulls_last=True), "name"
        )
        # Most postcodes start with their département's code: look there first (indexed), then anywhere.
        department = "2A" if text.startswith("20") else text[:3] if text.startswith("97") else text[:2]
        nearby = by_postcode.filter(
            department__kind=TerritoryKind.DEPARTMENT,
            department__code__in=[department, "2B"][: 2 if department == "2A" else 1],
        ).first()
        return nearby or by_postcode.first()
    folded = fold(text)
    exact = (
        communes.filter(Q(search_name=folded) | Q(name__iexact=text))
        .order_by(F("population").desc(nulls_last=True), "name")
        .first()
    )
    if exact:
        return exact
    candidates = commune_search(text, limit=1)
    return candidates[0] if candidates else None


# --- public search --------------------------------------------------------------------------------


@dataclass
class SearchFilters:
    q: str = ""
    commune: Territory | None = None
    territory: Territory | None = None  # an EPCI or a département: its places, no radius
    radius_km: int = DEFAULT_RADIUS_KM
    services: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    support_modes: list[str] = field(default_factory=list)
    fees: list[str] = field(default_factory=list)
    specific_support: list[str] = field(default_factory=list)
    national_programmes: list[str] = field(default_factory=list)
    accessibility_sheet: bool = False
    open_now: bool = False
    position: tuple[float, float] | None = None  # « autour de moi »: (latitude, longitude)
    invalid: bool = False  # the form had errors: search nothing rather than everything

    @property
    def origin(self) -> tuple[float, float] | None:
        """Where distances are measured from: the visitor's position, else the commune's centre."""
        if self.position is not None:
            return self.position
        commune = self.commune
        if commune is not None and commune.latitude is not None and commune.longitude is not None:
            return float(commune.latitude), float(commune.longitude)
        return None


def public_places() -> PlaceQuerySet:
    return Place.objects.filter(is_published=True, merged_into__isnull=True)


def _any_of(queryset: QuerySet[Place], field_name: str, values: Iterable[str]) -> QuerySet[Place]:
    values = [v for v in values if v]
    if not values:
        return queryset
    q = Q()
    for value in values:
        q |= Q(**{f"{field_name}_search__contains": f"|{value}|"})
    return queryset.filter(q)


def _text_filter(queryset: QuerySet[Place], text: str, *, near: bool = False) -> QuerySet[Place]:
    """Every word of ``text`` in the folded name/commune/postcode/address (``search_text``).

    With ``near`` (a bounding box already narrows the rows to a few hundred), the column is wrapped in
    ``LOWER()`` (a no-op: it is folded) so that PostgreSQL's planner does not intersect the small box
    with a large trigram bitmap for a common word.
    """
    text = text.strip()
    if not text:
        return queryset
    if _POSTCODE.match(text):
        return queryset.filter(Q(postcode=text) | Q(insee_code=text))
    column = "search_text"
    if near:
        queryset = queryset.annotate(search_text_plain=Lower("search_text"))
        column = "search_text_plain"
    for token in fold(text).split():
        queryset = queryset.filter(**{f"{column}__contains": token})
    return queryset


def _document_filter(queryset: QuerySet[Place], text: str, *, near: bool = False) -> QuerySet[Place]:
    """Places whose ``search_document`` holds a word starting with each term of ``text`` (stemmed,
    accents and case ignored): the stored ``search_vector`` and its GIN index on PostgreSQL, ``LIKE`` on
    SQLite.

    With ``near`` (the spatial index already narrows the rows to a circle), the column is wrapped in
    ``COALESCE`` (a no-op) so that the planner cannot intersect the circle's few hundred rows with the
    GIN index's answer for a common word: a prefix search (``franc:* & servic:*``) builds a bitmap of
    every match in France, four times longer for four times the places."""
    text = text.strip()
    if not text:
        return queryset
    if _POSTCODE.match(text):
        return queryset.filter(Q(postcode=text) | Q(insee_code=text))
    terms = search_document.query_terms(text)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        column = '"places_place"."search_vector"'
        if near:
            column = f"COALESCE({column}, ''::tsvector)"
        condition = RawSQL(  # noqa: S611 — constant SQL, the query as a parameter
            # The stored column (its GIN index), never to_tsvector() again on every row read.
            column + " @@ to_tsquery('simple'::regconfig, %s)",
            [search_document.tsquery(terms)],
            output_field=BooleanField(),
        )
        return queryset.filter(condition)
    for term in terms:
        queryset = queryset.filter(search_document__contains=f" {term}")
    return queryset


def within_box(
    queryset: QuerySet[Place], lat_min: float, lat_max: float, lon_min: float, lon_max: float
) -> QuerySet[Place]:
    """Places inside a latitude/longitude box, asked from the spatial index."""
    vendor = connection.vendor
    condition = RawSQL(  # noqa: S611 — constant SQL, values as parameters
        spatial.box_sql(vendor),
        spatial.box_params(vendor, lat_min, lat_max, lon_min, lon_max),
        output_field=BooleanField(),
    )
    return queryset.filter(condition)


def place_search(filters: SearchFilters, *, at: datetime | None = None) -> QuerySet[Place]:
    """Published places matching ``filters``; with an origin (commune or position), within its radius
    and nearest first (annotated ``distance_sq``, degrees²; use :func:`distance_km`).

    A new condition here goes into :func:`_near_shape` too (the read around a point is compiled once
    per shape, its parameters computed there)."""
    if filters.invalid:
        return public_places().none()
    # The text is tested last (PostgreSQL keeps the written order of equally cheap conditions): its
    # test reads each row's lexemes from TOAST storage, the other conditions read the row alone.
    queryset = _any_of(public_places(), "services", filters.services)
    queryset = _any_of(queryset, "publics", filters.publics)
    queryset = _any_of(queryset, "support_modes", filters.support_modes)
    queryset = _any_of(queryset, "fees", filters.fees)
    queryset = _any_of(queryset, "specific_support", filters.specific_support)
    queryset = _any_of(queryset, "national_programmes", filters.national_programmes)
    if filters.accessibility_sheet:
        queryset = queryset.exclude(accessibility_url="")
    queryset = _open_now(queryset, filters, at)
    origin = filters.origin
    if origin is None and filters.territory is not None:
        queryset = queryset.in_territory(filters.territory)  # type: ignore[attr-defined]
    if origin is None:
        return _document_filter(queryset, filters.q).order_by("normalized_name", "pk")  # indexed
    lat0, lon0, k, radius_deg = _circle(origin, filters.radius_km)
    queryset = within_box(queryset, *_box(lat0, lon0, k, radius_deg))
    dlat = F("latitude") - Value(lat0)
    dlon = (F("longitude") - Value(lon0)) * Value(k)
    queryset = queryset.annotate(
        distance_sq=ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())
    ).filter(distance_sq__lte=radius_deg * radius_deg)  # type: ignore[misc]
    queryset = _document_filter(queryset, filters.q, near=True)
    return queryset.order_by("distance_sq", "name", "pk")  # type: ignore[misc]


def _circle(origin: tuple[float, float], radius_km: int) -> tuple[float, float, float, float]:
    """(lat0, lon0, k, radius in degrees) of a search around ``origin``: ``k = cos(lat0)`` shrinks
    longitudes."""
    lat0, lon0 = origin
    return lat0, lon0, max(math.cos(math.radians(lat0)), 0.01), radius_km / KM_PER_DEGREE


def _box(lat0: float, lon0: float, k: float, radius_deg: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) of the box around the circle."""
    return lat0 - radius_deg, lat0 + radius_deg, lon0 - radius_deg / k, lon0 + radius_deg / k


#: The groups of checkboxes of a search, in the order :func:`place_search` filters on them.
_GROUP_FILTERS = ("services", "publics", "support_modes", "fees", "specific_support", "national_programmes")


def _near_shape(filters: SearchFilters, at: datetime | None) -> tuple[tuple[Any, ...], list[Any]] | None:
    """Kept in step with :func:`place_search` (its conditions, in its order).

    The shape of the nearest-first read of a search around a point on PostgreSQL (what its SQL
    depends on: how many values each group has, the « ouvert maintenant » condition, the kind of
    text) and its parameters, computed as :func:`place_search` computes them, in the order of its
    SQL; None when the read is not that one (an invalid search, nothing open now, another vendor).

    :func:`nearest_read` checks the parameters against the ORM's the first time it compiles a shape."""
    origin = filters.origin
    if filters.invalid or origin is None or connection.vendor != "postgresql":
        return None
    lat0, lon0, k, radius_deg = _circle(origin, filters.radius_km)
    distance = [lat0, lat0, lon0, k, lon0, k]
    shape: list[Any] = []
    params: list[Any] = list(distance)
    for name in _GROUP_FILTERS:
        values = [v for v in getattr(filters, name) if v]
        shape.append(len(values))
        params += [f"%{connection.ops.prep_for_like_query(f'|{value}|')}%" for value in values]
    shape.append(filters.accessibility_sheet)
    if filters.accessibility_sheet:
        params.append("")
    if filters.open_now:
        condition = open_now.open_condition_at(at or timezone.now(), connection.vendor)
        if condition is None:
            return None
        shape.append(condition[0])
        params += condition[1]
    else:
        shape.append(None)
    params += spatial.box_params(connection.vendor, *_box(lat0, lon0, k, radius_deg))
    params += [*distance, radius_deg * radius_deg]
    text = filters.q.strip()
    terms = search_document.query_terms(text) if text and not _POSTCODE.match(text) else []
    if text and _POSTCODE.match(text):
        shape.append("postcode")
        params += [text, text]
    elif terms:
        shape.append("terms")
        params.append(search_document.tsquery(terms))
    else:
        shape.append("")
    params += [lon0, lat0]  # the index's order: point(lon, lat) <-> point(lon0, lat0)
    return tuple(shape), params


#: (shape, rows) → the SQL of the nearest-first read (:func:`_near_shape`), compiled by the ORM once.
_NEAR_QUERIES: dict[tuple[Any, ...], str] = {}
_NEAR_QUERIES_MAX = 512


def _open_now(queryset: QuerySet[Place], filters: SearchFilters, at: datetime | None) -> QuerySet[Place]:
    if not filters.open_now:
        return queryset
    condition = open_now.open_condition_at(at or timezone.now(), connection.vendor)
    if condition is None:
        return queryset.none()
    sql, params = condition
    return queryset.filter(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 — constant SQL


#: What an empty search shows of the nearest place (places/partials/_result_list.html).
NEAREST_FIELDS = (
    "name",
    "commune_name",
    "latitude",
    "longitude",
    "commune__department__name",
    "commune__department__code",
)


def nearest_place(
    origin: tuple[float, float], filters: SearchFilters | None = None
) -> tuple[Place, float] | None:
    """The published place nearest to ``origin`` (with the same text and filters, when given) and its
    distance in km: explains an empty search far from the directory's places."""
    lat0, lon0 = origin
    k = max(math.cos(math.radians(lat0)), 0.01)
    if filters is not None:
        queryset = place_search(
            SearchFilters(**{**filters.__dict__, "commune": None, "territory": None, "position": None})
        )
    else:
        queryset = public_places()
    queryset = queryset.exclude(latitude=None).exclude(longitude=None)
    dlat = F("latitude") - Value(lat0)
    dlon = (F("longitude") - Value(lon0)) * Value(k)
    queryset = queryset.annotate(
        distance_sq=ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())
    )
    if connection.vendor == "postgresql":
        # K nearest neighbours from the GiST index (`<->`, in plain degrees), then the true order
        # (longitudes shrink with latitude) among them.
        knn = RawSQL(  # noqa: S611 — constant SQL, values as parameters
            'point("places_place"."longitude", "places_place"."latitude") <-> point(%s, %s)',
            [lon0, lat0],
            output_field=FloatField(),
        )
        candidates = list(queryset.order_by(knn.asc()).values_list("distance_sq", "pk")[:50])  # type: ignore[misc]
    else:
        candidates = list(queryset.order_by("distance_sq", "pk").values_list("distance_sq", "pk")[:1])  # type: ignore[misc]
    if not candidates:
        return None
    # The candidates' keys and distances only (50 whole places and their communes cost ≈ 8 ms of CPU),
    # then what the page shows of the nearest one (its name, commune and département).
    distance_sq, pk = min(candidates)
    place = public_places().select_related("commune__department").only(*NEAREST_FIELDS).filter(pk=pk).first()
    if place is None:  # unpublished between the two reads
        return None
    place.distance_sq = distance_sq  # type: ignore[attr-defined]
    return place, distance_km(place) or 0.0


#: Results counted exactly up to this number; beyond, « plus de 200 » (and an estimate on PostgreSQL):
#: a national search for « impots » matches most places, and counting them all costs the size of France.
#: Every search reads at most this many rows to count, whatever the size of the directory: ten pages of
#: results, the estimate giving the magnitude beyond (issue 14: the cost follows the page, not France).
COUNT_CAP = 200


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """The number of rows of ``queryset``, exactly up to ``cap``; ``cap + 1`` means « more »: the
    database stops at the ``cap + 1``-th row (``COUNT(*)`` over a ``LIMIT``-ed subquery)."""
    return int(queryset.order_by()[: cap + 1].count())


def estimated_count(queryset: QuerySet[Any]) -> int | None:
    """The planner's estimate of the number of rows (PostgreSQL, from its statistics: no row is read);
    None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return _planned_rows(sql, list(params))


def _planned_rows(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def first_results(
    queryset: QuerySet[Place] | Callable[[], QuerySet[Place]], filters: SearchFilters
) -> list[int] | NearestFirst | None:
    """The list of a search without a commune nor a position, when it has a text or a filter: the ids
    of the first ``COUNT_CAP + 1`` matches the database finds (in its own order: a bounded read of two
    small columns), sorted by name here. Around a commune or a position: :class:`NearestFirst` (the
    page's ids, nearest first, from the spatial index). None for the other searches (sorted by name).

    Sorting every match by name costs the size of the answer (« impots » matches most of France), and
    walking the name index until 20 matches are found costs the whole table when the word is in the
    names (« médiathèque »: the planner expects them spread over the alphabet, they all start with M).
    Beyond the cap the page says « plus de 200 » and asks for a narrower search; the map still shows
    every result (:func:`map_clusters`).

    ``queryset`` may be a function that builds it: around a point, it is built only if the read of
    the page needs it (:func:`nearest_read`)."""
    if filters.origin is not None:
        return NearestFirst(queryset, filters.origin, filters=filters)
    if callable(queryset):
        queryset = queryset()
    if not _narrowed(filters):
        return None
    first = queryset.order_by().values_list("normalized_name", "pk")[: COUNT_CAP + 1]
    return [pk for _name, pk in sorted(first)]


class NearestFirst:
    """The ids of a search around a point, nearest first, read from the spatial index page by page.

    Ordering every match by distance before the ``LIMIT`` costs the number of matches in the circle
    (four times more places, four times the work). PostgreSQL's GiST index returns points by plain
    distance in degrees (``<->``), not by the true distance (a degree of longitude shrinks by
    ``k = cos(latitude)``); but for any place, true² = dlat² + k²·dlon² ≥ k²·plain², so once the
    ``n``-th best true distance among the places read is at most ``k`` × the plain distance of the last
    one read, no unread place can come before: the first ``n`` are exact. About twice the page is read.
    Elsewhere (SQLite), the rows are sorted by the database as before."""

    def __init__(
        self,
        queryset: QuerySet[Place] | Callable[[], QuerySet[Place]],
        origin: tuple[float, float],
        *,
        filters: SearchFilters | None = None,
    ) -> None:
        self._queryset = queryset
        self.filters = filters  # the search's filters: its read compiled once per shape (nearest_read)
        self.lat0, self.lon0 = origin
        self.k = max(math.cos(math.radians(self.lat0)), 0.01)
        self.distances: dict[int, float] = {}
        self._rows: list[tuple[int, float, float, float]] | None = None
        self._size = 0

    @property
    def queryset(self) -> QuerySet[Place]:
        if callable(self._queryset):
            self._queryset = self._queryset()
        return self._queryset

    def capped_count(self, cap: int) -> int:
        """On PostgreSQL, the first ``cap + 1`` matches by plain distance are read (one query, kept for
        :meth:`nearest`): their number is the capped count, and the page comes from them without
        another query (a separate ``COUNT`` read the same rows again)."""
        if connection.vendor != "postgresql":
            return capped_count(self.queryset, cap)
        return min(len(self._read(cap + 1)), cap + 1)

    def _read(self, size: int) -> list[tuple[int, float, float, float]]:
        """The first ``size`` matches by plain distance (or the rows already read, when they hold them:
        more rows, or every match)."""
        if self._rows is None or (size > self._size and len(self._rows) == self._size):
            compiled = nearest_read(self.filters, size, self.ordered) if self.filters is not None else None
            if compiled is not None:
                self._rows = _rows_without_bitmap_scans(compiled)
            elif self.queryset.query.is_empty():  # an invalid search (``.none()``): nothing to read
                self._rows = []
            else:
                self._rows = _rows_without_bitmap_scans(self.ordered()[:size])
            self._size = size
        return self._rows

    def __getitem__(self, index: slice) -> list[int]:
        if not isinstance(index, slice):
            raise TypeError("NearestFirst is read by pages (slices)")
        start, stop = index.start or 0, index.stop or 0
        return self.nearest(stop)[start:stop]

    def estimated_count(self) -> int | None:
        """:func:`estimated_count` of the search, its SQL compiled once per shape (:func:`nearest_read`)."""
        if connection.vendor != "postgresql":
            return None
        compiled = None
        if self.filters is not None:
            compiled = _near_compiled("count", self.filters, 0, lambda: self.queryset.order_by().values("pk"))
        if compiled is None:
            return estimated_count(self.queryset)
        return _planned_rows(*compiled)

    def ordered(self) -> QuerySet[Any]:
        """(pk, distance_sq, latitude, longitude) of the matches by plain distance, from the GiST index
        (run with ``enable_bitmapscan`` off, as :meth:`nearest` does)."""
        knn = RawSQL(  # noqa: S611 — constant SQL, values as parameters
            'point("places_place"."longitude", "places_place"."latitude") <-> point(%s, %s)',
            [self.lon0, self.lat0],
            output_field=FloatField(),
        )
        return self.queryset.order_by(knn.asc()).values_list("pk", "distance_sq", "latitude", "longitude")  # type: ignore[misc]

    def nearest(self, wanted: int) -> list[int]:
        if wanted <= 0:
            return []
        if connection.vendor != "postgresql":
            if self.queryset.query.is_empty():
                return []
            rows = list(self.queryset.values_list("pk", "distance_sq")[:wanted])  # type: ignore[misc]
            self.distances.update(rows)
            return [pk for pk, _d in rows]
        batch = max(2 * wanted + 10, 50)
        while True:
            rows = self._read(batch)
            found = sorted((distance, pk) for pk, distance, _lat, _lon in rows)
            if len(rows) < self._size:
                break  # every match is read
            _pk, _d, lat, lon = rows[-1]
            plain_sq = (lat - self.lat0) ** 2 + (lon - self.lon0) ** 2
            if len(found) >= wanted and found[wanted - 1][0] <= self.k * self.k * plain_sq:
                break
            batch = self._size * 4
        self.distances.update((pk, distance) for distance, pk in found[:wanted])
        return [pk for _distance, pk in found[:wanted]]


def _without_bitmap_scans(run: Any) -> Any:
    """``run()`` with PostgreSQL's bitmap scans off for its queries, then the setting as it was.

    The planner estimates a box at a few rows (a fixed selectivity for ``<@``) and would read every
    match in the circle with a bitmap scan to sort them: this asks for the GiST index's own order.
    Two statements (:func:`maillage.core.database.local_setting`), no savepoint."""
    if not connection.in_atomic_block:
        with transaction.atomic():
            return _without_bitmap_scans(run)
    with local_setting("enable_bitmapscan", "off"):
        return run()


#: Bitmap scans off for the statement that follows, the previous setting kept aside (a placeholder
#: setting, local to the transaction), then put back: three statements sent as one.
_BITMAP_OFF = (
    "SELECT set_config('maillage.enable_bitmapscan', current_setting('enable_bitmapscan'), true), "
    "set_config('enable_bitmapscan', 'off', true)"
)
_BITMAP_BACK = "SELECT set_config('enable_bitmapscan', current_setting('maillage.enable_bitmapscan'), true)"


def nearest_read(
    filters: SearchFilters, size: int, ordered: Callable[[], QuerySet[Any]]
) -> tuple[str, list[Any]] | None:
    """The SQL and parameters of the first ``size`` rows of ``ordered()`` (:meth:`NearestFirst.ordered`
    of ``filters``' search), its SQL compiled by the ORM once per shape of search (:func:`_near_shape`)
    and its parameters computed here: building the queryset and compiling it cost about as much as the
    rest of the search's Python. None when the search has no such read (the ORM's path answers).

    The first time a shape is met, the parameters computed here are compared with the ORM's: if they
    differ (a condition :func:`place_search` writes and :func:`_near_shape` does not know), the ORM's
    SQL is used and the shape is not kept. A condition added to :func:`place_search` must be added to
    :func:`_near_shape` too (its shape and parameters): tests/places/test_nearest_first.py compares
    both for every kind of condition."""
    return _near_compiled("read", filters, size, lambda: ordered()[:size])


def _near_compiled(
    kind: str, filters: SearchFilters, size: int, queryset: Callable[[], QuerySet[Any]]
) -> tuple[str, list[Any]] | None:
    """:func:`nearest_read` for the read (``kind`` « read ») or for the rows' estimate (« count »: the
    same conditions, without the distance selected nor the index's order)."""
    computed = _near_shape(filters, None)
    if computed is None:
        return None
    shape, params = computed
    if kind == "count":
        params = params[6:-2]  # the conditions' parameters: not the distance's nor the order's
    key = (kind, *shape, size)
    sql = _NEAR_QUERIES.get(key)
    if sql is not None:
        return sql, params
    try:
        sql, orm_params = queryset().query.sql_with_params()
    except EmptyResultSet:
        return None
    if list(orm_params) != params:
        return sql, list(orm_params)
    if len(_NEAR_QUERIES) < _NEAR_QUERIES_MAX:
        _NEAR_QUERIES[key] = sql
    return sql, params


def _rows_without_bitmap_scans(queryset: QuerySet[Any] | tuple[str, list[Any]]) -> list[Any]:
    """The rows of ``queryset`` (a ``values_list``), read as :func:`_without_bitmap_scans` does, in one
    round trip to the server instead of three to five (``BEGIN``, the setting off, the query, the
    setting back, ``COMMIT``): the three statements go in one message (the simple query protocol of
    psycopg's client-side binding, Django's default), which PostgreSQL runs in order, planning each
    after the previous one ran, in one transaction when none is open. With server-side binding (one
    statement per message), :func:`_without_bitmap_scans`."""
    if isinstance(queryset, tuple):
        sql, params = queryset
        if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
            return _without_bitmap_scans(lambda: _fetch(sql, params))
    else:
        if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
            return _without_bitmap_scans(lambda: list(queryset))
        try:
            sql, compiled = queryset.query.sql_with_params()
        except EmptyResultSet:  # a condition that no row can meet: the ORM too answers without asking
            return []
        params = list(compiled)
    with connection.cursor() as cursor:
        cursor.execute(f"{_BITMAP_OFF}; {sql}; {_BITMAP_BACK}", params)
        cursor.nextset()
        return cursor.fetchall()


def _fetch(sql: str, params: list[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class ListedPlace:
    """The fields of a place that a list shows (``page_places``), without a model instance."""

    pk: int

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.distance_sq: float | None = None


#: (vendor, number of ids, fields) → the page's SQL, its parameters, where the ids go in them, and
#: the columns' converters: compiled once per shape (the ORM compiled the same query on every search).
_PAGE_QUERIES: dict[tuple[str, int, tuple[str, ...]], tuple[str, list[Any], list[int], list[Any]]] = {}


def _page_query(count: int, fields: tuple[str, ...]) -> tuple[str, list[Any], list[int], list[Any]]:
    key = (connection.vendor, count, fields)
    compiled = _PAGE_QUERIES.get(key)
    if compiled is None:
        sentinels = [-(index + 1) for index in range(count)]  # never a key: found again by value
        queryset = public_places().filter(pk__in=sentinels).values_list(*fields)
        sql, compiled_params = queryset.query.sql_with_params()
        params = list(compiled_params)
        positions = [params.index(sentinel) for sentinel in sentinels]
        converters: list[Any] = []
        for name in fields:
            model_field = Place._meta.pk if name == "pk" else Place._meta.get_field(name)
            converters.append(getattr(model_field, "from_db_value", None))
        compiled = _PAGE_QUERIES[key] = (sql, params, positions, converters)
    return compiled


def page_places(first: list[int] | NearestFirst, ids: list[int], fields: Iterable[str]) -> list[ListedPlace]:
    """The places of a page of :func:`first_results`, read by key, in the page's order (with their
    ``distance_sq`` around a point): the given fields of each, as a :class:`ListedPlace`.

    The query has one shape per number of ids: its SQL is compiled once (:func:`_page_query`) and run
    with the page's ids; the values go through the fields' own converters (JSON), as the ORM would."""
    ids = list(ids)
    if not ids:
        return []
    fields = tuple(fields)
    sql, template, positions, converters = _page_query(len(ids), fields)
    params = list(template)
    for position, pk in zip(positions, ids, strict=True):
        params[position] = pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_pk: dict[int, ListedPlace] = {}
    for row in rows:
        values = {
            name: convert(value, None, connection) if convert is not None and value is not None else value
            for name, value, convert in zip(fields, row, converters, strict=True)
        }
        by_pk[values["pk"]] = ListedPlace(values)
    places = [by_pk[pk] for pk in ids if pk in by_pk]
    if isinstance(first, NearestFirst):
        for place in places:
            place.distance_sq = first.distances.get(place.pk)
    return places


def _narrowed(filters: SearchFilters) -> bool:
    return bool(
        filters.q.strip()
        or filters.territory is not None
        or filters.services
        or filters.publics
        or filters.support_modes
        or filters.fees
        or filters.specific_support
        or filters.national_programmes
        or filters.accessibility_sheet
        or filters.open_now
    )


class CappedPaginator(Paginator):
    """Pages over the first ``COUNT_CAP`` results: the count stops there (``more`` says there are more)."""

    cap = COUNT_CAP

    @cached_property
    def _capped(self) -> int:
        if isinstance(self.object_list, list):  # already read (at most cap + 1 items)
            return len(self.object_list)
        if isinstance(self.object_list, NearestFirst):
            return self.object_list.capped_count(self.cap)
        return capped_count(self.object_list, self.cap)  # type: ignore[arg-type]

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._capped, self.cap)

    @property
    def more(self) -> bool:
        return self._capped > self.cap


def map_clusters(queryset: QuerySet[Place], filters: SearchFilters) -> list[list[float]]:
    """[latitude, longitude, count] per grid cell of the results (about 20 × 20 cells over the search
    area; 0.25° cells over the whole country): one GROUP BY, whatever the number of results."""
    from django.db.models import Avg, Count
    from django.db.models.functions import Floor

    cell = filters.radius_km / KM_PER_DEGREE / 10 if filters.origin is not None else 0.25
    rows = (
        queryset.annotate(
            cell_lat=Floor(F("latitude") / Value(cell)), cell_lon=Floor(F("longitude") / Value(cell))
        )
        .values("cell_lat", "cell_lon")
        .annotate(n=Count("pk"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by()
    )
    with transaction.atomic():
        if connection.vendor == "postgresql" and filters.q.strip():
            # A common word matches most places: the planner then reads the whole table and tests each
            # row's lexemes, three times slower than asking the GIN index which rows match.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        return [[round(r["lat"], 4), round(r["lon"], 4), r["n"]] for r in rows]


def distance_km(place: Any) -> float | None:
    distance_sq = getattr(place, "distance_sq", None)
    if distance_sq is None:
        return None
    return math.sqrt(max(distance_sq, 0.0)) * KM_PER_DEGREE


def format_distance(km: float | None) -> str:
    """« à 12 km », « à 800 m », « à 2,5 km »."""
    if km is None:
        return ""
    if km < 0.1:
        return "à moins de 100 m"
    if km < 1:
        return f"à {max(100, round(km * 1000, -2)):.0f} m"
    if km < 10:
        return "à " + f"{km:.1f}".replace(".", ",").replace(",0", "") + " km"
    return f"à {km:.0f} km"


def published_place(pk: int) -> Place:
    """The public detail chokepoint (404 for unpublished or merged places)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(public_places().select_related("commune", "verified_by"), pk=pk)


# --- professionals ----------------------------------------------------------------------------------


def is_professional_of(user: Any, place: Place) -> bool:
    """Professionals (any role) of a territory containing the place's commune see its people."""
    if place.commune is None:
        return False
    return any(territory.contains(place.commune) for territory in territories_for(user))


def mediators_of(place: Place) -> list[Mediator]:
    return list(place.mediators.filter(is_active=True).select_related("organisation"))


def places_visible_to(user: Any) -> QuerySet[Place]:
    """Every place (published or not) of the user's territories."""
    territories = territories_for(user)
    if not territories:
        return Place.objects.none()
    return Place.objects.in_territories(territories)


def places_editable_by(user: Any) -> QuerySet[Place]:
    """Coordinators: every place of their territories; mediators and place managers: their places."""
    return Place.objects.editable_by(user)


def get_place_for_edit(user: Any, pk: int) -> Place:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(places_editable_by(user).select_related("commune", "verified_by"), pk=pk)


def coordinator_territories(user: Any) -> list[Territory]:
    return territories_for(user, ["coordinator"])


def stale_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - STALE_AFTER


def is_stale(place: Place, cutoff: datetime) -> bool:
    if place.verified_at is not None:
        return place.verified_at < cutoff
    return place.data_updated_on < cutoff.date()


def stale_places(user: Any, *, now: datetime | None = None) -> QuerySet[Place]:
    """Published places of a coordinator's territories not verified for more than six months.

    A place never verified in Maillage counts from its standard ``date_maj``.
    """
    territories = coordinator_territories(user)
    if not territories:
        return Place.objects.none()
    cutoff = stale_cutoff(now)
    return (
        public_places()
        .in_territories(territories)
        .filter(Q(verified_at__lt=cutoff) | Q(verified_at__isnull=True, data_updated_on__lt=cutoff.date()))
        .order_by(F("verified_at").asc(nulls_first=True), "data_updated_on", "name", "pk")
    )


def get_stale_place_for_coordinator(user: Any, pk: int) -> Place:
    from django.shortcuts import get_object_or_404

    territories = coordinator_territories(user)
    return get_object_or_404(
        Place.objects.in_territories(territories) if territories else Place.objects.none(), pk=pk
    )


REMINDER_KEY = "reminder"


def last_reminders(place_ids: Iterable[int]) -> dict[int, datetime]:
    """When each place's managers were last reminded (from the audit log), in one query."""
    ids = [str(pk) for pk in place_ids]
    if not ids:
        return {}
    reminders: dict[int, datetime] = {}
    rows = (
        AuditLog.objects.filter(object_type="places.Place", object_id__in=ids, changes__has_key=REMINDER_KEY)
        .order_by("at")
        .values_list("object_id", "at")
    )
    for object_id, at in rows:
        reminders[int(object_id)] = at
    return reminders


def place_history(place: Place, *, limit: int = 30) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(object_type="places.Place", object_id=str(place.pk)).order_by("-at", "-id")[
            :limit
        ]
    )


def territory_kind_label(territory: Territory) -> str:
    return str(TerritoryKind(territory.kind).label)
