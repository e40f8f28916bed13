"""Exports of the published places to the national standard (CSV, JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.places.interop.writer import EXPORT_FIELDS, to_standard, write_csv, write_json
from maillage.places.models import (
    Place,
)
from maillage.territories.models import Territory, TerritoryKind

# --- Export ---------------------------------------------------------------------------------------


def export_queryset(territory: Territory | None = None) -> Any:
    places = Place.objects.published()
    if territory is not None:
        places = places.in_territory(territory)
    return places.order_by("pk")


def standard_rows(places: Any) -> Iterator[dict[str, Any]]:
    """Standard rows of ``places`` (a Place QuerySet), streaming; ``id`` made unique across sources."""
    clashes = set(
        places.order_by()
        .values("source_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("source_id", flat=True)
    )
    for values in places.values(*EXPORT_FIELDS).iterator(chunk_size=2000):
        place_id = None
        if values["source_id"] in clashes:
            place_id = f"{values['source'] or 'maillage'}_{values['source_id']}".replace(" ", "-")
        yield to_standard(values, place_id=place_id)


def export_places(
    *, stream: Any, file_format: str, territory: Territory | None = None, user: Any = None
) -> int:
    """Write the published places (of ``territory``) to ``stream`` as standard CSV or JSON."""
    rows = standard_rows(export_queryset(territory))
    count = write_json(rows, stream) if file_format == "json" else write_csv(rows, stream)
    record_change(
        actor=user,
        action=AuditAction.EXPORT,
        object_type=Place._meta.label,
        object_id="",
        territory_code=territory.code if territory else "",
        changes={"format": file_format, "count": count},
        message=_("Export de %(count)d lieux au format du standard.") % {"count": count},
    )
    return count


def territory_by_code(code: str) -> Territory | None:
    """A territory by code: commune/département INSEE code or EPCI SIREN (9 digits)."""
    code = code.strip()
    kinds = (
        [TerritoryKind.EPCI]
        if len(code) == 9
        else [
            TerritoryKind.COMMUNE,
            TerritoryKind.DEPARTMENT,
            TerritoryKind.REGION,
        ]
    )
    found = {t.kind: t for t in Territory.objects.filter(code=code, kind__in=kinds)}
    return next((found[kind] for kind in kinds if kind in found), None)
