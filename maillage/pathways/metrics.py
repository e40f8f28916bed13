"""Figures computed from pathway data, for roadmap indicators (« nombre de diagnostics »…)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_noop as _

from maillage.core.metrics import Value, batch, by_level, grouped, register
from maillage.pathways.models import Diagnostic, Referral, ReferralStatus
from maillage.pathways.stats import _rates, bounds, referral_rates, scoped_diagnostics, scoped_referrals

# Batch forms: the columns ``stats.scope_q`` reads, by territory level (one GROUP BY per level).
COLUMNS = {
    "department": "department_id",
    "region": "department__region_id",
    "epci": "commune__epci_id",
    "commune": "commune_id",
}


def _in_period(model: Any, start: date, end: date) -> Any:
    low, high = bounds(start, end)
    return model.objects.filter(created_at__gte=low, created_at__lt=high)


def _counts(territories: Sequence[Any], queryset: Any) -> dict[int, Value]:
    rows = grouped(queryset, territories, {"n": Count("id")}, columns=COLUMNS)
    return {t.pk: int(rows.get(t.pk, {}).get("n") or 0) for t in territories}


def _rates_many(territories: Sequence[Any], start: date, end: date, name: str) -> dict[int, Value]:
    """Referral rates of every territory from one GROUP BY (territory, status) per level; None when
    there is nothing to divide by (unknown, never 0 %)."""
    by_status: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    referrals = _in_period(Referral, start, end).order_by()
    for level, pks in by_level(territories).items():
        column = COLUMNS[level]
        rows = (
            referrals.filter(**{f"{column}__in": pks})
            .values_list(column, "status")
            .annotate(n=Count("*"), sent=Count("sent_at"))
        )
        for territory_pk, status, n, sent in rows:
            by_status[territory_pk][status] = (n, sent)
    return {t.pk: _rates(by_status.get(t.pk, {}))[name] for t in territories}


@register("pathways.diagnostics", label=_("Diagnostics numériques réalisés"), unit="diagnostics")
def diagnostics(territory: Any, start: date, end: date) -> int:
    return scoped_diagnostics([territory], None, start, end).count()


@register(
    "pathways.diagnostics_fragile",
    label=_("Personnes en fragilité numérique diagnostiquées"),
    unit="personnes",
)
def diagnostics_fragile(territory: Any, start: date, end: date) -> int:
    return scoped_diagnostics([territory], None, start, end).filter(is_fragile=True).count()


@register("pathways.referrals", label=_("Orientations proposées après un diagnostic"), unit="orientations")
def referrals(territory: Any, start: date, end: date) -> int:
    return scoped_referrals([territory], None, start, end).count()


@register("pathways.referrals_sent", label=_("Orientations envoyées aux lieux"), unit="orientations")
def referrals_sent(territory: Any, start: date, end: date) -> int:
    return scoped_referrals([territory], None, start, end).filter(sent_at__isnull=False).count()


@register(
    "pathways.referrals_taken_up", label=_("Orientations suivies d'une prise en charge"), unit="personnes"
)
def referrals_taken_up(territory: Any, start: date, end: date) -> int:
    return scoped_referrals([territory], None, start, end).filter(status=ReferralStatus.TAKEN_UP).count()


@register(  # type: ignore[arg-type]  # None: unknown
    "pathways.acceptance_rate", label=_("Taux d'acceptation des orientations"), unit="%"
)
def acceptance_rate(territory: Any, start: date, end: date) -> float | None:
    """None when no referral was decided: unknown, never 0 %."""
    return referral_rates(scoped_referrals([territory], None, start, end))["acceptance_rate"]  # type: ignore[no-any-return]


@register(  # type: ignore[arg-type]  # None: unknown
    "pathways.take_up_rate", label=_("Taux de prise en charge des orientations"), unit="%"
)
def take_up_rate(territory: Any, start: date, end: date) -> float | None:
    """None when there is no referral (cancelled ones apart): unknown, never 0 %."""
    return referral_rates(scoped_referrals([territory], None, start, end))["take_up_rate"]  # type: ignore[no-any-return]


@register(
    "pathways.unmet_needs",
    label=_("Demandes non satisfaites (aucun lieu à moins de 20 km)"),
    unit="personnes",
)
def unmet_needs(territory: Any, start: date, end: date) -> int:
    return scoped_diagnostics([territory], None, start, end).filter(Q(unmet_need=True)).count()


@batch("pathways.diagnostics")
def diagnostics_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _counts(territories, _in_period(Diagnostic, start, end))


@batch("pathways.diagnostics_fragile")
def diagnostics_fragile_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _counts(territories, _in_period(Diagnostic, start, end).filter(is_fragile=True))


@batch("pathways.referrals")
def referrals_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _counts(territories, _in_period(Referral, start, end))


@batch("pathways.referrals_sent")
def referrals_sent_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _counts(territories, _in_period(Referral, start, end).filter(sent_at__isnull=False))


@batch("pathways.referrals_taken_up")
def referrals_taken_up_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _counts(territories, _in_period(Referral, start, end).filter(status=ReferralStatus.TAKEN_UP))


@batch("pathways.unmet_needs")
def unmet_needs_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _counts(territories, _in_period(Diagnostic, start, end).filter(unmet_need=True))


@batch("pathways.acceptance_rate")
def acceptance_rate_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _rates_many(territories, start, end, "acceptance_rate")


@batch("pathways.take_up_rate")
def take_up_rate_many(territories: Sequence[Any], start: date, end: date) -> dict[int, Value]:
    return _rates_many(territories, start, end, "take_up_rate")
