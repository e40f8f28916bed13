"""Writes on activities and beneficiaries: typed, keyword-only, atomic, audited, rollup kept in sync."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.activities import rollup
from maillage.activities.choices import (
    NOT_GIVEN,
    PARTICIPANT_CHOICES,
    ActivityKind,
    PlaceType,
    Theme,
)
from maillage.activities.models import (
    Accompaniment,
    Activity,
    ActivitySource,
    Beneficiary,
    CoordinationActivity,
    ParticipantCount,
)
from maillage.core.audit import diff_fields, model_values, record_change
from maillage.core.permissions import active_memberships
from maillage.territories.models import Territory, TerritoryKind

ACTIVITY_FIELDS = [
    "kind",
    "date",
    "duration_minutes",
    "place_type",
    "place_id",
    "commune_id",
    "structure_id",
    "themes",
    "procedures",
    "procedure_details",
    "devices",
    "autonomy",
    "oriented",
    "orientation",
    "workshop_title",
    "workshop_level",
    "tags",
    "participants_count",
]
BENEFICIARY_FIELDS = [
    "first_name",
    "last_name",
    "birth_year",
    "phone",
    "email",
    "age_band",
    "gender",
    "social_status",
    "residence_commune_id",
    "informed_at",
]
# Identity and contact values never reach the audit log: only the names of changed fields.
BENEFICIARY_HIDDEN = {"first_name", "last_name", "birth_year", "phone", "email"}


@dataclass
class Person:
    """Anonymous attributes of the person of an individual accompaniment."""

    age_band: str = NOT_GIVEN
    gender: str = NOT_GIVEN
    social_status: str = NOT_GIVEN
    residence_commune: Territory | None = None
    already_accompanied: bool | None = None


@dataclass
class Participants:
    """Workshop participants: anonymous total with counts by category, plus followed beneficiaries."""

    anonymous: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # dimension → value → count
    followed: list[Beneficiary] = field(default_factory=list)


@dataclass
class ActivityData:
    kind: str
    date: date
    duration_minutes: int
    place_type: str
    themes: list[str]
    place: Any = None
    commune: Territory | None = None
    procedures: list[str] = field(default_factory=list)
    procedure_details: str = ""
    devices: list[str] = field(default_factory=list)
    autonomy: str = ""
    oriented: bool | None = None
    orientation: str = ""
    workshop_title: str = ""
    workshop_level: str = ""
    tags: list[str] = field(default_factory=list)
    person: Person | None = None
    beneficiary: Beneficiary | None = None
    participants: Participants | None = None


def normalise_counts(total: int, counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Validate counts by category and put the remainder of each category in « non communiqué »."""
    result: dict[str, dict[str, int]] = {}
    for dimension, choices in PARTICIPANT_CHOICES.items():
        given = {k: int(v) for k, v in (counts.get(dimension) or {}).items() if int(v or 0) > 0}
        unknown = set(given) - set(choices.values)
        if unknown:
            raise ValidationError(_("Valeur inconnue : %(v)s") % {"v": ", ".join(sorted(unknown))})
        subtotal = sum(given.values())
        if subtotal > total:
            raise ValidationError(
                _("%(dim)s : %(sub)s personnes comptées pour %(total)s participant·es anonymes.")
                % {"dim": dimension, "sub": subtotal, "total": total}
            )
        if subtotal < total:
            given[NOT_GIVEN] = given.get(NOT_GIVEN, 0) + total - subtotal
        result[str(dimension)] = given
    return result


def mediator_structure(mediator: Any) -> Any:
    for membership in active_memberships(mediator):
        if membership.role == "mediator":
            return membership.organisation
    memberships = active_memberships(mediator)
    return memberships[0].organisation if memberships else None


def _mediator_department(mediator: Any) -> Territory | None:
    for membership in active_memberships(mediator):
        territory = membership.territory
        if territory.kind == TerritoryKind.DEPARTMENT:
            return territory
        if territory.department_id:
            return territory.department
    return None


