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

from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.pathways.models import Diagnostic

KM_PER_DEGREE = 111.195
SEARCH_RADIUS_KM = 50.0  # DORA's MAX_DISTANCE
UNMET_RADIUS_KM = 20.0  # « analyse des demandes non satisfaites »
NO_PUBLIC = "Ce lieu n'accueille pas de public"
REMOTE = "À distance"
MOBILE = "Itinérant"


@dataclass
class Proposal:
    place: Any  # the Place (loaded for the shortlist only)
    distance_km: float | None
    score: float
    orientation: str
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    next_opening: datetime | None = None
    hours_text: str = ""
    place_id: int = 0


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


def _pipe(value: str | None) -> set[str]:
    return set((value or "").strip("|").split("|")) - {""}


@dataclass
class _Texts:
    """Reason templates translated once per call (gettext is costly in a loop of hundreds)."""

    offers: str
    programme: str
    modes: str
    support: str
    missing: str
    mobile: str
    km: str
    under_one: str

    @classmethod
    def build(cls) -> _Texts:
        return cls(
            _("Propose : %(services)s"),
            _("Dispositif : %(p)s"),
            _("Accompagnement : %(m)s"),
            _("Prise en charge adaptée : %(s)s"),
            _("Prise en charge non indiquée : %(s)s"),
            _("Lieu itinérant"),
            _("À %(km)s km"),
            _("moins de 1"),
        )


def compute_proposals(
    diagnostic: Diagnostic,
    *,
    limit: int = 8,
    radius_km: float = SEARCH_RADIUS_KM,
    at: datetime | None = None,
    with_hours: bool = True,
) -> ProposalSet:
    """Rank the places able to answer the diagnostic's orientations.

    SQL keeps to what indexes and plain comparisons do well (published, bounding box, small text
    columns); matching on the multi-valued fields, the exact distance test and the ranking run in
    Python on the few hundred places of the box; full rows are loaded for the shortlist only.
    """
    from maillage.places.models import Place

    at = at or timezone.now()
    wanted = wanted_for(diagnostic)
    if not wanted.services and not wanted.specific_support:
        return ProposalSet([], [], None, False, radius_km)
    commune = diagnostic.commune
    qs = Place.objects.filter(is_published=True, merged_into__isnull=True)
    lat0, lon0 = commune.latitude, commune.longitude
    k = max(math.cos(math.radians(lat0)), 0.01) if lat0 is not None else 1.0
    dlat = radius_km / KM_PER_DEGREE
    if lat0 is not None and lon0 is not None:
        dlon = dlat / k
        qs = qs.filter(
            latitude__gte=lat0 - dlat,
            latitude__lte=lat0 + dlat,
            longitude__gte=lon0 - dlon,
            longitude__lte=lon0 + dlon,
        )
    else:  # commune without coordinates: stay in its département, no distance
        qs = qs.filter(commune__department_id=diagnostic.department_id)
    rows = qs.values_list(
        "pk",
        "latitude",
        "longitude",
        "services_search",
        "national_programmes_search",
        "support_modes_search",
        "specific_support_search",
        "mobility_search",
        "access_modes_search",
    )
    texts = _Texts.build()
    no_public = f"|{NO_PUBLIC}|"
    service_keys = [(f"|{s}|", s) for s in wanted.services]
    support_keys = [(f"|{s}|", s) for s in sorted(wanted.specific_support)]
    proposals: list[Proposal] = []
    nearest: float | None = None
    for pk, lat, lon, services, programmes, modes, support, mobility, access in rows:
        if no_public in (access or ""):
            continue
        matched_services = [s for key, s in service_keys if key in (services or "")]
        matched_support = [s for key, s in support_keys if key in (support or "")]
        if not matched_services and not matched_support:
            continue
        distance = None
        if lat0 is not None and lon0 is not None and lat is not None and lon is not None:
            d2 = (lat - lat0) ** 2 + ((lon - lon0) * k) ** 2
            if d2 > dlat * dlat:
                continue
            distance = math.sqrt(d2) * KM_PER_DEGREE
            if matched_services or not wanted.services:
                nearest = distance if nearest is None else min(nearest, distance)
        proposals.append(
            _rank(
                pk,
                distance,
                matched_services,
                matched_support,
                programmes,
                modes,
                mobility,
                wanted,
                diagnostic,
                texts,
            )
        )
    unmet = bool(diagnostic.orientations) and (nearest is None or nearest > UNMET_RADIUS_KM)

    def order(p: Proposal) -> tuple[float, float, int]:
        return (-p.score, p.distance_km if p.distance_km is not None else 999.0, p.place_id)

    proposals.sort(key=order)
    shortlist = proposals[: limit * 2]
    places = Place.objects.in_bulk([p.place_id for p in shortlist])
    for proposal in shortlist:
        proposal.place = places[proposal.place_id]
        if with_hours:
            _add_hours(proposal, at)
    shortlist.sort(key=order)
    return ProposalSet(shortlist[:limit], list(wanted.services), nearest, unmet, radius_km)


def _rank(
    pk: int,
    distance: float | None,
    services: list[str],
    support: list[str],
    programmes_text: str,
    modes_text: str,
    mobility_text: str,
    wanted: Wanted,
    diagnostic: Diagnostic,
    texts: _Texts,
) -> Proposal:
    orientation = wanted.services[services[0]] if services else (diagnostic.orientations or [""])[0]
    reasons: list[str] = []
    score = 0.0
    if wanted.services:
        score += 10.0 * len(services) / len(wanted.services)
        if services:
            reasons.append(texts.offers % {"services": ", ".join(services)})
    programmes = sorted(wanted.programmes & _pipe(programmes_text)) if wanted.programmes else []
    if programmes:
        score += 3.0 * len(programmes)
        reasons.append(texts.programme % {"p": ", ".join(programmes)})
    modes = sorted(wanted.support_modes & _pipe(modes_text)) if wanted.support_modes else []
    if modes:
        score += 2.0 * len(modes)
        reasons.append(texts.modes % {"m": ", ".join(modes)})
    if support:
        score += 4.0 * len(support)
        reasons.append(texts.support % {"s": ", ".join(support)})
    warnings: list[str] = []
    missing_support = sorted(wanted.specific_support - set(support))
    if missing_support:
        warnings.append(texts.missing % {"s": ", ".join(missing_support)})
    if wanted.remote_ok and f"|{MOBILE}|" in (mobility_text or ""):
        score += 2.0
        reasons.append(texts.mobile)
    if distance is not None:
        score -= distance / 10.0
        reasons.append(texts.km % {"km": f"{distance:.0f}" if distance >= 1 else texts.under_one})
    return Proposal(None, distance, round(score, 2), orientation, reasons, warnings, place_id=pk)


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
