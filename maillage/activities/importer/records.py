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

    def signature(self) -> str:
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


def signature_of(fields: list[Any], people: list[tuple[Any, ...]], counts: list[tuple[Any, ...]]) -> str:
    """What an import compares to decide « unchanged »: every stored field and the people."""
    payload = [
        fields,
        sorted((a, g, s, r or 0) for a, g, s, r in people),
        sorted(counts),
    ]
    return json.dumps(payload, default=str)


def existing_signatures(coop_ids: list[str]) -> dict[str, tuple[int, int, str]]:
    """coop_id → (pk, mediator id, signature) of activities already stored, in a few queries.

    On PostgreSQL the identifiers are COPied into a temporary table joined on the unique index
    (one round trip whatever the file size); elsewhere they go by chunks of ``IN`` lists."""
    from django.db import connection

    found: dict[str, tuple[int, int, str]] = {}
    if not coop_ids:
        return found
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # COPY the identifiers, then one indexed join
            cursor.execute("DROP TABLE IF EXISTS activities_import_ids")
            cursor.execute("CREATE TEMP TABLE activities_import_ids (coop_id varchar(64))")
            with cursor.cursor.copy("COPY activities_import_ids (coop_id) FROM STDIN") as copy:
                for coop_id in coop_ids:
                    copy.write_row((coop_id,))
            cursor.execute("ANALYZE activities_import_ids")
            cursor.execute(
                "SELECT a.id FROM activities_import_ids i JOIN activities_activity a ON a.coop_id = i.coop_id"
            )
            stored = [row[0] for row in cursor.fetchall()]
            cursor.execute("DROP TABLE activities_import_ids")
        chunks: list[Any] = [stored[start : start + 5000] for start in range(0, len(stored), 5000)]
    else:
        chunks = [
            Activity.objects.filter(coop_id__in=coop_ids[start : start + 5000]).values_list("pk", flat=True)
            for start in range(0, len(coop_ids), 5000)
        ]
    for ids in chunks:
        rows = list(
            Activity.objects.filter(pk__in=ids).values_list("pk", "coop_id", "mediator_id", *SIGNATURE_FIELDS)
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


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
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
