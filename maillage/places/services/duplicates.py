"""Likely duplicates: detection after imports and edits, and the coordinator's decisions."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.audit import record_change
from maillage.core.models import AuditAction
from maillage.places.choices import DuplicateReason, DuplicateStatus
from maillage.places.models import (
    DuplicateCandidate,
    ImportJob,
    Mediator,
    Place,
    PlaceManager,
)
from maillage.places.normalize import fold

NEARBY_METRES = 200.0
BATCH = 1000
NAME_SCAN_LIMIT = 200  # namesakes compared with each place (oldest first) before giving up


def _siret_key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row["pivot"], fold(row["address"]), row["postcode"])


# --- Duplicates -----------------------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    rlat1, rlat2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = rlat2 - rlat1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(rlat1) * math.cos(rlat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def _pair_reason(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, float | None] | None:
    dist = None
    if None not in (a["latitude"], a["longitude"], b["latitude"], b["longitude"]):
        dist = distance_m(a["latitude"], a["longitude"], b["latitude"], b["longitude"])
    if (
        a["pivot"]
        and a["pivot"] == b["pivot"]
        and fold(a["address"]) == fold(b["address"])
        and a["postcode"] == b["postcode"]
    ):
        return DuplicateReason.SIRET_ADDRESS, dist
    if a["normalized_name"] and a["normalized_name"] == b["normalized_name"]:
        if dist is not None and dist <= NEARBY_METRES:
            return DuplicateReason.NAME_NEARBY, dist
        same_commune = (a["insee_code"] or a["postcode"]) == (b["insee_code"] or b["postcode"])
        if dist is None and same_commune:
            return DuplicateReason.NAME_NEARBY, None
    return None


_DUPLICATE_FIELDS = (
    "pk",
    "pivot",
    "address",
    "postcode",
    "insee_code",
    "normalized_name",
    "latitude",
    "longitude",
)


def _flag_duplicates(touched: Any, job: ImportJob | None = None) -> int:
    """Flag likely duplicates of the ``touched`` places (a QuerySet) among all places, in three queries;
    returns the number of new pairs. Pairs already known (pending, merged or distinct) are skipped."""
    fields = (*_DUPLICATE_FIELDS, "merged_into_id")
    touched_ids = set(touched.values_list("pk", flat=True))
    if not touched_ids:
        return 0
    related = Place.objects.filter(
        Q(normalized_name__in=touched.exclude(normalized_name="").values("normalized_name"))
        | Q(pivot__in=touched.exclude(pivot="").values("pivot"))
    ).values(*fields)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_pivot: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    for row in related:
        if row["pk"] in touched_ids:
            rows.append(row)
        if row["merged_into_id"] is not None:
            continue  # a merged (unpublished) place is never proposed again
        if row["normalized_name"]:
            by_name[row["normalized_name"]].append(row)
        if row["pivot"]:
            by_pivot[row["pivot"]].append(row)
    # Bounded: places sharing a key form a group, and each place is paired with the group's first
    # place only (a star of k - 1 pairs, not the k·(k - 1)/2 of every pair: 20 000 places with one
    # SIRET and address give 20 000 pairs, not 200 million). Merging along the star merges the group.
    first_two: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for group in by_pivot.values():
        for other in sorted(group, key=lambda r: r["pk"]):
            members = first_two.setdefault(_siret_key(other), [])
            if len(members) < 2:
                members.append(other)
    for group in by_name.values():
        group.sort(key=lambda r: r["pk"])
    pairs: dict[tuple[int, int], tuple[str, float | None]] = {}

    def add(row: dict[str, Any], other: dict[str, Any]) -> bool:
        key = (min(row["pk"], other["pk"]), max(row["pk"], other["pk"]))
        if key in pairs:
            return True
        reason = _pair_reason(row, other)
        if reason is not None:
            pairs[key] = reason
        return reason is not None

    for row in rows:
        if row["merged_into_id"] is not None:
            continue
        if row["pivot"]:
            anchor = next((o for o in first_two.get(_siret_key(row), []) if o["pk"] != row["pk"]), None)
            if anchor is not None:
                add(row, anchor)
        namesakes = by_name.get(row["normalized_name"], []) if row["normalized_name"] else []
        for other in namesakes[:NAME_SCAN_LIMIT]:  # the first matching namesake is the anchor
            if other["pk"] != row["pk"] and add(row, other):
                break
    if not pairs:
        return 0
    ids = touched.values("pk")
    known = set(
        DuplicateCandidate.objects.filter(Q(place_a_id__in=ids) | Q(place_b_id__in=ids)).values_list(
            "place_a_id", "place_b_id"
        )
    )
    new = [
        DuplicateCandidate(place_a_id=a, place_b_id=b, reason=reason, distance_m=dist, import_job=job)
        for (a, b), (reason, dist) in pairs.items()
        if (a, b) not in known
    ]
    DuplicateCandidate.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    return len(new)


def flag_duplicates(*, places: Iterable[Place]) -> int:
    """Flag likely duplicates of ``places`` (for the directory's edit pages after a save)."""
    return _flag_duplicates(Place.objects.filter(pk__in=[p.pk for p in places]))


@transaction.atomic
def merge_duplicate(*, candidate: DuplicateCandidate, keep: Place, user: Any) -> Place:
    """Keep ``keep``; the other place is unpublished and points at it; its mediators and managers move."""
    if candidate.status != DuplicateStatus.PENDING:
        raise ValueError(_("Ce doublon a déjà été traité."))
    if keep.pk not in (candidate.place_a_id, candidate.place_b_id):
        raise ValueError(_("Le lieu conservé doit être l'un des deux lieux."))
    other = candidate.place_b if keep.pk == candidate.place_a_id else candidate.place_a
    moved = list(Mediator.objects.filter(places=other).values_list("pk", flat=True))
    for mediator in Mediator.objects.filter(pk__in=moved):
        mediator.places.add(keep)
        mediator.places.remove(other)
    managers = list(PlaceManager.objects.filter(place=other).values_list("user_id", flat=True))
    for user_id in managers:
        PlaceManager.objects.get_or_create(place=keep, user_id=user_id, defaults={"created_by": user})
    PlaceManager.objects.filter(place=other).delete()
    other.is_published = False
    other.merged_into = keep
    other.save(update_fields=["is_published", "merged_into", "updated_at"])
    candidate.status = DuplicateStatus.MERGED
    candidate.decided_by = user
    candidate.decided_at = timezone.now()
    candidate.kept_place_id = keep.pk
    candidate.save()
    code = keep.commune.code if keep.commune_id and keep.commune else ""
    record_change(
        actor=user,
        action=AuditAction.TRANSITION,
        instance=candidate,
        territory_code=code,
        changes={
            "status": [DuplicateStatus.PENDING, DuplicateStatus.MERGED],
            "kept": keep.pk,
            "merged": other.pk,
        },
        message=_("Doublon fusionné : « %(other)s » fusionné dans « %(keep)s ».")
        % {"other": other.name, "keep": keep.name},
    )
    record_change(
        actor=user,
        action=AuditAction.UPDATE,
        instance=other,
        territory_code=code,
        changes={"is_published": [True, False], "merged_into": [None, keep.pk]},
        message=_("Fusionné dans le lieu %(pk)d.") % {"pk": keep.pk},
    )
    record_change(
        actor=user,
        action=AuditAction.UPDATE,
        instance=keep,
        territory_code=code,
        changes={"mediators_added": moved, "managers_added": managers},
        message=_("A reçu les médiateurs et gestionnaires du lieu %(pk)d.") % {"pk": other.pk},
    )
    return keep


@transaction.atomic
def mark_distinct(*, candidate: DuplicateCandidate, user: Any) -> DuplicateCandidate:
    if candidate.status != DuplicateStatus.PENDING:
        raise ValueError(_("Ce doublon a déjà été traité."))
    candidate.status = DuplicateStatus.DISTINCT
    candidate.decided_by = user
    candidate.decided_at = timezone.now()
    candidate.save()
    record_change(
        actor=user,
        action=AuditAction.TRANSITION,
        instance=candidate,
        territory_code=candidate.place_a.insee_code,
        changes={"status": [DuplicateStatus.PENDING, DuplicateStatus.DISTINCT]},
        message=_("Lieux marqués comme distincts."),
    )
    return candidate
