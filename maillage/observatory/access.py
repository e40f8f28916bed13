"""Supply side: which places of which kind, where, and how far each commune is from the nearest one.

Kinds of place (read from the directory through ``maillage.places.selectors.public_places``):

- ``mediation``: every published place of the directory (lieux de médiation numérique);
- ``france_services``: labelled « France Services »;
- ``aidants_connect``: programme « Aidants Connect », or an active mediator habilitated there;
- ``digital_advisers``: programme « Conseillers numériques », or an active conseiller numérique there.

A place is located at its own point, else at its commune's point. An itinerant place also counts, and is
reachable, in each commune where it stops (``ItinerantStop``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.observatory import bulk
from maillage.observatory.fragility import setting
from maillage.observatory.geo import SphereIndex
from maillage.observatory.models import CommuneAccess, ItinerantStop
from maillage.observatory.services import analyze
from maillage.places.choices import MediatorKind, NationalProgramme
from maillage.places.selectors import public_places
from maillage.territories.models import Territory

KINDS = ("mediation", "france_services", "aidants_connect", "digital_advisers")
KIND_LABELS = {
    "mediation": _("Médiation numérique"),
    "france_services": _("France Services"),
    "aidants_connect": _("Aidants Connect"),
    "digital_advisers": _("Conseillers numériques"),
}


@dataclass
class SupplyPoint:
    place_id: int
    kinds: set[str]
    points: list[tuple[float, float]] = field(default_factory=list)
    communes: set[int] = field(default_factory=set)


def supply_points() -> list[SupplyPoint]:
    """Every published place with its kinds, points and communes (its own and its itinerant stops)."""
    communes: dict[int, tuple[float, float]] = {}
    for pk, lat, lon in Territory.objects.communes().values_list("pk", "latitude", "longitude"):
        if lat is not None and lon is not None:
            communes[pk] = (lat, lon)
    places: dict[int, SupplyPoint] = {}
    # The derived « |a|b| » column of the programmes: no JSON document decoded per place.
    rows = public_places().values_list(
        "pk", "latitude", "longitude", "commune_id", "national_programmes_search"
    )
    france_services = f"|{NationalProgramme.FRANCE_SERVICES.value}|"
    aidants_connect = f"|{NationalProgramme.AIDANTS_CONNECT.value}|"
    digital_advisers = f"|{NationalProgramme.DIGITAL_ADVISERS.value}|"
    for pk, lat, lon, commune_id, programmes in rows.iterator(chunk_size=5000):
        kinds = {"mediation"}
        programmes = programmes or ""
        if france_services in programmes:
            kinds.add("france_services")
        if aidants_connect in programmes:
            kinds.add("aidants_connect")
        if digital_advisers in programmes:
            kinds.add("digital_advisers")
        point: tuple[float, float] | None = (lat, lon) if lat is not None and lon is not None else None
        point = point or communes.get(commune_id)
        place = SupplyPoint(pk, kinds)
        if point:
            place.points.append(point)
        if commune_id:
            place.communes.add(commune_id)
        places[pk] = place
    staffed = (
        public_places()
        .filter(mediators__is_active=True)
        .values_list("pk", "mediators__kind", "mediators__aidants_connect_habilitated")
        .distinct()
    )
    for pk, kind, habilitated in staffed:
        if pk in places:
            if kind == MediatorKind.DIGITAL_ADVISER:
                places[pk].kinds.add("digital_advisers")
            if habilitated:
                places[pk].kinds.add("aidants_connect")
    for place_id, commune_id in ItinerantStop.objects.values_list("place_id", "commune_id"):
        if place_id in places:
            places[place_id].communes.add(commune_id)
            if commune_id in communes:
                places[place_id].points.append(communes[commune_id])
    return list(places.values())


def build_indexes(points: list[SupplyPoint]) -> dict[str, SphereIndex]:
    by_kind: dict[str, list[tuple[float, float]]] = {kind: [] for kind in KINDS}
    for place in points:
        for kind in place.kinds:
            by_kind[kind].extend(place.points)
    return {kind: SphereIndex(values) for kind, values in by_kind.items()}


def places_by_commune(points: list[SupplyPoint]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for place in points:
        for commune_id in place.communes:
            for kind in place.kinds:
                counts[commune_id][kind] += 1
    return counts


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@transaction.atomic
def compute_access(*, department_codes: list[str] | None = None) -> int:
    """(Re)compute ``CommuneAccess`` for every commune (or those of some départements). Returns the count."""
    points = supply_points()
    indexes = build_indexes(points)
    counts = places_by_commune(points)
    max_km = float(setting("OBSERVATORY_MAX_DISTANCE_KM", 200))
    communes = Territory.objects.communes()
    if department_codes:
        communes = communes.filter(department__code__in=department_codes)
    now = timezone.now()
    communes_list = list(communes.values_list("pk", "latitude", "longitude"))
    located = [(lat, lon) for _pk, lat, lon in communes_list if lat is not None and lon is not None]
    nearest = {kind: iter(indexes[kind].nearest_km_many(located, max_km)) for kind in KINDS}
    rows: list[Any] = []
    for pk, lat, lon in communes_list:
        distances: dict[str, float | None] = dict.fromkeys(KINDS)
        if lat is not None and lon is not None:
            for kind in KINDS:
                distances[kind] = _rounded(next(nearest[kind]))
        rows.append(
            bulk.Row(  # light rows: no model instance per commune
                commune_id=pk,
                distance_any=distances["mediation"],
                distance_mediation=distances["mediation"],
                distance_france_services=distances["france_services"],
                distance_aidants_connect=distances["aidants_connect"],
                distance_digital_advisers=distances["digital_advisers"],
                places=counts.get(pk, dict.fromkeys(KINDS, 0)),
                computed_at=now,
            )
        )
    bulk.upsert(  # COPY and one INSERT … ON CONFLICT on PostgreSQL
        CommuneAccess,
        rows,
        unique_fields=["commune"],
        update_fields=[
            "distance_any",
            "distance_mediation",
            "distance_france_services",
            "distance_aidants_connect",
            "distance_digital_advisers",
            "places",
            "computed_at",
        ],
    )
    analyze(CommuneAccess)
    return len(rows)
