"""Aggregates of the pathway (pseudonymous: counts only, never identities).

Used by the statistics page (scoped by ``selectors.stats_scope``) and by ``metrics.py``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from maillage.pathways.models import Diagnostic, Referral, ReferralStatus
from maillage.territories.models import Territory

PARIS = ZoneInfo("Europe/Paris")
DECIDED = (ReferralStatus.ACCEPTED, ReferralStatus.TAKEN_UP, ReferralStatus.REFUSED, ReferralStatus.EXPIRED)
MAX_ROWS = 25  # longer tables fold the rest into « Autres »
ACCEPTED_OR_LATER = (ReferralStatus.ACCEPTED, ReferralStatus.TAKEN_UP)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Inclusive dates → [start 00:00, end+1 00:00) in Europe/Paris."""
    return (
        datetime.combine(start, time.min, tzinfo=PARIS),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=PARIS),
    )


def scope_q(territories: list[Territory]) -> Q:
    """Rows whose person lives in ``territories``, using the denormalised ``department`` column for
    départements (the usual scope: one indexed range scan on (department, created_at))."""
    from maillage.territories.models import TerritoryKind

    q = Q(pk__in=[])
    by_kind: dict[str, list[int]] = {}
    for territory in territories:
        by_kind.setdefault(territory.kind, []).append(territory.pk)
    for kind, ids in by_kind.items():
        if kind == TerritoryKind.DEPARTMENT:
            q |= Q(department_id__in=ids)
        elif kind == TerritoryKind.REGION:
            q |= Q(department__region_id__in=ids)
        elif kind == TerritoryKind.EPCI:
            q |= Q(commune__epci_id__in=ids)
        else:
            q |= Q(commune_id__in=ids)
    return q


def scoped_diagnostics(
    territories: list[Territory], orgs: set[int] | None, start: date, end: date
) -> QuerySet:
    lo, hi = bounds(start, end)
    qs = Diagnostic.objects.filter(scope_q(territories))
    qs = qs.filter(created_at__gte=lo, created_at__lt=hi)
    return qs if orgs is None else qs.filter(organisation_id__in=orgs)


def scoped_referrals(territories: list[Territory], orgs: set[int] | None, start: date, end: date) -> QuerySet:
    lo, hi = bounds(start, end)
    qs = Referral.objects.filter(scope_q(territories))
    qs = qs.filter(created_at__gte=lo, created_at__lt=hi)
    return qs if orgs is None else qs.filter(organisation_id__in=orgs)


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def referral_rates(referrals: QuerySet) -> dict[str, Any]:
    """Counts and rates from one grouped query (index-only on PostgreSQL)."""
    groups = referrals.values_list("status").annotate(n=Count("*"), sent=Count("sent_at"))
    return _rates({status: (n, sent) for status, n, sent in groups})


