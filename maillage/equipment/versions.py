"""The data version of each territory's loop, and the figures the pages keep against it.

Writes: every service that writes devices, their log or parts, donations, donors, allocations,
follow-ups or priority criteria calls ``bump`` with the territory it wrote for, inside its own
transaction (the inventory import, the retention purge and the admin too). The version row is locked
from that statement to the commit, so ``bump`` comes last in a service.

Reads: ``kept`` reads the versions of the user's territories in one small query and serves what
was computed under those versions (Django's cache: per worker with the default locmem, shared with
Redis). A reader that sees the new version also sees the rows written with it (one commit); a reader
that read the old version may store slightly newer figures under it, which no one asks for any more.
Names read from other modules (places, communes) are looked up fresh, or bounded by the lifetime.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import get_language

from maillage.equipment.models import DataVersion

T = TypeVar("T")
CACHE_SECONDS = 3600  # bounds how long a name changed outside the loop (a commune, an EPCI) may lag
logger = logging.getLogger(__name__)


def bump(*territory_ids: int | None) -> None:
    """Give the loop of these territories, and of every territory they lie in, a new version, in the
    caller's transaction. Bumping the parents (département, EPCI, région) too lets a page read the
    versions of its user's own territories only: a few primary-key lookups, no walk of the communes."""
    from maillage.territories.models import Territory

    ids = {pk for pk in territory_ids if pk}
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("versions.bump() belongs in the transaction that writes the data.")
    for parents in Territory.objects.filter(pk__in=ids).values_list("department_id", "epci_id", "region_id"):
        ids.update(pk for pk in parents if pk)
    rows = sorted(ids)  # sorted: two writers lock the rows in the same order
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    values = ", ".join(["(%s, 1, %s)"] * len(rows))
    params: list[Any] = []
    for pk in rows:
        params += [pk, secrets.token_hex(8)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (territory_id, version, token) VALUES {values} "  # noqa: S608 — model table
            f"ON CONFLICT (territory_id) DO UPDATE SET version = {table}.version + 1, token = excluded.token",
            params,
        )


def stamp(territories: Iterable[Any]) -> str:
    """A digest of the versions of the territories (each bumped by any write inside it): one query."""
    ids = sorted({t.pk for t in territories})
    rows = (
        DataVersion.objects.filter(territory_id__in=ids)
        .order_by("territory_id")
        .values_list("territory_id", "token")
    )
    text = ",".join(map(str, ids)) + "|" + ",".join(f"{pk}:{token}" for pk, token in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def kept(name: str, territories: Iterable[Any], compute: Callable[[], T], *, parts: Iterable[Any] = ()) -> T:
    """``compute()`` kept under the territories' versions, the language and ``parts`` (the filters)."""
    from django.core.cache import cache

    detail = "|".join(repr(part) for part in parts)
    digest = hashlib.sha256(f"{stamp(territories)}|{get_language()}|{detail}".encode()).hexdigest()[:40]
    key = f"equipment:{name}:{digest}"
    try:
        value = cache.get(key)
    except Exception:  # a cache that is down costs the computation, never the page
        logger.warning("equipment cache unreachable", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, CACHE_SECONDS)
        except Exception:
            logger.warning("equipment cache unreachable", exc_info=True)
    return value  # type: ignore[no-any-return]