def _locate(activity: Activity, data: ActivityData) -> None:
    """Commune, département and EPCI of the activity (denormalised for statistics)."""
    commune = data.commune
    if data.place_type == PlaceType.PLACE and data.place is not None:
        commune = getattr(data.place, "commune", None) or commune
    if data.place_type == PlaceType.REMOTE and commune is None and activity.structure is not None:
        territory = activity.structure.territory
        if territory is not None and territory.kind == TerritoryKind.COMMUNE:
            commune = territory
    activity.commune = commune
    if commune is not None:
        activity.department_id = commune.department_id
        activity.epci_id = commune.epci_id
    else:
        department = _mediator_department(activity.mediator)
        activity.department_id = department.pk if department else None
        activity.epci_id = None


def validate(data: ActivityData) -> None:
    errors: dict[str, list[str]] = {}
    if not data.themes:
        errors.setdefault("themes", []).append(_("Choisissez au moins une thématique."))
    if data.procedures and Theme.ADMINISTRATIVE not in data.themes:
        errors.setdefault("procedures", []).append(
            _("Les démarches administratives demandent la thématique « Aide aux démarches administratives ».")
        )
    if not 1 <= data.duration_minutes <= 1439:
        errors.setdefault("duration_minutes", []).append(
            _("La durée doit être comprise entre 1 min et 23 h 59.")
        )
    if data.place_type == PlaceType.PLACE and data.place is None and data.commune is None:
        errors.setdefault("place", []).append(_("Choisissez le lieu d’activité."))
    if data.place_type in (PlaceType.HOME, PlaceType.OTHER) and data.commune is None:
        errors.setdefault("commune", []).append(_("Indiquez la commune."))
    if data.kind == ActivityKind.COLLECTIVE:
        participants = data.participants or Participants()
        if participants.anonymous + len(participants.followed) < 1:
            errors.setdefault("participants", []).append(_("Indiquez au moins un·e participant·e."))
    if errors:
        raise ValidationError(errors)


def _apply_data(activity: Activity, data: ActivityData) -> None:
    individual = data.kind == ActivityKind.INDIVIDUAL
    activity.kind = data.kind
    activity.date = data.date
    activity.duration_minutes = data.duration_minutes
    activity.place_type = data.place_type
    if hasattr(activity, "place_id"):
        activity.place = data.place if data.place_type == PlaceType.PLACE else None  # type: ignore[attr-defined]
    activity.themes = list(dict.fromkeys(data.themes))
    has_admin = Theme.ADMINISTRATIVE in activity.themes
    activity.procedures = list(dict.fromkeys(data.procedures)) if has_admin else []
    activity.procedure_details = data.procedure_details if has_admin else ""
    activity.devices = list(dict.fromkeys(data.devices))
    activity.autonomy = data.autonomy if individual else ""
    activity.oriented = data.oriented if individual else None
    activity.orientation = data.orientation if individual and data.oriented else ""
    activity.workshop_title = "" if individual else data.workshop_title
    activity.workshop_level = "" if individual else data.workshop_level
    activity.tags = sorted({t.strip() for t in data.tags if t.strip()})
    if individual:
        activity.participants_count = 1
        activity.anonymous_count = 0 if data.beneficiary else 1
    else:
        participants = data.participants or Participants()
        activity.participants_count = participants.anonymous + len(participants.followed)
        activity.anonymous_count = participants.anonymous
    _locate(activity, data)


