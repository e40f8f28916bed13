"""Light rows of an import and the signature that makes re-imports idempotent."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from maillage.activities.models import (
    Accompaniment,
    Activity,
    ActivityImportJob,
    ActivitySource,
    ParticipantCount,
)


@dataclass(slots=True)
class ActivityRow:
    """An activity read from a file: the columns of ``Activity`` without the cost of a model instance
    (the bulk loader writes it with COPY; ``as_model()`` builds the model for the portable path)."""

    kind: str
    mediator_id: int
    structure_id: int | None
    date: date
    duration_minutes: int
    place_type: str
    place_id: int | None
    commune_id: int | None
    department_id: int | None
    epci_id: int | None
    themes: list[str]
    themes_mask: int
    procedures: list[str]
    procedures_mask: int
    procedure_details: str
    devices: list[str]
    devices_mask: int
    autonomy: str
    oriented: bool | None
    orientation: str
    workshop_title: str
    workshop_level: str
    tags: list[str]
    participants_count: int
    anonymous_count: int
    coop_id: str
    source: str = ActivitySource.CSV
    created_at: datetime | None = None
    updated_at: datetime | None = None
    pk: int | None = None

    def as_model(self) -> Activity:
        values = {name: getattr(self, name) for name in ACTIVITY_COLUMNS}
        return Activity(pk=self.pk, **values)


@dataclass(slots=True)
class PersonRow:
    age_band: str
    gender: str
    social_status: str
    residence_commune_id: int | None
    beneficiary_id: int | None = None
    already_accompanied: bool | None = None
    activity_id: int | None = None


@dataclass(slots=True)
class CountRow:
    dimension: str
    value: str
    count: int
    activity_id: int | None = None


@dataclass
class Record:
    """One activity ready to write with its people (light rows, or model instances from the demo)."""

    line: int
    activity: Any
    accompaniments: list[Any] = field(default_factory=list)
    counts: list[Any] = field(default_factory=list)

    def signature(self) -> tuple[Any, ...]:
        a = self.activity
        return signature_of(
            [getattr(a, name) for name in SIGNATURE_FIELDS],
            [(p.age_band, p.gender, p.social_status, p.residence_commune_id) for p in self.accompaniments],
            [(c.dimension, c.value, c.count) for c in self.counts],
        )


SIGNATURE_FIELDS = (
    "kind",
    "date",
    "duration_minutes",
    "place_type",
    "place_id",
    "commune_id",
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
)


def signature_of(
    fields: list[Any], people: list[tuple[Any, ...]], counts: list[tuple[Any, ...]]
) -> tuple[Any, ...]:
    """What an import compares to decide « unchanged »: every stored field and the people, as a
    hashable tuple (lists become tuples; people and counts are sorted)."""
    return (
        tuple(tuple(value) if isinstance(value, list) else value for value in fields),
        tuple(sorted((a, g, s, r or 0) for a, g, s, r in people)),
        tuple(sorted(counts)),
    )


@lru_cache(maxsize=10_000)
def _json_value(text: str) -> Any:
    return json.loads(text)


def existing_signatures(coop_ids: list[str]) -> dict[str, tuple[int, int, tuple[Any, ...]]]:
    """coop_id → (pk, mediator id, signature) of activities already stored, in a few queries.

    On PostgreSQL the identifiers are COPied into a temporary table joined on the unique index, and
    the activities, people and counts are read by three joins (three round trips whatever the file
    size); elsewhere they go by chunks of ``IN`` lists through the ORM."""
    from django.db import connection

    if not coop_ids:
        return {}
    if connection.vendor == "postgresql":
        return _existing_signatures_postgresql(coop_ids)
    found: dict[str, tuple[int, int, tuple[Any, ...]]] = {}
    for start in range(0, len(coop_ids), 5000):
        rows = list(
            Activity.objects.filter(coop_id__in=coop_ids[start : start + 5000]).values_list(
                "pk", "coop_id", "mediator_id", *SIGNATURE_FIELDS
            )
        )
        if not rows:
            continue
        pks = [row[0] for row in rows]
        people: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for activity_id, *values in Accompaniment.objects.filter(activity_id__in=pks).values_list(
            "activity_id", "age_band", "gender", "social_status", "residence_commune_id"
        ):
            people[activity_id].append(tuple(values))
        counts: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for activity_id, *values in ParticipantCount.objects.filter(activity_id__in=pks).values_list(
            "activity_id", "dimension", "value", "count"
        ):
            counts[activity_id].append(tuple(values))
        for pk, coop_id, mediator_id, *fields in rows:
            found[coop_id] = (pk, mediator_id, signature_of(list(fields), people[pk], counts[pk]))
    return found


def _existing_signatures_postgresql(coop_ids: list[str]) -> dict[str, tuple[int, int, tuple[Any, ...]]]:
    from django.db import connection

    json_positions = [i for i, name in enumerate(SIGNATURE_FIELDS) if name in JSON_COLUMNS]
    columns = ", ".join(
        f"a.{name}::text" if name in JSON_COLUMNS else f"a.{name}" for name in SIGNATURE_FIELDS
    )
    known = "activities_import_ids i JOIN activities_activity a ON a.coop_id = i.coop_id"
    found: dict[str, tuple[int, int, tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:  # COPY the identifiers, then indexed joins
        cursor.execute("DROP TABLE IF EXISTS activities_import_ids")
        cursor.execute("CREATE TEMP TABLE activities_import_ids (coop_id varchar(64))")
        with cursor.cursor.copy("COPY activities_import_ids (coop_id) FROM STDIN") as copy:
            for coop_id in coop_ids:
                copy.write_row((coop_id,))
        cursor.execute("ANALYZE activities_import_ids")
        cursor.execute(f"SELECT a.id, a.coop_id, a.mediator_id, {columns} FROM {known}")  # noqa: S608
        rows = cursor.fetchall()
        people: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        counts: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        if rows:
            cursor.execute(
                "SELECT p.activity_id, p.age_band, p.gender, p.social_status, p.residence_commune_id "  # noqa: S608
                f"FROM {known} JOIN activities_accompaniment p ON p.activity_id = a.id"
            )
            for activity_id, *values in cursor.fetchall():
                people[activity_id].append(tuple(values))
            cursor.execute(
                "SELECT c.activity_id, c.dimension, c.value, c.count "  # noqa: S608
                f"FROM {known} JOIN activities_participantcount c ON c.activity_id = a.id"
            )
            for activity_id, *values in cursor.fetchall():
                counts[activity_id].append(tuple(values))
        cursor.execute("DROP TABLE activities_import_ids")
    for pk, coop_id, mediator_id, *fields in rows:
        for i in json_positions:
            fields[i] = _json_value(fields[i])
        found[coop_id] = (pk, mediator_id, signature_of(fields, people[pk], counts[pk]))
    return found


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    skipped: int = 0  # rows of a team export left out by the coordinator's choice
    job: ActivityImportJob | None = None


ACTIVITY_COLUMNS = [
    "created_at",
    "updated_at",
    "kind",
    "mediator_id",
    "structure_id",
    "date",
    "duration_minutes",
    "place_type",
    "place_id",
    "commune_id",
    "department_id",
    "epci_id",
    "themes",
    "themes_mask",
    "procedures",
    "procedures_mask",
    "procedure_details",
    "devices",
    "devices_mask",
    "autonomy",
    "oriented",
    "orientation",
    "workshop_title",
    "workshop_level",
    "tags",
    "participants_count",
    "anonymous_count",
    "coop_id",
    "source",
]
JSON_COLUMNS = {"themes", "procedures", "devices", "tags"}


@lru_cache(maxsize=10_000)
def _json_list(values: tuple[str, ...]) -> str:
    return json.dumps(list(values))
