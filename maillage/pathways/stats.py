"""Aggregates of the pathway (pseudonymous: counts only, never identities).

Used by the statistics page (scoped by ``selectors.stats_scope``) and by ``metrics.py``.
"""

from __future__ import annotations

import statistics as pystats
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
ACCEPTED_OR_LATER = (ReferralStatus.ACCEPTED, ReferralStatus.TAKEN_UP)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Inclusive dates → [start 00:00, end+1 00:00) in Europe/Paris."""
    return (
        datetime.combine(start, time.min, tzinfo=PARIS),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=PARIS),
    )


def scoped_diagnostics(
    territories: list[Territory], orgs: set[int] | None, start: date, end: date
) -> QuerySet:
    lo, hi = bounds(start, end)
    qs = Diagnostic.objects.filter(Territory.communes_q(territories, prefix="commune__"))
    qs = qs.filter(created_at__gte=lo, created_at__lt=hi)
    return qs if orgs is None else qs.filter(organisation_id__in=orgs)


def scoped_referrals(territories: list[Territory], orgs: set[int] | None, start: date, end: date) -> QuerySet:
    lo, hi = bounds(start, end)
    qs = Referral.objects.filter(Territory.communes_q(territories, prefix="commune__"))
    qs = qs.filter(created_at__gte=lo, created_at__lt=hi)
    return qs if orgs is None else qs.filter(organisation_id__in=orgs)


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def referral_rates(referrals: QuerySet) -> dict[str, Any]:
    agg = referrals.aggregate(
        total=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        decided=Count("pk", filter=Q(sent_at__isnull=False, status__in=DECIDED)),
        accepted=Count("pk", filter=Q(sent_at__isnull=False, status__in=ACCEPTED_OR_LATER)),
        taken_up=Count("pk", filter=Q(status=ReferralStatus.TAKEN_UP)),
        cancelled=Count("pk", filter=Q(status=ReferralStatus.CANCELLED)),
    )
    agg["acceptance_rate"] = rate(agg["accepted"], agg["decided"])
    agg["take_up_rate"] = rate(agg["taken_up"], agg["total"] - agg["cancelled"])
    return agg


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
    from django.utils.translation import gettext as _

    diagnostics = scoped_diagnostics(territories, orgs, start, end)
    referrals = scoped_referrals(territories, orgs, start, end)
    grid_labels = _grid_labels()

    d_agg = diagnostics.aggregate(
        total=Count("pk"),
        fragile=Count("pk", filter=Q(is_fragile=True)),
        unmet=Count("pk", filter=Q(unmet_need=True)),
    )
    by_org = list(
        diagnostics.values_list("organisation__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation__name")
    )
    by_epci = list(
        diagnostics.values_list("commune__epci__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "commune__epci__name")
    )
    by_month = [
        (m.astimezone(PARIS).strftime("%m/%Y") if m else "—", n)
        for m, n in diagnostics.annotate(m=TruncMonth("created_at", tzinfo=PARIS))
        .values_list("m")
        .annotate(n=Count("pk"))
        .order_by("m")
    ]
    by_profile = list(diagnostics.values_list("profile").annotate(n=Count("pk")).order_by("profile"))
    flag_counter: Counter[str] = Counter()
    for flags in diagnostics.values_list("flags", flat=True).iterator(chunk_size=5000):
        flag_counter.update(flags or [])

    r_rates = referral_rates(referrals)
    by_kind = list(referrals.values_list("orientation").annotate(n=Count("pk")).order_by("-n", "orientation"))
    by_status = list(referrals.values_list("status").annotate(n=Count("pk")).order_by("status"))
    by_reason = list(
        referrals.filter(status=ReferralStatus.REFUSED)
        .values_list("refusal_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "refusal_reason")
    )
    delays = [
        (answered - sent).total_seconds() / 86400
        for sent, answered in referrals.filter(sent_at__isnull=False, responded_at__isnull=False).values_list(
            "sent_at", "responded_at"
        )
    ]
    unmet_by_commune = list(
        diagnostics.filter(unmet_need=True)
        .values_list("commune__name", "commune__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "commune__name")[:20]
    )
    follow = referrals.filter(follow_up__isnull=False).aggregate(
        done=Count("pk"), met=Count("pk", filter=Q(follow_up__need_met=True))
    )
    status_labels = dict(ReferralStatus.choices)
    from maillage.pathways.models import RefusalReason

    reason_labels = dict(RefusalReason.choices)
    return {
        "diagnostics": d_agg,
        "fragile_rate": rate(d_agg["fragile"], d_agg["total"]),
        "referrals": r_rates,
        "delay_median_days": round(pystats.median(delays), 1) if delays else None,
        "delay_mean_days": round(pystats.fmean(delays), 1) if delays else None,
        "follow_up": {**follow, "met_rate": rate(follow["met"], follow["done"])},
        "tables": {
            "by_org": Table(_("Diagnostics par structure prescriptrice"), _("Structure"), _fix(by_org)),
            "by_epci": Table(_("Diagnostics par intercommunalité"), _("Intercommunalité"), _fix(by_epci)),
            "by_month": Table(_("Diagnostics par mois"), _("Mois"), by_month),
            "by_profile": Table(
                _("Répartition des profils"),
                _("Profil"),
                [(f"{code} — {grid_labels['profiles'].get(code, code)}", n) for code, n in by_profile],
            ),
            "by_flag": Table(
                _("Répartition des indicateurs"),
                _("Indicateur"),
                [(grid_labels["flags"].get(code, code), n) for code, n in flag_counter.most_common()],
            ),
            "by_kind": Table(
                _("Orientations par type"),
                _("Type d'orientation"),
                [(grid_labels["orientations"].get(code, code or "—"), n) for code, n in by_kind],
            ),
            "by_status": Table(
                _("Orientations par statut"),
                _("Statut"),
                [(str(status_labels.get(code, code)), n) for code, n in by_status],
            ),
            "by_reason": Table(
                _("Motifs de refus"),
                _("Motif"),
                [(str(reason_labels.get(code, code)), n) for code, n in by_reason],
            ),
            "unmet": Table(
                _("Demandes non satisfaites par commune (aucun lieu adapté à moins de 20 km)"),
                _("Commune"),
                [(f"{name} ({code})", n) for name, code, n in unmet_by_commune],
            ),
        },
    }


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