def _rates(by_status: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """``by_status``: status → (referrals, referrals that were sent)."""
    total = sum(n for n, _ in by_status.values())
    sent = sum(s for _, s in by_status.values())
    decided = sum(by_status.get(st, (0, 0))[1] for st in DECIDED)
    accepted = sum(by_status.get(st, (0, 0))[1] for st in ACCEPTED_OR_LATER)
    taken_up = by_status.get(ReferralStatus.TAKEN_UP, (0, 0))[0]
    cancelled = by_status.get(ReferralStatus.CANCELLED, (0, 0))[0]
    return {
        "total": total,
        "sent": sent,
        "decided": decided,
        "accepted": accepted,
        "taken_up": taken_up,
        "cancelled": cancelled,
        "acceptance_rate": rate(accepted, decided),
        "take_up_rate": rate(taken_up, total - cancelled),
    }


@dataclass
class Table:
    caption: str
    head: str
    rows: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(v for _, v in self.rows)

    @property
    def bars(self) -> list[dict[str, Any]]:
        """Rows with a bar width (0–100) for the SVG chart."""
        top = max((v for _, v in self.rows), default=0) or 1
        return [
            {"label": label, "value": value, "width": round(100 * value / top, 1), "y": 28 * i}
            for i, (label, value) in enumerate(self.rows)
        ]

    @property
    def height(self) -> int:
        return max(28 * len(self.rows), 28)


def compute(territories: list[Territory], orgs: set[int] | None, start: date, end: date) -> dict[str, Any]:
    """Every figure of the statistics page in 7 queries (grouped; index-only scans on PostgreSQL)."""
    from django.utils.translation import gettext as _

    from maillage.accounts.models import Organisation
    from maillage.pathways.models import FollowUp, RefusalReason

    diagnostics = scoped_diagnostics(territories, orgs, start, end)
    referrals = scoped_referrals(territories, orgs, start, end)
    grid_labels = _grid_labels()

    # Diagnostics: small grouped queries (a few rows each), then names of what was found.
    by_org_id: Counter[int] = Counter(
        dict(diagnostics.values_list("organisation_id").annotate(n=Count("*")).order_by())
    )
    by_commune_id: Counter[int] = Counter()
    unmet_by_commune_id: Counter[int] = Counter()
    for commune_id, is_unmet, n in (
        diagnostics.values_list("commune_id", "unmet_need").annotate(n=Count("*")).order_by()
    ):
        by_commune_id[commune_id] += n
        if is_unmet:
            unmet_by_commune_id[commune_id] += n
    by_profile: Counter[str] = Counter()
    month_counts: Counter[Any] = Counter()
    total = fragile = 0
    for month, profile, is_fragile, n in (
        diagnostics.annotate(m=TruncMonth("created_at", tzinfo=PARIS))
        .values_list("m", "profile", "is_fragile")
        .annotate(n=Count("*"))
        .order_by()
    ):
        by_profile[profile] += n
        month_counts[month] += n
        total += n
        fragile += n if is_fragile else 0
    unmet = sum(unmet_by_commune_id.values())
    flag_counter: Counter[str] = Counter()
    for flags, n in diagnostics.values_list("flags").annotate(n=Count("*")).order_by():
        for flag in flags or []:
            flag_counter[flag] += n
    org_names = dict(Organisation.objects.filter(pk__in=list(by_org_id)).values_list("pk", "name"))
    communes = {
        pk: (name, code, epci or "—")
        for pk, name, code, epci in Territory.objects.filter(pk__in=list(by_commune_id)).values_list(
            "pk", "name", "code", "epci__name"
        )
    }
    by_epci: Counter[str] = Counter()
    for commune_id, n in by_commune_id.items():
        by_epci[communes.get(commune_id, ("", "", "—"))[2]] += n
    by_month = [
        (m.astimezone(PARIS).strftime("%m/%Y") if m else "—", n)
        for m, n in sorted(month_counts.items(), key=lambda kv: (kv[0] is None, kv[0]))
    ]

    # Referrals: one grouped pass for statuses, kinds and reasons; one histogram for the delays.
    by_status_sent: dict[str, tuple[int, int]] = {}
    by_kind: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    for status, orientation, reason, n, sent in referrals.values_list(
        "status", "orientation", "refusal_reason"
    ).annotate(n=Count("*"), sent=Count("sent_at")):
        old_n, old_sent = by_status_sent.get(status, (0, 0))
        by_status_sent[status] = (old_n + n, old_sent + sent)
        by_kind[orientation] += n
        if status == ReferralStatus.REFUSED:
            by_reason[reason] += n
    delays = sorted(
        referrals.filter(response_hours__isnull=False)
        .values_list("response_hours")
        .annotate(n=Count("*"))
        .order_by("response_hours")
    )
    follow = FollowUp.objects.filter(referral__in=referrals.values("pk")).aggregate(
        done=Count("pk"), met=Count("pk", filter=Q(need_met=True))
    )
    status_labels = dict(ReferralStatus.choices)
    reason_labels = dict(RefusalReason.choices)

    def top(counter: Counter[Any], label: Any = str) -> list[tuple[str, int]]:
        return [
            (label(key), n) for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(label(kv[0]))))
        ]

    return {
        "diagnostics": {"total": total, "fragile": fragile, "unmet": unmet},
        "fragile_rate": rate(fragile, total),
        "referrals": _rates(by_status_sent),
        "delay_median_days": _median_days(delays),
        "follow_up": {**follow, "met_rate": rate(follow["met"], follow["done"])},
        "tables": {
            "by_org": Table(
                _("Diagnostics par structure prescriptrice"),
                _("Structure"),
                _fold(top(by_org_id, lambda pk: org_names.get(pk, "—")), MAX_ROWS),
            ),
            "by_epci": Table(
                _("Diagnostics par intercommunalité"), _("Intercommunalité"), _fold(top(by_epci), MAX_ROWS)
            ),
            "by_month": Table(_("Diagnostics par mois"), _("Mois"), by_month),
            "by_profile": Table(
                _("Répartition des profils"),
                _("Profil"),
                [
                    (f"{code} — {grid_labels['profiles'].get(code, code)}", n)
                    for code, n in sorted(by_profile.items())
                ],
            ),
            "by_flag": Table(
                _("Répartition des indicateurs"),
                _("Indicateur"),
                [(grid_labels["flags"].get(code, code), n) for code, n in flag_counter.most_common()],
            ),
            "by_kind": Table(
                _("Orientations par type"),
                _("Type d'orientation"),
                top(by_kind, lambda code: grid_labels["orientations"].get(code, code or "—")),
            ),
            "by_status": Table(
                _("Orientations par statut"),
                _("Statut"),
                [(str(status_labels.get(code, code)), n) for code, (n, _s) in sorted(by_status_sent.items())],
            ),
            "by_reason": Table(
                _("Motifs de refus"),
                _("Motif"),
                top(by_reason, lambda code: str(reason_labels.get(code, code))),
            ),
            "unmet": Table(
                _("Demandes non satisfaites par commune (aucun lieu adapté à moins de 20 km)"),
                _("Commune"),
                top(unmet_by_commune_id, lambda pk: "{} ({})".format(*communes.get(pk, ("—", "—", ""))[:2]))[
                    :20
                ],
            ),
        },
    }


def _fold(rows: list[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    """The ``limit - 1`` largest rows, then one « Autres (n) » row adding up the rest."""
    from django.utils.translation import gettext as _

    if len(rows) <= limit:
        return rows
    rest = rows[limit - 1 :]
    label = _("Autres (%(n)s)") % {"n": len(rest)}
    return [*rows[: limit - 1], (label, sum(n for _label, n in rest))]


def _median_days(histogram: list[tuple[int, int]]) -> float | None:
    """Median response delay in days from (hours, count) pairs sorted by hours."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    seen = 0
    for hours, n in histogram:
        seen += n
        if seen * 2 >= total:
            return round(hours / 24, 1)
    return None


def _fix(rows: list[tuple[Any, int]]) -> list[tuple[str, int]]:
    return [(str(label) if label else "—", n) for label, n in rows]


def _grid_labels() -> dict[str, dict[str, str]]:
    """Labels of every grid version (newest wins), for codes found in the statistics."""
    from maillage.pathways.models import DiagnosticGrid

    labels: dict[str, dict[str, str]] = {"profiles": {}, "flags": {}, "orientations": {}}
    for definition in DiagnosticGrid.objects.order_by("published_at").values_list("definition", flat=True):
        for key in labels:
            labels[key].update({item["code"]: item["label"] for item in definition.get(key, [])})
    return labels
