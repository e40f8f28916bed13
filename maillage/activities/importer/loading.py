# ruff: noqa: S608 — every SQL fragment below is a constant of this module (no user input).
"""Commit phase: one transaction, COPY bulk loader, rollup contributions, audit."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from operator import attrgetter
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from maillage.activities import rollup
from maillage.activities.importer.analysis import (
    Analyser,
    team_members,
)
from maillage.activities.importer.formats import (
    MAX_BYTES,
    MAX_ROWS,
    ImportFailed,
    RowError,
    read_table,
)
from maillage.activities.importer.records import (
    ACTIVITY_COLUMNS,
    JSON_COLUMNS,
    ImportResult,
    Record,
    _json_list,
    existing_signatures,
)
from maillage.activities.models import (
    Accompaniment,
    Activity,
    ActivityImportJob,
    ActivitySource,
    ParticipantCount,
)
from maillage.core.audit import record_change


def _activity_date(record: Record) -> Any:
    return record.activity.date


def bulk_load(records: list[Record], *, source: str, now: datetime) -> None:
    """Insert new activities with their people and their rollup contributions, in bulk."""
    if not records:
        return
    # Ids handed out in date order: the (mediator | structure | département | EPCI | commune, date) indexes
    # then receive a file's rows mostly in key order (one mediator, one structure, one département),
    # on few leaf pages at a time instead of scattered over every date (-40 % of PostgreSQL's INSERT CPU).
    records = sorted(records, key=_activity_date)
    for record in records:
        record.activity.source = source
        record.activity.created_at = record.activity.updated_at = now
    if connection.vendor == "postgresql":
        _copy_load(records, source=source, now=now)
        return
    models = [r.activity if isinstance(r.activity, Activity) else r.activity.as_model() for r in records]
    Activity.objects.bulk_create(models, batch_size=500)
    accompaniments, counts = [], []
    for record, model in zip(records, models, strict=True):
        record.activity.pk = model.pk
        for acc in record.accompaniments:
            accompaniments.append(
                acc
                if isinstance(acc, Accompaniment)
                else Accompaniment(
                    age_band=acc.age_band,
                    gender=acc.gender,
                    social_status=acc.social_status,
                    residence_commune_id=acc.residence_commune_id,
                    beneficiary_id=acc.beneficiary_id,
                    already_accompanied=acc.already_accompanied,
                )
            )
            accompaniments[-1].activity_id = model.pk
        for count in record.counts:
            counts.append(
                count
                if isinstance(count, ParticipantCount)
                else ParticipantCount(dimension=count.dimension, value=count.value, count=count.count)
            )
            counts[-1].activity_id = model.pk
    Accompaniment.objects.bulk_create(accompaniments, batch_size=1000)
    ParticipantCount.objects.bulk_create(counts, batch_size=1000)
    deltas: dict[rollup.Key, list[int]] = {}
    for record in records:
        rollup.merge(deltas, rollup.contributions(record.activity, record.accompaniments, record.counts))
    rollup.apply(deltas)


STAGED_ACTIVITY = "activities_import_activity"
STAGED_ACCOMPANIMENT = "activities_import_accompaniment"
STAGED_COUNT = "activities_import_count"
ACCOMPANIMENT_COLUMNS = (
    "activity_id, beneficiary_id, age_band, gender, social_status, residence_commune_id, already_accompanied"
)
COUNT_COLUMNS = "activity_id, dimension, value, count"


COMMON_COLUMNS = ("created_at", "updated_at", "source")  # the same for a whole load: not COPied per row
COPIED_COLUMNS = [name for name in ACTIVITY_COLUMNS if name not in COMMON_COLUMNS]


def _copy_load(records: list[Record], *, source: str, now: datetime) -> None:
    """PostgreSQL: COPY into index-free temporary tables, then one ``INSERT … SELECT`` per real table,
    and the rollup contributions grouped in SQL from the same temporary tables (no re-read of the big
    tables). The temporary tables are private to the session and dropped at commit."""
    activity_columns = ", ".join(COPIED_COLUMNS)
    with connection.cursor() as cursor:
        for name, table in (
            (STAGED_ACTIVITY, "activities_activity"),
            (STAGED_ACCOMPANIMENT, "activities_accompaniment"),
            (STAGED_COUNT, "activities_participantcount"),
        ):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS SELECT * FROM {table} WITH NO DATA")
        cursor.execute("SELECT pg_get_serial_sequence('activities_activity', 'id')")
        sequence = cursor.fetchone()[0]  # resolved once, not once per id
        cursor.execute(
            "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)", [sequence, len(records)]
        )
        ids = cursor.fetchone()[0]
        raw = cursor.cursor
        values_of = attrgetter(*COPIED_COLUMNS)
        json_positions = [i + 1 for i, name in enumerate(COPIED_COLUMNS) if name in JSON_COLUMNS]
        with raw.copy(f"COPY {STAGED_ACTIVITY} (id, {activity_columns}) FROM STDIN") as copy:
            for pk, record in zip(ids, records, strict=True):
                activity = record.activity
                activity.pk = pk
                row = [pk, *values_of(activity)]
                for i in json_positions:
                    row[i] = _json_list(tuple(row[i]))
                copy.write_row(row)
        with raw.copy(f"COPY {STAGED_ACCOMPANIMENT} ({ACCOMPANIMENT_COLUMNS}) FROM STDIN") as copy:
            for record in records:
                pk = record.activity.pk
                for acc in record.accompaniments:
                    acc.activity_id = pk
                    copy.write_row(
                        (
                            pk,
                            acc.beneficiary_id,
                            acc.age_band,
                            acc.gender,
                            acc.social_status,
                            acc.residence_commune_id,
                            acc.already_accompanied,
                        )
                    )
        with raw.copy(f"COPY {STAGED_COUNT} ({COUNT_COLUMNS}) FROM STDIN") as copy:
            for record in records:
                pk = record.activity.pk
                for count in record.counts:
                    count.activity_id = pk
                    copy.write_row((pk, count.dimension, count.value, count.count))
        # Statistics for the narrow people tables only (cheap; they steer the rollup joins); the wide
        # activity stage is sized by the planner from its pages.
        for name in (STAGED_ACCOMPANIMENT, STAGED_COUNT):
            cursor.execute(f"ANALYZE {name}")
        cursor.execute(
            f"INSERT INTO activities_activity (id, {', '.join(COMMON_COLUMNS)}, {activity_columns}) "
            f"SELECT id, %s, %s, %s, {activity_columns} FROM {STAGED_ACTIVITY}",  # COPY order = id order
            [now, now, source],
        )
        cursor.execute(
            f"INSERT INTO activities_accompaniment ({ACCOMPANIMENT_COLUMNS}) "
            f"SELECT {ACCOMPANIMENT_COLUMNS} FROM {STAGED_ACCOMPANIMENT}"
        )
        cursor.execute(
            f"INSERT INTO activities_participantcount ({COUNT_COLUMNS}) "
            f"SELECT {COUNT_COLUMNS} FROM {STAGED_COUNT}"
        )
        rollup.add_from_tables(cursor, STAGED_ACTIVITY, STAGED_ACCOMPANIMENT, STAGED_COUNT)
        for name in (STAGED_ACTIVITY, STAGED_ACCOMPANIMENT, STAGED_COUNT):
            cursor.execute(f"DROP TABLE {name}")


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file's rows are built: the millions of small
    containers of a big import otherwise trigger repeated full collections (half of the analysis time).
    Reference counting still frees everything; the collector resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_activities(
    *,
    actor: Any,
    mediator: Any,
    content: bytes,
    filename: str,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    team: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Import a file of activities for ``mediator``, all or nothing.

    ``team``: for a coordinator's team export (rows naming their mediator), the mapping the
    coordinator confirmed — member key (``analysis.member_key``) → the mediator (a user) whose
    activities the rows are, or ``None`` to leave that member's rows out. ``mediator`` is then the
    coordinator (owner of the import's history). Keys absent from the mapping are refused."""
    with without_cyclic_gc():
        return _import_activities(
            actor=actor,
            mediator=mediator,
            content=content,
            filename=filename,
            max_rows=max_rows,
            max_bytes=max_bytes,
            team=team,
        )