def _write_people(activity: Activity, data: ActivityData) -> None:
    activity.accompaniments.all().delete()
    activity.participant_counts.all().delete()
    followed: list[Beneficiary] = []
    if data.kind == ActivityKind.INDIVIDUAL:
        person = data.person or Person()
        beneficiary = data.beneficiary
        if beneficiary is not None:
            followed.append(beneficiary)
            Accompaniment.objects.create(
                activity=activity,
                beneficiary=beneficiary,
                age_band=beneficiary.age_band,
                gender=beneficiary.gender,
                social_status=beneficiary.social_status,
                residence_commune=beneficiary.residence_commune,
                already_accompanied=True,
            )
        else:
            Accompaniment.objects.create(
                activity=activity,
                age_band=person.age_band,
                gender=person.gender,
                social_status=person.social_status,
                residence_commune=person.residence_commune,
                already_accompanied=person.already_accompanied,
            )
    else:
        participants = data.participants or Participants()
        for beneficiary in participants.followed:
            followed.append(beneficiary)
            Accompaniment.objects.create(
                activity=activity,
                beneficiary=beneficiary,
                age_band=beneficiary.age_band,
                gender=beneficiary.gender,
                social_status=beneficiary.social_status,
                residence_commune=beneficiary.residence_commune,
                already_accompanied=True,
            )
        if participants.anonymous:
            counts = normalise_counts(participants.anonymous, participants.counts)
            ParticipantCount.objects.bulk_create(
                ParticipantCount(activity=activity, dimension=dim, value=value, count=count)
                for dim, values in counts.items()
                for value, count in values.items()
            )
    for beneficiary in followed:
        if beneficiary.last_activity_date is None or beneficiary.last_activity_date < activity.date:
            Beneficiary.objects.filter(pk=beneficiary.pk).update(last_activity_date=activity.date)


def _territory_code(activity: Activity) -> str:
    return activity.department.code if activity.department_id and activity.department else ""


@transaction.atomic
def record_activity(
    *,
    actor: Any,
    mediator: Any,
    data: ActivityData,
    coop_id: str | None = None,
    source: str = ActivitySource.FORM,
) -> Activity:
    validate(data)
    activity = Activity(
        mediator=mediator, structure=mediator_structure(mediator), coop_id=coop_id, source=source
    )
    _apply_data(activity, data)
    activity.full_clean(exclude=["mediator", "structure", "commune", "department", "epci", "place"])
    activity.save()
    _write_people(activity, data)
    rollup.apply(rollup.activity_deltas(activity))
    record_change(
        actor=actor,
        action="create",
        instance=activity,
        changes={name: "•" for name in ACTIVITY_FIELDS},
        territory_code=_territory_code(activity),
    )
    return activity


@transaction.atomic
def update_activity(*, actor: Any, activity: Activity, data: ActivityData) -> Activity:
    validate(data)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    before = model_values(activity, ACTIVITY_FIELDS)
    rollup.apply(rollup.activity_deltas(activity, sign=-1))
    _apply_data(activity, data)
    activity.save()
    _write_people(activity, data)
    rollup.apply(rollup.activity_deltas(activity))
    changes = diff_fields(before, model_values(activity, ACTIVITY_FIELDS), hide=ACTIVITY_FIELDS)
    changes["people"] = "•••"
    record_change(
        actor=actor,
        action="update",
        instance=activity,
        changes=changes,
        territory_code=_territory_code(activity),
    )
    return activity


@transaction.atomic
def delete_activity(*, actor: Any, activity: Activity) -> None:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    rollup.apply(rollup.activity_deltas(activity, sign=-1))
    pk, code = activity.pk, _territory_code(activity)
    activity.delete()
    record_change(
        actor=actor, action="delete", object_type="activities.Activity", object_id=pk, territory_code=code
    )


# --- Followed beneficiaries --------------------------------------------------------------------


@transaction.atomic
def create_beneficiary(*, actor: Any, mediator: Any, values: Mapping[str, Any]) -> Beneficiary:
    if not values.get("informed_at"):
        raise ValidationError(
            {"informed_at": [_("La personne doit avoir été informée avant d’être suivie nominativement.")]}
        )
    beneficiary = Beneficiary(mediator=mediator)
    for name, value in values.items():
        setattr(beneficiary, name, value)
    beneficiary.full_clean(exclude=["mediator", "residence_commune"])
    beneficiary.save()
    record_change(
        actor=actor,
        action="create",
        instance=beneficiary,
        changes={name: "•••" for name in values},
    )
    return beneficiary


