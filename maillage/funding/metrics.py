"""Figures of the funding watch for computed roadmap indicators (Lozère « Veille et recherche active des
cofinancements » and Lot fiche 5): financements identifiés, dossiers déposés, montants demandés, obtenus
et reçus. Amounts nobody typed are left out of the sums (they are never counted as 0)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maillage.core.metrics import Value, family, register
from maillage.funding.models import GRANTED_STATUSES, SUBMITTED_STATUSES, Application, Instalment, Opportunity


def _scope(territory: Any, prefix: str) -> Q:
    """Rows of this territory or of a territory inside it (an EPCI's roadmap counts for its département)."""
    return (
        Q(**{prefix: territory})
        | Q(**{f"{prefix}__department": territory})
        | Q(**{f"{prefix}__epci": territory})
        | Q(**{f"{prefix}__region": territory})
    )


def _submitted(territory: Any, start: date, end: date) -> Any:
    return Application.objects.filter(
        _scope(territory, "action__roadmap__territory"),
        status__in=SUBMITTED_STATUSES,
        submitted_on__range=(start, end),
    )


def _number(value: Any) -> float:
    return float(value) if value is not None else 0.0


@register("funding.opportunities", label=_("Nombre de financements identifiés"), unit=_("financements"))
def opportunities(territory: Any, start: date, end: date) -> int:
    tz = timezone.get_current_timezone()
    low, high = datetime.combine(start, time.min, tz), datetime.combine(end, time.max, tz)
    return Opportunity.objects.filter(_scope(territory, "territory"), created_at__range=(low, high)).count()


@register(
    "funding.applications_submitted", label=_("Nombre de dossiers de financement déposés"), unit=_("dossiers")
)
def applications_submitted(territory: Any, start: date, end: date) -> int:
    return _submitted(territory, start, end).count()


@register("funding.amount_requested", label=_("Montant des financements demandés"), unit="€")
def amount_requested(territory: Any, start: date, end: date) -> float:
    return _number(_submitted(territory, start, end).aggregate(s=Sum("amount_requested"))["s"])


@register("funding.amount_granted", label=_("Montant des financements obtenus"), unit="€")
def amount_granted(territory: Any, start: date, end: date) -> float:
    rows = Application.objects.filter(
        _scope(territory, "action__roadmap__territory"),
        status__in=GRANTED_STATUSES,
        decided_on__range=(start, end),
    )
    return _number(rows.aggregate(s=Sum("granted_amount"))["s"])


@register("funding.amount_received", label=_("Montant des financements reçus"), unit="€")
def amount_received(territory: Any, start: date, end: date) -> float:
    rows = Instalment.objects.filter(
        _scope(territory, "application__action__roadmap__territory"), received_on__range=(start, end)
    )
    return _number(rows.aggregate(s=Sum("amount"))["s"])


# The family form: the submitted applications counted and summed in one aggregate per territory
# (``tests/roadmaps/test_metrics_batch.py`` keeps it equal to the single forms).
@family("funding.applications_submitted", "funding.amount_requested")
def submitted_figures(
    keys: Sequence[str], territories: Sequence[Any], start: date, end: date
) -> dict[str, dict[int, Value]]:
    out: dict[str, dict[int, Value]] = {key: {} for key in keys}
    for territory in territories:
        row = _submitted(territory, start, end).aggregate(n=Count("pk"), s=Sum("amount_requested"))
        values: dict[str, Value] = {
            "funding.applications_submitted": row["n"],
            "funding.amount_requested": _number(row["s"]),
        }
        for key in keys:
            out[key][territory.pk] = values[key]
    return out
