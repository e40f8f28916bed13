"""Figures of the training of aidants for computed roadmap indicators."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import register
from maillage.training.models import Habilitation, HabilitationStatus, TrainingRecord


def _scope(territory: Any, prefix: str = "aidant__") -> Q:
    return (
        Q(**{f"{prefix}territory": territory})
        | Q(**{f"{prefix}territory__department": territory})
        | Q(**{f"{prefix}territory__epci": territory})
        | Q(**{f"{prefix}territory__region": territory})
    )


def _trained(territory: Any, start: date, end: date, **filters: Any) -> int:
    return (
        TrainingRecord.objects.filter(
            _scope(territory), completed_on__gte=start, completed_on__lte=end, **filters
        )
        .values("aidant_id")
        .distinct()
        .count()
    )


@register(
    "training.aidants_trained",
    label=_("Nombre d'aidants formés à l'inclusion numérique et/ou Aidants Connect"),
    unit=_("aidants"),
)
def aidants_trained(territory: Any, start: date, end: date) -> int:
    return _trained(territory, start, end)


@register(
    "training.aidants_trained_inclusion",
    label=_("Aidants formés au module « Inclusion numérique »"),
    unit=_("aidants"),
)
def aidants_trained_inclusion(territory: Any, start: date, end: date) -> int:
    return _trained(territory, start, end, module__code="inclusion-numerique")


@register(
    "training.aidants_trained_aidants_connect", label=_("Aidants formés à Aidants Connect"), unit=_("aidants")
)
def aidants_trained_aidants_connect(territory: Any, start: date, end: date) -> int:
    return _trained(territory, start, end, module__is_aidants_connect=True)


@register(
    "training.habilitations_active", label=_("Habilitations Aidants Connect actives"), unit=_("habilitations")
)
def habilitations_active(territory: Any, start: date, end: date) -> int:
    """A stock measured at ``end``: granted on or before it and not due for renewal before it."""
    return (
        Habilitation.objects.filter(_scope(territory), status=HabilitationStatus.GRANTED)
        .filter(Q(granted_on__isnull=True) | Q(granted_on__lte=end))
        .filter(Q(renewal_on__isnull=True) | Q(renewal_on__gte=end))
        .count()
    )
