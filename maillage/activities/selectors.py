"""Reads, scoped to the user: visibility chokepoints and statistics (aggregated in SQL).

Visibility: a mediator sees only their own activities and followed beneficiaries; coordinators,
action leads and viewers see aggregates of their territories (never named beneficiaries); other
territories answer 404. Superusers may see national aggregates.

Statistics read the pre-aggregated ``ActivityRollup`` for a département, an EPCI or the nation over
whole months, and the raw tables otherwise (a mediator, a place, an organisation, any period, and
every cross-tab). Both paths return the same ``Stats``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from maillage.activities import rollup as rollup_module
from maillage.activities.choices import (
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
from maillage.activities.models import (
    Accompaniment,
    Activity,
    ActivityRollup,
    Beneficiary,
    CoordinationActivity,
    ParticipantCount,
)
from maillage.core.permissions import active_memberships, territories_for
from maillage.territories.models import Territory, TerritoryKind

AGGREGATE_ROLES = ("coordinator", "action_lead", "viewer")


# --- Visibility chokepoints -------------------------------------------------------------------


def _is_active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    if not _is_active(user):
        return Activity.objects.none()
    return Activity.objects.filter(mediator=user)


def get_activity_for_user(user: Any, pk: int) -> Activity:
    try:
        return activities_visible_to(user).get(pk=pk)
    except Activity.DoesNotExist as exc:
        raise Http404 from exc


def beneficiaries_visible_to(user: Any) -> QuerySet[Beneficiary]:
    if not _is_active(user):
        return Beneficiary.objects.none()
    return Beneficiary.objects.filter(mediator=user, anonymised_at__isnull=True)


def get_beneficiary_for_user(user: Any, pk: int) -> Beneficiary:
    try:
        return beneficiaries_visible_to(user).select_related("residence_commune").get(pk=pk)
    except Beneficiary.DoesNotExist as exc:
        raise Http404 from exc


def coordination_visible_to(user: Any) -> QuerySet[CoordinationActivity]:
    if not _is_active(user):
        return CoordinationActivity.objects.none()
    return CoordinationActivity.objects.filter(coordinator=user)


def is_mediator(user: Any) -> bool:
    return any(m.role == "mediator" for m in active_memberships(user))


def coordinator_territories(user: Any) -> list[Territory]:
    return territories_for(user, ["coordinator"])


def last_activity(user: Any) -> Activity | None:
    return activities_visible_to(user).order_by("-created_at", "-id").first()


def recent_durations(user: Any, limit: int = 50) -> list[int]:
    return list(
        activities_visible_to(user).order_by("-id").values_list("duration_minutes", flat=True)[:limit]
    )


# --- Statistics scopes ------------------------------------------------------------------------


@dataclass
class Scope:
    kind: str  # mediator | place | organisation | epci | department | national
    pk: int
    label: str
    activity_q: Q
    rollup_key: tuple[str, int | None, int | None] | None = None  # grain, department, epci

    @property
    def param(self) -> str:
        return f"{self.kind}:{self.pk}"


def _place_model() -> Any:
    try:
        return apps.get_model("places", "Place")
    except LookupError:
        return None


def _has_place() -> bool:
    return rollup_module._has_place_column()


def _territory_q(territories: list[Territory]) -> Q:
    """Activities located in ``territories`` (département / EPCI / région / commune)."""
    q = Q(pk__in=[])
    for territory in territories:
        if territory.kind == TerritoryKind.DEPARTMENT:
            q |= Q(department_id=territory.pk)
        elif territory.kind == TerritoryKind.EPCI:
            q |= Q(epci_id=territory.pk)
        elif territory.kind == TerritoryKind.REGION:
            q |= Q(department__region_id=territory.pk)
        else:
            q |= Q(commune_id=territory.pk)
    return q


def _inside(territory: Territory, territories: list[Territory]) -> bool:
    for parent in territories:
        if parent.pk == territory.pk:
            return True
        if parent.kind == TerritoryKind.DEPARTMENT and territory.department_id == parent.pk:
            return True
        if parent.kind == TerritoryKind.REGION and territory.region_id == parent.pk:
            return True
        if parent.kind == TerritoryKind.EPCI and territory.epci_id == parent.pk:
            return True
    return False


def scope_choices(user: Any) -> list[tuple[str, str]]:
    """Scopes offered to ``user`` in the statistics filter (value ``kind:pk``, label)."""
    from maillage.accounts.models import Membership, Organisation

    choices: list[tuple[str, str]] = []
    if is_mediator(user):
        choices.append((f"mediator:{user.pk}", str(_("Mes activités"))))
    territories = territories_for(user, AGGREGATE_ROLES)
    if getattr(user, "is_superuser", False):
        choices.append(("national:0", str(_("France entière"))))
    for territory in territories:
        kind = "department" if territory.kind == TerritoryKind.DEPARTMENT else "epci"
        if territory.kind in (TerritoryKind.DEPARTMENT, TerritoryKind.EPCI):
            choices.append((f"{kind}:{territory.pk}", str(territory)))
        if territory.kind == TerritoryKind.DEPARTMENT:
            for epci in Territory.objects.epcis().filter(department=territory).order_by("name"):
                choices.append((f"epci:{epci.pk}", f"— {epci.name}"))
    if territories:
        membership_q = Q(pk__in=[])
        for territory in territories:
            membership_q |= Q(territory=territory) | Q(territory__department=territory)
        memberships = (
            Membership.objects.filter(membership_q, role="mediator", is_active=True)
            .select_related("user", "organisation")
            .order_by("user__last_name", "user__first_name")
        )
        orgs: dict[int, Organisation] = {}
        people: dict[int, Any] = {}
        for membership in memberships:
            orgs[membership.organisation_id] = membership.organisation
            people[membership.user_id] = membership.user
        for org in sorted(orgs.values(), key=lambda o: o.name):
            choices.append((f"organisation:{org.pk}", str(_("Structure : %(n)s") % {"n": org.name})))
        for person in people.values():
            choices.append((f"mediator:{person.pk}", str(_("Médiateur·rice : %(n)s") % {"n": person})))
    return choices


def resolve_scope(user: Any, param: str | None) -> Scope:
    """The statistics scope named ``kind:pk`` if ``user`` may see it, else 404."""
    from maillage.accounts.models import Membership, Organisation, User

    if not _is_active(user):
        raise Http404
    if not param:
        choices = scope_choices(user)
        if not choices:
            raise Http404
        param = choices[0][0]
    kind, _sep, raw_pk = param.partition(":")
    try:
        pk = int(raw_pk)
    except ValueError as exc:
        raise Http404 from exc
    territories = territories_for(user, AGGREGATE_ROLES)
    territory_q = _territory_q(territories)

    if kind == "national":
        if not getattr(user, "is_superuser", False):
            raise Http404
        return Scope("national", 0, str(_("France entière")), Q(), ("n", None, None))
    if kind in ("department", "epci"):
        territory = Territory.objects.filter(pk=pk, kind=TerritoryKind(kind)).first()
        if territory is None or not _inside(territory, territories):
            raise Http404
        if kind == "department":
            return Scope(kind, pk, str(territory), Q(department_id=pk), ("d", pk, None))
        return Scope(kind, pk, territory.name, Q(epci_id=pk))  # raw tables: small enough
    if kind == "mediator":
        if pk == user.pk and is_mediator(user):
            return Scope(kind, pk, str(_("Mes activités")), Q(mediator_id=pk))
        mediator = User.objects.filter(pk=pk).first()
        if mediator is None or not territories:
            raise Http404
        visible = Membership.objects.filter(user=mediator, role="mediator", is_active=True)
        if not any(_inside(m.territory, territories) for m in visible.select_related("territory")):
            raise Http404
        return Scope(kind, pk, str(mediator), Q(mediator_id=pk) & territory_q)
    if kind == "organisation":
        organisation = Organisation.objects.filter(pk=pk).first()
        if organisation is None or not territories:
            raise Http404
        members = Membership.objects.filter(organisation=organisation, is_active=True).select_related(
            "territory"
        )
        if not any(_inside(m.territory, territories) for m in members):
            raise Http404
        return Scope(kind, pk, organisation.name, Q(structure_id=pk) & territory_q)
    if kind == "place":
        place_model = _place_model()
        if place_model is None or not _has_place():
            raise Http404
        place = place_model.objects.select_related("commune").filter(pk=pk).first()
        if place is None:
            raise Http404
        if territories and place.commune is not None and _inside(place.commune, territories):
            return Scope(kind, pk, place.name, Q(place_id=pk))
        if is_mediator(user):  # a mediator: their own activities at this place
            return Scope(kind, pk, place.name, Q(place_id=pk, mediator_id=user.pk))
        raise Http404
    raise Http404


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
}
BREAKDOWNS = [d for d in DIMENSIONS if d != "month"]
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
            When(**{f"{p}duration_minutes__lte": 60}, then=Value(DurationBand.FROM_30_TO_60.value)),
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
    return {k: v for k, v in DIMENSIONS.items() if k != "place" or _has_place()}


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
        ids = [int(v) for v in values if v and str(v).isdigit()]
        labels = {
            str(pk): f"{name} ({code})"
            for pk, name, code in Territory.objects.filter(pk__in=ids).values_list("pk", "name", "code")
        }
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


def _ordered(dimension: str, totals: dict[str, list[int]]) -> list[Row]:
    labels = _labels(dimension, set(totals))
    rows = [Row(v, labels[v], t[0], t[1]) for v, t in totals.items() if t[1] or t[0]]
    if dimension in ENUMS:
        order = {str(v): i for i, v in enumerate(ENUMS[dimension].values)}
        rows.sort(key=lambda r: order.get(r.value, 999))
    else:
        rows.sort(key=lambda r: (-r.accompaniments, r.label))
    return rows


def default_period(today: date) -> tuple[date, date]:
    """The current month and the 11 before it."""
    end = (today.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1), end


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


LONG_TAIL = rollup_module.LONG_TAIL


def compute_stats(
    scope: Scope, start: date, end: date, *, force_raw: bool = False, top: int | None = None
) -> Stats:
    """Statistics of ``scope``; ``top`` keeps only the N largest values of the long lists (communes,
    places, residence) — the page shows them, the exports want everything."""
    if scope.rollup_key and _whole_months(start, end) and not force_raw:
        stats = _rollup_stats(scope, start, end, top=top)
    else:
        stats = _raw_stats(scope, start, end)
    if top:
        for breakdown in stats.breakdowns:
            if breakdown.dimension in LONG_TAIL:
                breakdown.rows = breakdown.rows[:top]
    return stats


def _finish(stats: Stats, per_dim: dict[str, dict[str, list[int]]], months: dict[date, list[int]]) -> Stats:
    kinds = per_dim.get("kind", {})
    stats.individual = kinds.get(ActivityKind.INDIVIDUAL, [0, 0])[0]
    stats.collective = kinds.get(ActivityKind.COLLECTIVE, [0, 0])[0]
    stats.activities = stats.individual + stats.collective
    stats.workshop_participants = kinds.get(ActivityKind.COLLECTIVE, [0, 0])[1]
    stats.accompaniments = sum(v[1] for v in kinds.values())
    stats.by_month = [Row(m.isoformat(), f"{m:%m/%Y}", months[m][0], months[m][1]) for m in sorted(months)]
    for dimension in BREAKDOWNS:
        if dimension == "place" and not _has_place():
            continue
        stats.breakdowns.append(
            Breakdown(
                dimension,
                str(DIMENSIONS[dimension]),
                _ordered(dimension, per_dim.get(dimension, {})),
                dimension in PERSON,
            )
        )
    return stats


def _rollup_stats(scope: Scope, start: date, end: date, *, top: int | None = None) -> Stats:
    assert scope.rollup_key is not None
    grain, department, _epci = scope.rollup_key
    qs = ActivityRollup.objects.filter(grain=grain, month__gte=start, month__lte=end)
    # Long lists and followed people live in the département grain only.
    long_qs = ActivityRollup.objects.filter(grain="d", month__gte=start, month__lte=end)
    if department is not None:
        qs = qs.filter(department_id=department)
        long_qs = long_qs.filter(department_id=department)
    per_dim: dict[str, dict[str, list[int]]] = defaultdict(dict)
    months: dict[date, list[int]] = {}
    anonymous = 0
    short = [d for d in BREAKDOWNS if d not in LONG_TAIL]
    rows = (
        qs.filter(dimension__in=short)
        .values("dimension", "value")
        .annotate(a=Sum("activities"), acc=Sum("accompaniments"), anon=Sum("anonymous"))
    )
    for row in rows:
        per_dim[row["dimension"]][row["value"]] = [row["a"], row["acc"]]
        if row["dimension"] == "kind":
            anonymous += row["anon"]
    for dimension in LONG_TAIL:
        long_rows = (
            long_qs.filter(dimension=dimension)
            .values("value")
            .annotate(a=Sum("activities"), acc=Sum("accompaniments"))
            .order_by("-acc", "value")
        )
        for long_row in long_rows[:top] if top else long_rows:
            per_dim[dimension][long_row["value"]] = [long_row["a"], long_row["acc"]]
    for month_row in (
        qs.filter(dimension="kind").values("month").annotate(a=Sum("activities"), acc=Sum("accompaniments"))
    ):
        if month_row["a"] or month_row["acc"]:
            months[month_row["month"]] = [month_row["a"], month_row["acc"]]
    followed = (
        long_qs.filter(dimension=rollup_module.FOLLOWED, accompaniments__gt=0)
        .values("value")
        .distinct()
        .count()
    )
    stats = Stats(scope, start, end, "rollup")
    stats.people = anonymous + followed
    return _finish(stats, per_dim, months)


def scoped_activities(scope: Scope, start: date, end: date) -> QuerySet[Activity]:
    return Activity.objects.filter(scope.activity_q, date__gte=start, date__lte=end)


def _raw_stats(scope: Scope, start: date, end: date) -> Stats:
    activities = scoped_activities(scope, start, end)
    per_dim: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for dimension in ("kind", "channel", "duration", "commune", "place", "autonomy", "orientation", "level"):
        if dimension == "place" and not _has_place():
            continue
        rows = (
            activities.filter(_dimension_filter(dimension))
            .annotate(v=_single_expr(dimension))
            .values("v")
            .annotate(a=Count("id"), acc=Sum("participants_count"))
        )
        for row in rows:
            per_dim[dimension][str(row["v"])] = [row["a"], row["acc"]]
    aggregates: dict[str, Any] = {}
    for dimension, (_column, choices) in MULTI.items():
        for i, value in enumerate(choices.values):
            q = _bit_q(dimension, value)
            aggregates[f"{dimension}_{i}_a"] = Count("id", filter=q)
            aggregates[f"{dimension}_{i}_acc"] = Sum("participants_count", filter=q)
    if aggregates:
        result = activities.aggregate(**aggregates)
        for dimension, (_column, choices) in MULTI.items():
            for i, value in enumerate(choices.values):
                acts = result[f"{dimension}_{i}_a"] or 0
                if acts:
                    per_dim[dimension][value] = [acts, result[f"{dimension}_{i}_acc"] or 0]
    people = Accompaniment.objects.filter(activity__in=activities)
    for dimension, column in (
        ("age_band", "age_band"),
        ("gender", "gender"),
        ("social_status", "social_status"),
        ("residence", "residence_commune_id"),
    ):
        qs = people.exclude(residence_commune__isnull=True) if dimension == "residence" else people
        for row in qs.values(column).annotate(n=Count("id")):
            per_dim[dimension][str(row[column])] = [0, row["n"]]
    counts = ParticipantCount.objects.filter(activity__in=activities, count__gt=0)
    for count_row in counts.values("dimension", "value").annotate(n=Sum("count")):
        current = per_dim[count_row["dimension"]].setdefault(count_row["value"], [0, 0])
        current[1] += count_row["n"]
    months: dict[date, list[int]] = {}
    for month_row in (
        activities.annotate(m=TruncMonth("date"))
        .values("m")
        .annotate(a=Count("id"), acc=Sum("participants_count"))
    ):
        months[month_row["m"]] = [month_row["a"], month_row["acc"]]
    totals = activities.aggregate(anon=Sum("anonymous_count"))
    followed = people.filter(beneficiary__isnull=False).values("beneficiary_id").distinct().count()
    stats = Stats(scope, start, end, "raw")
    stats.people = (totals["anon"] or 0) + followed
    return _finish(stats, per_dim, months)


# --- Cross-tab --------------------------------------------------------------------------------


def _cells_activity(
    base: QuerySet[Any], dims: tuple[str, str], prefix: str, weight: Any, filter_weight: Any
) -> dict[tuple[str, str], int]:
    """Weighted counts for two activity-level dimensions (or one activity + one grouped column)."""
    a, b = dims
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for dimension in dims:
        if dimension not in MULTI and dimension not in ("_person",):
            base = base.filter(_dimension_filter(dimension, prefix))
    singles = [d for d in dims if d not in MULTI]
    multis = [d for d in dims if d in MULTI]
    annotations = {f"v_{d}": _single_expr(d, prefix) if d != "_person" else F("_person") for d in singles}
    if not multis:
        for row in base.annotate(**annotations).values(*annotations).annotate(w=weight):
            cells[(str(row[f"v_{a}"]), str(row[f"v_{b}"]))] += row["w"] or 0
        return cells
    if len(multis) == 1:
        m = multis[0]
        choices = MULTI[m][1]
        aggs = {f"w{i}": filter_weight(_bit_q(m, v, prefix)) for i, v in enumerate(choices.values)}
        single = singles[0]
        for row in base.annotate(**annotations).values(f"v_{single}").annotate(**aggs):
            for i, value in enumerate(choices.values):
                w = row[f"w{i}"] or 0
                if w:
                    key = (value, str(row[f"v_{single}"])) if a == m else (str(row[f"v_{single}"]), value)
                    cells[key] += w
        return cells
    ca, cb = MULTI[a][1], MULTI[b][1]
    aggs = {
        f"w{i}_{j}": filter_weight(_bit_q(a, va, prefix) & _bit_q(b, vb, prefix))
        for i, va in enumerate(ca.values)
        for j, vb in enumerate(cb.values)
    }
    result = base.aggregate(**aggs)
    for i, va in enumerate(ca.values):
        for j, vb in enumerate(cb.values):
            if result[f"w{i}_{j}"]:
                cells[(va, vb)] += result[f"w{i}_{j}"]
    return cells


PERSON_COLUMN = {
    "age_band": "age_band",
    "gender": "gender",
    "social_status": "social_status",
    "residence": "residence_commune_id",
}


def cross_tab(scope: Scope, start: date, end: date, dim_a: str, dim_b: str) -> CrossTab:
    """Accompaniments crossed by two dimensions, computed on the raw tables."""
    if dim_a not in DIMENSIONS or dim_b not in DIMENSIONS or dim_a == dim_b:
        raise ValueError("dimensions")
    activities = scoped_activities(scope, start, end)
    note = ""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    person = [d for d in (dim_a, dim_b) if d in PERSON]
    if not person:
        cells = _cells_activity(
            activities,
            (dim_a, dim_b),
            "",
            Sum("participants_count"),
            lambda q: Sum("participants_count", filter=q),
        )
    elif len(person) == 1:
        p = person[0]
        other = dim_b if p == dim_a else dim_a
        column = PERSON_COLUMN[p]
        accompaniments = Accompaniment.objects.filter(activity__in=activities)
        if p == "residence":
            accompaniments = accompaniments.exclude(residence_commune__isnull=True)
        accompaniments = accompaniments.annotate(_person=F(column))
        dims = ("_person", other) if p == dim_a else (other, "_person")
        part = _cells_activity(
            accompaniments, dims, "activity__", Count("id"), lambda q: Count("id", filter=q)
        )
        for key, w in part.items():
            cells[key] += w
        if p != "residence":
            counts = ParticipantCount.objects.filter(
                activity__in=activities, dimension=p, count__gt=0
            ).annotate(_person=F("value"))
            part = _cells_activity(counts, dims, "activity__", Sum("count"), lambda q: Sum("count", filter=q))
            for key, w in part.items():
                cells[key] += w
    else:
        accompaniments = Accompaniment.objects.filter(activity__in=activities)
        ca, cb = PERSON_COLUMN[dim_a], PERSON_COLUMN[dim_b]
        if "residence" in person:
            accompaniments = accompaniments.exclude(residence_commune__isnull=True)
        for row in accompaniments.values(ca, cb).annotate(n=Count("id")):
            cells[(str(row[ca]), str(row[cb]))] += row["n"]
        note = str(
            _(
                "Les participant·es anonymes aux ateliers sont comptés par catégorie seulement : "
                "ce croisement de deux caractéristiques des personnes ne porte que sur les "
                "accompagnements individuels et les participant·es suivi·es."
            )
        )
    if "month" in (dim_a, dim_b):
        cells = {
            (_month_key(ka) if dim_a == "month" else ka, _month_key(kb) if dim_b == "month" else kb): w
            for (ka, kb), w in cells.items()
        }
    values_a = {k[0] for k in cells}
    values_b = {k[1] for k in cells}
    rows_a = _ordered(dim_a, {v: [0, sum(w for (x, _y), w in cells.items() if x == v)] for v in values_a})
    cols_b = _ordered(dim_b, {v: [0, sum(w for (_x, y), w in cells.items() if y == v)] for v in values_b})
    if dim_a == "month":
        rows_a.sort(key=lambda r: r.value)
    if dim_b == "month":
        cols_b.sort(key=lambda r: r.value)
    rows = [(r.label, [cells.get((r.value, c.value), 0) for c in cols_b], r.accompaniments) for r in rows_a]
    return CrossTab(
        dim_a,
        dim_b,
        str(DIMENSIONS[dim_a]),
        str(DIMENSIONS[dim_b]),
        rows,
        [c.label for c in cols_b],
        [c.accompaniments for c in cols_b],
        note,
    )


def _month_key(value: str) -> str:
    return value[:7]


def followed_people_count(user: Any) -> int:
    return beneficiaries_visible_to(user).count()
