"""Proposals: directory places matching a diagnostic, ranked, each with the reasons shown.

Distance is an equirectangular approximation computed in portable SQL (plain arithmetic, so SQLite
and PostgreSQL behave the same): with ``k = cos(latitude of the person's commune)``,
``d² = Δlat² + (k·Δlon)²`` in degrees², after a bounding-box prefilter. Kilometres are derived in
Python (1° ≈ 111.195 km). Opening hours come from ``maillage.places.opening_hours`` when available.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.pathways.models import Diagnostic

KM_PER_DEGREE = 111.195
SEARCH_RADIUS_KM = 50.0  # DORA's MAX_DISTANCE
UNMET_RADIUS_KM = 20.0  # « analyse des demandes non satisfaites »
CANDIDATES = 300
NO_PUBLIC = "Ce lieu n'accueille pas de public"
REMOTE = "À distance"
MOBILE = "Itinérant"


@dataclass
class Proposal:
    place: Any
    distance_km: float | None
    score: float
    orientation: str
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    next_opening: datetime | None = None
    hours_text: str = ""


@dataclass
class ProposalSet:
    proposals: list[Proposal]
    wanted_services: list[str]
    nearest_match_km: float | None
    unmet: bool
    radius_km: float


@dataclass
class Wanted:
    services: dict[str, str]  # service → orientation code (first rule asking for it)
    programmes: set[str]
    support_modes: set[str]
    specific_support: set[str]
    remote_ok: bool


def wanted_for(diagnostic: Diagnostic) -> Wanted:
    services: dict[str, str] = {}
    programmes: set[str] = set()
    modes: set[str] = set()
    for code in diagnostic.orientations:
        rule = diagnostic.grid.orientation(code)
        for service in rule.get("services", []):
            services.setdefault(service, code)
        programmes |= set(rule.get("programmes", []))
        modes |= set(rule.get("support_modes", []))
    remote_ok = bool({"NON_MOBILE", "ADAPTATION"} & set(diagnostic.flags))
    if remote_ok:
        modes.add(REMOTE)
    return Wanted(services, programmes, modes, set(diagnostic.specific_support), remote_ok)


def _schedule(value: str) -> Any:
    try:
        from maillage.places.opening_hours import safe_parse
    except ImportError:  # opening-hours module absent: hours are simply not used
        return None
    return safe_parse(value) if value else None


def compute_proposals(
    diagnostic: Diagnostic,
    *,
    limit: int = 8,
    radius_km: float = SEARCH_RADIUS_KM,
    at: datetime | None = None,
    with_hours: bool = True,
) -> ProposalSet:
    from maillage.places.models import Place

    at = at or timezone.now()
    wanted = wanted_for(diagnostic)
    support_only = [s for s in wanted.specific_support if s]
    if not wanted.services and not support_only:
        return ProposalSet([], [], None, False, radius_km)
    commune = diagnostic.commune
    qs = Place.objects.filter(is_published=True, merged_into__isnull=True).exclude(
        access_modes_search__contains=f"|{NO_PUBLIC}|"
    )
    match_q = Q(pk__in=[])
    for service in wanted.services:
        match_q |= Q(services_search__contains=f"|{service}|")
    for support in support_only:
        match_q |= Q(specific_support_search__contains=f"|{support}|")
    qs = qs.filter(match_q)
    lat0, lon0 = commune.latitude, commune.longitude
    if lat0 is not None and lon0 is not None:
        k = max(math.cos(math.radians(lat0)), 0.01)
        dlat = radius_km / KM_PER_DEGREE
        dlon = dlat / k
        qs = qs.filter(
            latitude__gte=lat0 - dlat,
            latitude__lte=lat0 + dlat,
            longitude__gte=lon0 - dlon,
            longitude__lte=lon0 + dlon,
        )
        d2 = (F("latitude") - lat0) * (F("latitude") - lat0) + (F("longitude") - lon0) * k * (
            F("longitude") - lon0
        ) * k
        qs = qs.annotate(d2=d2).filter(d2__lte=dlat * dlat).order_by("d2", "pk")
    else:  # commune without coordinates: stay in its département, no distance
        qs = qs.filter(commune__department_id=diagnostic.department_id).order_by("pk")
    candidates = list(
        qs.only(
            "pk",
            "name",
            "address",
            "address_complement",
            "postcode",
            "commune_name",
            "latitude",
            "longitude",
            "services",
            "national_programmes",
            "support_modes",
            "specific_support",
            "mobility",
            "access_modes",
            "opening_hours",
            "phone",
            "emails",
            "booking_url",
        )[:CANDIDATES]
    )
    proposals = [_rank(place, wanted, diagnostic) for place in candidates]
    matched = [p for p in proposals if p.distance_km is not None and p.score > 0]
    nearest = min((p.distance_km for p in matched if p.distance_km is not None), default=None)
    unmet = bool(diagnostic.orientations) and (nearest is None or nearest > UNMET_RADIUS_KM)
    proposals.sort(key=lambda p: (-p.score, p.distance_km if p.distance_km is not None else 999, p.place.pk))
    shortlist = proposals[: limit * 2]
    if with_hours:
        for proposal in shortlist:
            _add_hours(proposal, at)
        shortlist.sort(
            key=lambda p: (-p.score, p.distance_km if p.distance_km is not None else 999, p.place.pk)
        )
    return ProposalSet(shortlist[:limit], list(wanted.services), nearest, unmet, radius_km)


def _rank(place: Any, wanted: Wanted, diagnostic: Diagnostic) -> Proposal:
    distance = None
    if place.latitude is not None and getattr(place, "d2", None) is not None:
        distance = math.sqrt(place.d2) * KM_PER_DEGREE
    services = [s for s in wanted.services if s in (place.services or [])]
    orientation = wanted.services[services[0]] if services else (diagnostic.orientations or [""])[0]
    reasons: list[str] = []
    score = 0.0
    if wanted.services:
        score += 10.0 * len(services) / len(wanted.services)
        if services:
            reasons.append(_("Propose : %(services)s") % {"services": ", ".join(services)})
    programmes = sorted(wanted.programmes & set(place.national_programmes or []))
    if programmes:
        score += 3.0 * len(programmes)
        reasons.append(_("Dispositif : %(p)s") % {"p": ", ".join(programmes)})
    modes = sorted(wanted.support_modes & set(place.support_modes or []))
    if modes:
        score += 2.0 * len(modes)
        reasons.append(_("Accompagnement : %(m)s") % {"m": ", ".join(modes)})
    support = sorted(wanted.specific_support & set(place.specific_support or []))
    if support:
        score += 4.0 * len(support)
        reasons.append(_("Prise en charge adaptée : %(s)s") % {"s": ", ".join(support)})
    warnings: list[str] = []
    missing_support = sorted(wanted.specific_support - set(place.specific_support or []))
    if missing_support:
        warnings.append(_("Prise en charge non indiquée : %(s)s") % {"s": ", ".join(missing_support)})
    if wanted.remote_ok and MOBILE in (place.mobility or []):
        score += 2.0
        reasons.append(_("Lieu itinérant"))
    if distance is not None:
        score -= distance / 10.0
        reasons.append(_("À %(km)s km") % {"km": f"{distance:.0f}" if distance >= 1 else "moins de 1"})
    return Proposal(place, distance, round(score, 2), orientation, reasons, warnings)


def _add_hours(proposal: Proposal, at: datetime) -> None:
    schedule = _schedule(proposal.place.opening_hours or "")
    if schedule is None or schedule.is_empty:
        if proposal.place.opening_hours:
            proposal.warnings.append(_("Horaires illisibles : appelez avant de vous déplacer."))
        else:
            proposal.warnings.append(_("Horaires non renseignés."))
        return
    proposal.hours_text = schedule.text()
    status = schedule.status(at)
    if status is not None and status.is_open:
        proposal.score += 1.5
        proposal.reasons.append(str(status))  # « Ouvert maintenant — ferme à 12 h »
        return
    opening = schedule.next_opening(at, horizon_days=14)
    if opening is not None:
        proposal.next_opening = opening
        days = (opening - at).total_seconds() / 86400
        proposal.score += 1.0 if days <= 7 else 0.0
        proposal.reasons.append(
            str(status) if status is not None else _("Ouvre bientôt")
        )  # « Fermé — ouvre lundi à 9 h »
    else:
        proposal.score -= 2.0
        proposal.warnings.append(_("Pas d'ouverture prévue dans les 14 prochains jours."))