def _too_big(max_bytes: int) -> ImportFailed:
    return ImportFailed(
        [
            RowError(
                0,
                "",
                _("Fichier trop volumineux : %(max)s Mo au plus.")
                % {"max": max(1, max_bytes // (1024 * 1024))},
            )
        ]
    )


def _import_activities(
    *,
    actor: Any,
    mediator: Any,
    content: bytes,
    filename: str,
    max_rows: int,
    max_bytes: int,
    team: Mapping[str, Any] | None,
) -> ImportResult:
    from django.utils import timezone

    from maillage.activities.services import _mediator_department, mediator_structure

    if len(content) > max_bytes:
        raise _too_big(max_bytes)
    if not content.strip():
        raise ImportFailed([RowError(1, "", _("Le fichier est vide."))])
    table = read_table(content, filename, max_rows=max_rows, max_bytes=max_bytes)
    if team is not None:
        unknown = [m for m in team_members(table) if m.key not in team]
        if unknown:
            raise ImportFailed(
                [
                    RowError(
                        0,
                        "",
                        _("Médiateur·rice sans choix de rattachement : %(name)s.") % {"name": member.label},
                    )
                    for member in unknown
                ]
            )
    analyser = Analyser(
        mediator=mediator,
        structure=mediator_structure(mediator),
        department=_mediator_department(mediator),
        team=team,
    )
    records = analyser.analyse(table)
    source = ActivitySource.COOP if filename.lower().endswith(".xlsx") else ActivitySource.CSV
    result = ImportResult(rows=len(table.rows), skipped=analyser.skipped)
    owners = {record.activity.mediator_id for record in records} or {mediator.pk}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # serialise imports of one mediator
                # The staged tables are unanalysed: their estimates made the planner JIT-compile
                # the rollup statement (0.4 s of compilation for 15 000 activities).
                cursor.execute("SET LOCAL jit = off")
                # An import is a batch (run by a job): lift the web requests' statement limit for this
                # transaction only, as the places import does; its rollup statements and the foreign-key
                # checks at COMMIT grow with the file.
                cursor.execute("SET LOCAL statement_timeout = '300s'")
                for owner in sorted(owners):
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [4, owner])
        existing = existing_signatures([r.activity.coop_id for r in records])
        errors = []
        new, changed = [], []
        for record in records:
            current = existing.get(record.activity.coop_id or "")
            if current is None:
                new.append(record)
            elif current[1] != record.activity.mediator_id:
                errors.append(
                    RowError(
                        record.line,
                        "ID CRA",
                        _(
                            "identifiant déjà utilisé par une autre activité : cette ligne ne peut pas être importée."
                        ),
                    )
                )
            elif current[2] == record.signature():
                result.unchanged += 1
            else:
                changed.append((current[0], record))
        if errors:
            raise ImportFailed(errors)
        now = timezone.now()
        for activity in Activity.objects.filter(pk__in=[pk for pk, _r in changed]).prefetch_related(
            "accompaniments", "participant_counts"
        ):
            rollup.apply(rollup.activity_deltas(activity, sign=-1))
            activity.delete()
        bulk_load(new + [r for _c, r in changed], source=source, now=now)
        result.created, result.updated = len(new), len(changed)
        counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        if team is not None:
            counts["skipped_rows"] = result.skipped
            counts["mediators"] = len(owners)
        result.job = ActivityImportJob.objects.create(
            user=actor,
            mediator=mediator,
            filename=filename[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            counts=counts,
        )
        record_change(
            actor=actor,
            action="import",
            instance=result.job,
            changes=result.job.counts,
            message=filename[:200],
        )
    return result