@transaction.atomic
def update_beneficiary(*, actor: Any, beneficiary: Beneficiary, values: Mapping[str, Any]) -> Beneficiary:
    if beneficiary.is_anonymised:
        raise ValidationError(
            _("Ce·tte bénéficiaire a été anonymisé·e : sa fiche ne peut plus être modifiée.")
        )
    if "informed_at" in values and not values["informed_at"]:
        raise ValidationError({"informed_at": [_("La date d’information est obligatoire.")]})
    before = model_values(beneficiary, BENEFICIARY_FIELDS)
    for name, value in values.items():
        setattr(beneficiary, name, value)
    beneficiary.full_clean(exclude=["mediator", "residence_commune"])
    beneficiary.save()
    changes = diff_fields(before, model_values(beneficiary, BENEFICIARY_FIELDS), hide=BENEFICIARY_FIELDS)
    record_change(actor=actor, action="update", instance=beneficiary, changes=changes)
    return beneficiary


ANONYMISED_VALUES: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "birth_year": None,
    "phone": "",
    "email": "",
}


@transaction.atomic
def anonymise_beneficiary(
    *, actor: Any, beneficiary: Beneficiary, now: datetime | None = None
) -> Beneficiary:
    """Erase identity and contact; keep the coarse categories used by statistics."""
    now = now or timezone.now()
    for name, value in ANONYMISED_VALUES.items():
        setattr(beneficiary, name, value)
    beneficiary.anonymised_at = now
    beneficiary.save(update_fields=[*ANONYMISED_VALUES, "anonymised_at", "updated_at"])
    # Free text typed about this person (« précisions sur la démarche », tags) may name them: it goes too.
    texts = purge_activity_free_text(Activity.objects.filter(accompaniments__beneficiary=beneficiary))
    record_change(
        actor=actor,
        action="anonymise",
        instance=beneficiary,
        changes={**{name: "•••" for name in ANONYMISED_VALUES}, "textes_libres_effaces": texts},
    )
    return beneficiary


FREE_TEXT_FIELDS = ("procedure_details", "tags")


def purge_activity_free_text(activities: Any) -> int:
    """Blank the free-text fields of ``activities`` that may hold an identity; returns how many changed."""
    ids = list(
        activities.filter(~Q(procedure_details="") | ~Q(tags=[])).values_list("pk", flat=True).distinct()
    )
    if ids:
        from maillage.activities.models import ActivityRollup

        deltas: dict[Any, list[int]] = {}
        for activity in Activity.objects.filter(pk__in=ids):  # the rollup counts tags: take them out
            rollup.merge(deltas, rollup.activity_deltas(activity, sign=-1))
        Activity.objects.filter(pk__in=ids).update(procedure_details="", tags=[])
        for activity in Activity.objects.filter(pk__in=ids):
            rollup.merge(deltas, rollup.activity_deltas(activity))
        rollup.apply(deltas)
        ActivityRollup.objects.filter(
            dimension=rollup.TAG, activities__lte=0, accompaniments__lte=0, anonymous__lte=0
        ).delete()
        with connection.cursor() as cursor:  # rows of any département may have gone
            rollup.bump_all(cursor)
    return len(ids)


# --- Coordination -----------------------------------------------------------------------------


@transaction.atomic
def record_coordination(
    *, actor: Any, territory: Territory, values: Mapping[str, Any]
) -> CoordinationActivity:
    item = CoordinationActivity(coordinator=actor, territory=territory)
    for name, value in values.items():
        setattr(item, name, value)
    item.full_clean(exclude=["coordinator", "territory"])
    item.save()
    record_change(
        actor=actor,
        action="create",
        instance=item,
        changes={name: "•" for name in values},
        territory_code=territory.code,
    )
    return item


def usual_duration(activities: Sequence[Activity]) -> int:
    counts: dict[int, int] = {}
    for activity in activities:
        counts[activity.duration_minutes] = counts.get(activity.duration_minutes, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else 30
