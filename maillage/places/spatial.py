# ruff: noqa: S608 — the only name interpolated is the constant RTREE (no user input).
"""Spatial and full-text indexes of the places, per database.

* PostgreSQL: a GiST index on the expression ``point(longitude, latitude)``: a radius search asks for
  the points inside the circle's bounding box (``<@ box``), which the index answers by reading about the
  rows it keeps — not every row of the latitude band as a B-tree on (latitude, longitude) would; and a
  stored generated column ``search_vector`` (``search_document::tsvector``: the document's words are
  already folded and stemmed ``[a-z0-9]+`` lexemes, so the type's input function takes them as they are,
  without the text-search parser nor positions, which the search never reads) with a GIN index for the
  full-text search. Created by the migration ``0004`` (no extension needed: ``point``,
  ``box`` and text search are built in).
* SQLite: an R-tree virtual table (the ``rtree`` module compiled into SQLite) kept in sync by triggers.
  Django rebuilds a SQLite table when a later migration alters it, which drops its triggers: the R-tree
  and its triggers are therefore (re)created after every ``migrate`` (``post_migrate``), rebuilt from
  the table when they were missing.
"""

from __future__ import annotations

from typing import Any

RTREE = "places_place_rtree"
_TRIGGERS = {
    f"{RTREE}_insert": (
        f"CREATE TRIGGER IF NOT EXISTS {RTREE}_insert AFTER INSERT ON places_place "
        "WHEN NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL BEGIN "
        f"INSERT OR REPLACE INTO {RTREE} VALUES (NEW.id, NEW.latitude, NEW.latitude, NEW.longitude, NEW.longitude); "
        "END"
    ),
    f"{RTREE}_update": (
        f"CREATE TRIGGER IF NOT EXISTS {RTREE}_update AFTER UPDATE OF latitude, longitude ON places_place BEGIN "
        f"DELETE FROM {RTREE} WHERE id = OLD.id; "
        f"INSERT INTO {RTREE} SELECT NEW.id, NEW.latitude, NEW.latitude, NEW.longitude, NEW.longitude "
        "WHERE NEW.latitude IS NOT NULL AND NEW.longitude IS NOT NULL; "
        "END"
    ),
    f"{RTREE}_delete": (
        f"CREATE TRIGGER IF NOT EXISTS {RTREE}_delete AFTER DELETE ON places_place BEGIN "
        f"DELETE FROM {RTREE} WHERE id = OLD.id; "
        "END"
    ),
}


def sqlite_rtree_statements() -> list[str]:
    """The statements that build the R-tree, its rows and its triggers on a SQLite database (also used
    by copies of a database made with ``iterdump()``, which cannot dump a virtual table)."""
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {RTREE} USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
        f"DELETE FROM {RTREE}",
        f"INSERT INTO {RTREE} SELECT id, latitude, latitude, longitude, longitude FROM places_place "
        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
        *_TRIGGERS.values(),
    ]


def ensure_sqlite_rtree(connection: Any) -> bool:
    """Create the R-tree and its triggers when missing (rebuilding its rows); True if it changed."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if "places_place" not in tables:
            return False
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{RTREE}_%"]
        )
        present = {row[0] for row in cursor.fetchall()}
        if RTREE in tables and present >= set(_TRIGGERS):
            return False
        for sql in sqlite_rtree_statements():
            cursor.execute(sql)
    return True


def post_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    ensure_sqlite_rtree(connections[using])


POSTGRES_INDEXES = [
    (
        "place_location_gist",
        "CREATE INDEX IF NOT EXISTS place_location_gist ON places_place USING gist (point(longitude, latitude))",
    ),
    (
        "place_search_vector_gin",
        "CREATE INDEX IF NOT EXISTS place_search_vector_gin ON places_place USING gin (search_vector)",
    ),
]
#: PostgreSQL only (not a model field: SQLite has no tsvector): the document's lexemes, stored so that
#: a row kept by the spatial index is not tokenised again at every search. The cast gives the lexemes of
#: ``to_tsvector('simple', search_document)`` without their positions (migration 0010: it was that
#: expression, whose parser cost ~0.6 s of server CPU per 25 000 imported places).
SEARCH_VECTOR_SQL = "search_document::tsvector"
POSTGRES_COLUMNS = [
    (
        "search_vector",
        "ALTER TABLE places_place ADD COLUMN IF NOT EXISTS search_vector tsvector "
        f"GENERATED ALWAYS AS ({SEARCH_VECTOR_SQL}) STORED",
    ),
]


def box_sql(vendor: str) -> str:
    """The condition « the place lies in the box (lat_min, lat_max, lon_min, lon_max) », index-backed."""
    if vendor == "postgresql":
        return (
            'point("places_place"."longitude", "places_place"."latitude") '
            "<@ box(point(%s, %s), point(%s, %s))"
        )
    if vendor == "sqlite":
        return (
            f'"places_place"."id" IN (SELECT id FROM {RTREE} '
            "WHERE max_lat >= %s AND min_lat <= %s AND max_lon >= %s AND min_lon <= %s)"
        )
    return '"places_place"."latitude" BETWEEN %s AND %s AND "places_place"."longitude" BETWEEN %s AND %s'


def box_params(vendor: str, lat_min: float, lat_max: float, lon_min: float, lon_max: float) -> list[float]:
    if vendor == "postgresql":
        return [lon_min, lat_min, lon_max, lat_max]
    return [lat_min, lat_max, lon_min, lon_max]
