"""Dimensions of the statistics, their SQL expressions and labels, and the result types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import TruncMonth
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from maillage.activities.choices import (
    DISPLAY_ORDERS,
    ActivityKind,
    AgeBand,
    Autonomy,
    Device,
    DurationBand,
    Gender,
    Orientation,
    PlaceType,
    Procedure,
    SocialStatus,
    Theme,
    WorkshopLevel,
)
from maillage.activities.selectors.scopes import (
    Scope,
    _has_place,
    _place_model,
)
from maillage.territories.models import Territory

# --- Dimensions -------------------------------------------------------------------------------

DIMENSIONS: dict[str, Any] = {
    "month": _("Mois"),
    "kind": _("Type d’activité"),
    "theme": _("Thématique"),
    "procedure": _("Démarche administrative"),
    "channel": _("Canal (type de lieu)"),
    "duration": _("Durée"),
    "device": _("Matériel"),
    "age_band": _("Tranche d’âge"),
    "gender": _("Genre"),
    "social_status": _("Statut social"),
    "residence": _("Commune de résidence"),
    "commune": _("Commune de l’activité"),
    "place": _("Lieu d’activité"),
    "autonomy": _("Autonomie"),
    "orientation": _("Orientation"),
    "level": _("Niveau d’atelier"),
    "tag": _("Étiquette (tag)"),
}
BREAKDOWNS = [d for d in DIMENSIONS if d != "month"]
NOT_CROSSED = {"tag"}  # free labels: a breakdown, not offered in cross-tabs
PERSON = {"age_band", "gender", "social_status", "residence"}
MULTI = {
    "theme": ("themes_mask", Theme),
    "procedure": ("procedures_mask", Procedure),
    "device": ("devices_mask", Device),
}
ENUMS: dict[str, Any] = {
    "kind": ActivityKind,
    "theme": Theme,
    "procedure": Procedure,
    "channel": PlaceType,
    "duration": DurationBand,
    "device": Device,
    "age_band": AgeBand,
    "gender": Gender,
    "social_status": SocialStatus,
    "autonomy": Autonomy,
    "level": WorkshopLevel,
}
ORIENTATION_EXTRA = {"non": _("Non orienté·e"), "oui": _("Orienté·e (structure non précisée)")}


def _single_expr(dimension: str, prefix: str = "") -> Any:
    p = prefix
    if dimension == "month":
        return TruncMonth(f"{p}date")
    if dimension == "duration":
        return Case(
            When(**{f"{p}duration_minutes__lt": 30}, then=Value(DurationBand.UNDER_30.value)),
            When(**{f"{p}duration_minutes__lt": 60}, then=Value(DurationBand.FROM_30_TO_60.value)),
            When(**{f"{p}duration_minutes__lt": 120}, then=Value(DurationBand.FROM_60_TO_120.value)),
            default=Value(DurationBand.OVER_120.value),
        )
    if dimension == "orientation":
        return Case(
            When(**{f"{p}oriented": True, f"{p}orientation": ""}, then=Value("oui")),
            When(**{f"{p}oriented": True}, then=F(f"{p}orientation")),
            When(**{f"{p}oriented": False}, then=Value("non")),
            default=Value(""),
        )
    column = {
        "kind": "kind",
        "channel": "place_type",
        "commune": "commune_id",
        "place": "place_id",
        "autonomy": "autonomy",
        "level": "workshop_level",
    }[dimension]
    return F(f"{p}{column}")


def _bit_q(dimension: str, value: str, prefix: str = "") -> Q:
    column, choices = MULTI[dimension]
    bit = 1 << list(choices.values).index(value)
    return Q(GreaterThan(F(f"{prefix}{column}").bitand(bit), 0))


def _dimension_filter(dimension: str, prefix: str = "") -> Q:
    """Rows that have a value for ``dimension`` (same rules as the rollup)."""
    p = prefix
    individual = Q(**{f"{p}kind": ActivityKind.INDIVIDUAL})
    return {
        "commune": Q(**{f"{p}commune__isnull": False}),
        "place": Q(**{f"{p}place__isnull": False}),
        "autonomy": individual & ~Q(**{f"{p}autonomy": ""}),
        "orientation": individual & Q(**{f"{p}oriented__isnull": False}),
        "level": Q(**{f"{p}kind": ActivityKind.COLLECTIVE}) & ~Q(**{f"{p}workshop_level": ""}),
    }.get(dimension, Q())


def available_dimensions() -> dict[str, Any]:
    return {k: v for k, v in DIMENSIONS.items() if (k != "place" or _has_place()) and k not in NOT_CROSSED}


# --- Results ----------------------------------------------------------------------------------


@dataclass
class Row:
    value: str
    label: str
    activities: int
    accompaniments: int


@dataclass
class Breakdown:
    dimension: str
    label: str
    rows: list[Row]
    person: bool

    @property
    def max_value(self) -> int:
        return max((r.accompaniments for r in self.rows), default=0)


@dataclass
class Stats:
    scope: Scope
    start: date
    end: date
    source: str  # "rollup" | "raw"
    activities: int = 0
    individual: int = 0
    collective: int = 0
    accompaniments: int = 0
    workshop_participants: int = 0
    people: int = 0
    by_month: list[Row] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)


@dataclass
class CrossTab:
    dim_a: str
    dim_b: str
    label_a: str
    label_b: str
    rows: list[tuple[str, list[int], int]]  # row label, cells, row total
    columns: list[str]
    column_totals: list[int]
    note: str = ""


def _labels(dimension: str, values: set[str]) -> dict[str, str]:
    if dimension in ENUMS:
        labels = {str(v): str(lbl) for v, lbl in ENUMS[dimension].choices}
    elif dimension == "orientation":
        labels = {str(v): str(lbl) for v, lbl in Orientation.choices}
        labels.update({k: str(v) for k, v in ORIENTATION_EXTRA.items()})
    elif dimension in ("commune", "residence"):
        labels = _commune_labels(values)
    elif dimension == "place":
        ids = [int(v) for v in values if v and str(v).isdigit()]
        model = _place_model()
        labels = (
            {str(pk): name for pk, name in model.objects.filter(pk__in=ids).values_list("pk", "name")}
            if model
            else {}
        )
    else:
        labels = {}
    return {v: labels.get(v, v or str(_("Non renseigné"))) for v in values}


def _commune_and_place_labels(communes: set[str], places: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """« Name (code) » of the communes and names of the places whose ids are given, in ONE query
    (a UNION ALL) — a statistics page needs both."""
    from django.db.models import CharField, Value

    commune_ids = [int(v) for v in communes if v and str(v).isdigit()]
    place_ids = [int(v) for v in places if v and str(v).isdigit()]
    model = _place_model() if place_ids else None
    if model is None:
        return _commune_labels(communes), {}
    text = CharField()
    rows = (
        Territory.objects.filter(pk__in=commune_ids)
        .order_by()
        .annotate(label_kind=Value("c", output_field=text))
        .values_list("label_kind", "pk", "name", "code")
        .union(
            model.objects.filter(pk__in=place_ids)
            .order_by()
            .annotate(label_kind=Value("p", output_field=text), label_code=Value("", output_field=text))
            .values_list("label_kind", "pk", "name", "label_code"),
            all=True,
        )
    )
    commune_labels, place_labels = {}, {}
    for kind, pk, name, code in rows:
        if kind == "c":
            commune_labels[str(pk)] = f"{name} ({code})"
        else:
            place_labels[str(pk)] = name
    return commune_labels, {v: place_labels.get(v, v or str(_("Non renseigné"))) for v in places}


def _commune_labels(values: set[str]) -> dict[str, str]:
    """« Name (code) » of the communes whose ids are ``values`` (one query)."""
    ids = [int(v) for v in values if v and str(v).isdigit()]
    if not ids:
        return {}
    return {
        str(pk): f"{name} ({code})"
        for pk, name, code in Territory.objects.filter(pk__in=ids).values_list("pk", "name", "code")
    }


def _ordered(dimension: str, totals: dict[str, list[int]], known: dict[str, str] | None = None) -> list[Row]:
    """Rows of a breakdown in display order; ``known``: labels already read (communes)."""
    if known is not None:
        labels = {v: known.get(v, v or str(_("Non renseigné"))) for v in totals}
    else:
        labels = _labels(dimension, set(totals))
    rows = [Row(v, labels[v], t[0], t[1]) for v, t in totals.items() if t[1] or t[0]]
    if dimension in ENUMS:
        values = DISPLAY_ORDERS.get(dimension) or tuple(str(v) for v in ENUMS[dimension].values)
        order = {value: i for i, value in enumerate(values)}
        rows.sort(key=lambda r: order.get(r.value, 999))
    else:
        rows.sort(key=lambda r: (-r.accompaniments, r.label))
    return rows
