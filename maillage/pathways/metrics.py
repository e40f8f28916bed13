"""Figures computed from pathway data, for roadmap indicators (« nombre de diagnostics »…)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_noop as _

from maillage.core.metrics import register
from maillage.pathways.models import ReferralStatus
from maillage.pathways.stats import referral_rates, scoped_diagnostics, scoped_referrals


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


@register("pathways.acceptance_rate", label=_("Taux d'acceptation des orientations"), unit="%")
def acceptance_rate(territory: Any, start: date, end: date) -> float:
    return referral_rates(scoped_referrals([territory], None, start, end))["acceptance_rate"] or 0.0


@register("pathways.take_up_rate", label=_("Taux de prise en charge des orientations"), unit="%")
def take_up_rate(territory: Any, start: date, end: date) -> float:
    return referral_rates(scoped_referrals([territory], None, start, end))["take_up_rate"] or 0.0


@register(
    "pathways.unmet_needs",
    label=_("Demandes non satisfaites (aucun lieu à moins de 20 km)"),
    unit="personnes",
)
def unmet_needs(territory: Any, start: date, end: date) -> int:
    return scoped_diagnostics([territory], None, start, end).filter(Q(unmet_need=True)).count()
