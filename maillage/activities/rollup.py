# ruff: noqa: S608 — every SQL fragment below is a constant of this module (no user input).
"""The pre-aggregated statistics table (``ActivityRollup``): incremental deltas and full rebuild.

Each activity contributes, per dimension value, (activities, accompaniments, anonymous) to the row of
its département and month (grain 'd'), and for the short enumerations to the national row of that
month (grain 'n', département 0). ``epci_id`` is always 0: EPCI, place, organisation and mediator
statistics read the raw tables, which their indexes make cheap at that size.
Services add the contributions of the new state and subtract those of the old one, in the same
transaction; the import adds the contributions of a whole file in one batch. ``rebuild()`` recomputes
everything from the raw tables with one ``INSERT … SELECT … GROUP BY`` per dimension (portable SQL).

Every write of rollup rows also bumps, in the same statement batch and transaction, the version
counter of each département it touches (``ActivityRollupVersion``): the statistics pages cache what
they read from the rollup under that version (``version_token``), so a write changes what is shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import date
from typing import Any

from django.db import connection, transaction

from maillage.activities.choices import (
    ActivityKind,
    Device,
    DurationBand,
    ParticipantDimension,
    Procedure,
    Theme,
    duration_band,
)
from maillage.core.database import local_setting

TABLE = "activities_activityrollup"
Key = tuple[str, str, int, int, date, str]  # grain, dimension, department, epci, month, value

ACTIVITY_SINGLE_DIMENSIONS = (
    "kind",
    "channel",
    "duration",
    "commune",
    "place",
    "autonomy",
    "orientation",
    "level",
)
ACTIVITY_MULTI_DIMENSIONS = {"theme": Theme, "procedure": Procedure, "device": Device}
# The activity column holding each multi-valued dimension as a bit mask.
MASK_COLUMNS = {"theme": "themes_mask", "procedure": "procedures_mask", "device": "devices_mask"}
TAG = "tag"  # free labels (the Coop's tags), cut to the rollup's 64 characters
TAG_LENGTH = 64
PERSON_DIMENSIONS = ("age_band", "gender", "social_status", "residence")
INDIVIDUAL = ActivityKind.INDIVIDUAL.value
FOLLOWED = "beneficiary"  # rows whose value is a followed beneficiary id: COUNT(DISTINCT value) = people
LONG_TAIL = ("commune", "place", "residence")
# The national grain keeps only the short enumerations; long lists are read from the département grain.
NATIONAL_EXCLUDED = frozenset((*LONG_TAIL, FOLLOWED))


def month_of(day: date) -> date:
    return day.replace(day=1)


def orientation_value(oriented: bool | None, orientation: str) -> str:
    if oriented is None:
        return ""
    if not oriented:
        return "non"
    return orientation or "oui"


def activity_values(activity: Any, place_id: int | None) -> dict[str, list[str]]:
    """Dimension → values of an activity (activity-level dimensions only)."""
    individual = activity.kind == INDIVIDUAL
    values: dict[str, list[str]] = {
        "kind": [activity.kind],
        "channel": [activity.place_type],
        "duration": [duration_band(activity.duration_minutes)],
        "theme": list(activity.themes),
        "procedure": list(activity.procedures),
        "device": list(activity.devices),
        TAG: list(dict.fromkeys(str(t)[:TAG_LENGTH] for t in activity.tags or [])),
    }
    if activity.commune_id:
        values["commune"] = [str(activity.commune_id)]
    if place_id:
        values["place"] = [str(place_id)]
    if individual and activity.autonomy:
        values["autonomy"] = [activity.autonomy]
    orientation = orientation_value(activity.oriented, activity.orientation) if individual else ""
    if orientation:
        values["orientation"] = [orientation]
    if not individual and activity.workshop_level:
        values["level"] = [activity.workshop_level]
    return values


def contributions(
    activity: Any,
    accompaniments: Iterable[Any],
    participant_counts: Iterable[Any],
    *,
    sign: int = 1,
) -> dict[Key, list[int]]:
    """Rollup deltas of one activity (``sign`` -1 to remove it)."""
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    month = month_of(activity.date)
    department = activity.department_id or 0

    def add(dimension: str, value: str, acts: int, acc: int, anon: int) -> None:
        row = out[("d", dimension, department, 0, month, value)]
        row[0] += sign * acts
        row[1] += sign * acc
        row[2] += sign * anon
        if dimension not in NATIONAL_EXCLUDED:
            row = out[("n", dimension, 0, 0, month, value)]
            row[0] += sign * acts
            row[1] += sign * acc
            row[2] += sign * anon

    place_id = getattr(activity, "place_id", None)
    for dimension, values in activity_values(activity, place_id).items():
        for value in values:
            add(dimension, value, 1, activity.participants_count, activity.anonymous_count)
    for acc in accompaniments:
        anonymous = 0 if acc.beneficiary_id else 1
        add("age_band", acc.age_band, 0, 1, anonymous)
        add("gender", acc.gender, 0, 1, anonymous)
        add("social_status", acc.social_status, 0, 1, anonymous)
        if acc.residence_commune_id:
            add("residence", str(acc.residence_commune_id), 0, 1, anonymous)
        if acc.beneficiary_id:
            add(FOLLOWED, str(acc.beneficiary_id), 0, 1, 0)
    for count in participant_counts:
        if count.count:
            add(count.dimension, count.value, 0, count.count, count.count)
    _pair_contributions(out, activity, accompaniments, participant_counts, sign)
    return out


# --- National pairs of short dimensions (``ActivityPairRollup``) -------------------------------------
# In a delta dictionary, a pair row is the key ('p', "dim_a dim_b", 0, 0, month, "value_a\x1fvalue_b")
# with [weight, 0, 0]; ``apply`` writes those keys to the pair table.

PAIR_TABLE = "activities_activitypairrollup"
PAIR_ACTIVITY_DIMENSIONS = (
    "kind",
    "channel",
    "duration",
    "theme",
    "procedure",
    "device",
    "autonomy",
    "orientation",
    "level",
)
PAIR_PERSON_DIMENSIONS = ("age_band", "gender", "social_status")
PAIR_DIMENSIONS = PAIR_ACTIVITY_DIMENSIONS + PAIR_PERSON_DIMENSIONS
PAIR_GRAIN = "p"
PAIR_SEPARATOR = "\x1f"


#: Every pair of the pair set, in its canonical (stored) order: computed once, read by every contribution.
PAIRS = tuple((a, b) for i, a in enumerate(PAIR_DIMENSIONS) for b in PAIR_DIMENSIONS[i + 1 :])


def canonical_pair(dim_a: str, dim_b: str) -> tuple[str, str] | None:
    """The stored order of two dimensions, or None if the pair is not kept."""
    if dim_a == dim_b or dim_a not in PAIR_DIMENSIONS or dim_b not in PAIR_DIMENSIONS:
        return None
    if PAIR_DIMENSIONS.index(dim_a) < PAIR_DIMENSIONS.index(dim_b):
        return dim_a, dim_b
    return dim_b, dim_a


def _pair_contributions(
    out: dict[Key, list[int]],
    activity: Any,
    accompaniments: Iterable[Any],
    participant_counts: Iterable[Any],
    sign: int,
) -> None:
    """The weights the cross-tab gives this activity, for every pair of short dimensions."""
    month = month_of(activity.date)
    values = activity_values(activity, None)
    acts = {d: values.get(d, []) for d in PAIR_ACTIVITY_DIMENSIONS}
    people: list[tuple[dict[str, str], int]] = [
        ({d: str(getattr(acc, d)) for d in PAIR_PERSON_DIMENSIONS}, 1) for acc in accompaniments
    ]

    def add(dim_a: str, value_a: str, dim_b: str, value_b: str, weight: int) -> None:
        row = out[(PAIR_GRAIN, f"{dim_a} {dim_b}", 0, 0, month, f"{value_a}{PAIR_SEPARATOR}{value_b}")]
        row[0] += sign * weight

    for dim_a, dim_b in PAIRS:
        a_person, b_person = dim_a in PAIR_PERSON_DIMENSIONS, dim_b in PAIR_PERSON_DIMENSIONS
        if not a_person and not b_person:
            for value_a in acts[dim_a]:
                for value_b in acts[dim_b]:
                    add(dim_a, value_a, dim_b, value_b, activity.participants_count)
        elif a_person and b_person:  # accompaniments only (anonymous counts are per category)
            for person, weight in people:
                add(dim_a, person[dim_a], dim_b, person[dim_b], weight)
        else:  # a person dimension is always after the activity ones: dim_b
            for value_a in acts[dim_a]:
                for person, weight in people:
                    add(dim_a, value_a, dim_b, person[dim_b], weight)
                for count in participant_counts:
                    if count.count and count.dimension == dim_b:
                        add(dim_a, value_a, dim_b, count.value, count.count)


def merge(into: dict[Key, list[int]], other: dict[Key, list[int]]) -> None:
    for key, (a, b, c) in other.items():
        row = into.setdefault(key, [0, 0, 0])
        row[0] += a
        row[1] += b
        row[2] += c


VERSION_TABLE = "activities_activityrollupversion"
KEY = "grain, dimension, department_id, epci_id, month, value"  # the rollup's unique key
COLUMNS = f"{KEY}, activities, accompaniments, anonymous"


def bump(departments: Iterable[int]) -> None:
    """Bump the version of these départements (0 = unknown) — call it in the transaction that writes
    their rollup rows. Sorted, so two writers never wait on each other in opposite orders."""
    chosen = sorted({int(d or 0) for d in departments})
    if not chosen:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {VERSION_TABLE} (department_id, version) VALUES "  # noqa: S608
            + ", ".join(["(%s, 1)"] * len(chosen))
            + f" ON CONFLICT (department_id) DO UPDATE SET version = {VERSION_TABLE}.version + 1",
            chosen,
        )


def bump_all(cursor: Any) -> None:
    """Bump every département's version (a rebuild or a clean-up touched them all)."""
    cursor.execute(f"UPDATE {VERSION_TABLE} SET version = version + 1")
    cursor.execute(
        f"INSERT INTO {VERSION_TABLE} (department_id, version) SELECT DISTINCT department_id, 1 "
        f"FROM {TABLE} WHERE grain = 'd' AND department_id NOT IN (SELECT department_id FROM {VERSION_TABLE})"
    )


def version_token(department: int | None) -> str:
    """What a cached reading of the rollup is keyed on: the département's version, or for the nation
    the sum and number of all versions (each only grows, so any bump changes the sum)."""
    with connection.cursor() as cursor:
        if department is None:
            cursor.execute(f"SELECT COALESCE(SUM(version), 0), COUNT(*) FROM {VERSION_TABLE}")
            total, count = cursor.fetchone()
            return f"n{int(total)}.{int(count)}"
        cursor.execute(f"SELECT version FROM {VERSION_TABLE} WHERE department_id = %s", [department])
        row = cursor.fetchone()
        return f"d{department}.{int(row[0]) if row else 0}"


def apply(deltas: dict[Key, list[int]], *, batch: int = 2000) -> None:
    """Upsert deltas (``ON CONFLICT … DO UPDATE`` works on PostgreSQL and SQLite ≥ 3.24)."""
    _apply_pairs([(key, vals[0]) for key, vals in deltas.items() if key[0] == PAIR_GRAIN and vals[0]], batch)
    rows = [(*key, *vals) for key, vals in deltas.items() if key[0] != PAIR_GRAIN and any(vals)]
    if not rows:
        return
    bump(key[2] for key, vals in deltas.items() if key[0] == "d" and any(vals))
    if connection.vendor == "postgresql":
        _apply_unnest(rows)
        return
    _upsert_values(TABLE, COLUMNS, ROLLUP_CONFLICT, rows, batch)


def _apply_pairs(deltas: list[tuple[Key, int]], batch: int) -> None:
    """Upsert the pair rows of a delta dictionary (same transaction as the other rollup rows)."""
    rows = []
    for (_grain, dimensions, _dep, _epci, month, values), weight in deltas:
        dim_a, dim_b = dimensions.split(" ")
        value_a, value_b = values.split(PAIR_SEPARATOR)
        rows.append((month, dim_a, value_a, dim_b, value_b, weight))
    _upsert_values(PAIR_TABLE, PAIR_COLUMNS, PAIR_CONFLICT, rows, batch)


def _upsert_values(table: str, columns: str, conflict: str, rows: list[tuple[Any, ...]], batch: int) -> None:
    """``INSERT … VALUES (…), (…) ON CONFLICT …`` by batches of ``batch`` rows (every SQL fragment is a
    constant of this module)."""
    if not rows:
        return
    row_placeholder = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_placeholder] * len(chunk))}"
                f"{conflict}",
                [v for row in chunk for v in row],
            )


ROLLUP_CONFLICT = (  # adds a delta to the row already there (its key: KEY)
    f" ON CONFLICT ({KEY}) DO UPDATE SET "
    f"activities = {TABLE}.activities + excluded.activities, "
    f"accompaniments = {TABLE}.accompaniments + excluded.accompaniments, "
    f"anonymous = {TABLE}.anonymous + excluded.anonymous"
)
PAIR_KEY = "dim_a, dim_b, month, value_a, value_b"
PAIR_COLUMNS = "month, dim_a, value_a, dim_b, value_b, weight"
PAIR_CONFLICT = f" ON CONFLICT ({PAIR_KEY}) DO UPDATE SET weight = {PAIR_TABLE}.weight + excluded.weight"


def _apply_unnest(rows: list[tuple[Any, ...]], batch: int = 50_000) -> None:
    """PostgreSQL: one statement per batch with nine array parameters (no huge VALUES list)."""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            columns = list(zip(*rows[start : start + batch], strict=True))
            cursor.execute(
                f"INSERT INTO {TABLE} ({COLUMNS}) "
                "SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::int[], %s::int[], %s::date[], "
                f"%s::varchar[], %s::int[], %s::int[], %s::int[]){ROLLUP_CONFLICT}",
                [list(c) for c in columns],
            )


def activity_deltas(activity: Any, *, sign: int = 1) -> dict[Key, list[int]]:
    return contributions(
        activity,
        list(activity.accompaniments.all()),
        list(activity.participant_counts.all()),
        sign=sign,
    )


# --- Full rebuild in SQL ---------------------------------------------------------------------------


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _bits_sql(choices: Any) -> str:
    return " UNION ALL ".join(
        f"SELECT {1 << i} AS bit, '{value}' AS value" for i, value in enumerate(choices.values)
    )


def _duration_sql(column: str) -> str:
    return (
        f"CASE WHEN {column} < 30 THEN '{DurationBand.UNDER_30.value}' "
        f"WHEN {column} < 60 THEN '{DurationBand.FROM_30_TO_60.value}' "
        f"WHEN {column} < 120 THEN '{DurationBand.FROM_60_TO_120.value}' "
        f"ELSE '{DurationBand.OVER_120.value}' END"
    )


def _text(expr: str) -> str:
    return f"CAST({expr} AS VARCHAR(64))" if connection.vendor == "postgresql" else f"CAST({expr} AS TEXT)"


def _activity_value_sql() -> dict[str, tuple[str, str, str]]:
    """dimension → (FROM extra, value expression, WHERE) over ``activities_activity a``."""
    ind = f"a.kind = '{ActivityKind.INDIVIDUAL.value}'"
    col = f"a.kind = '{ActivityKind.COLLECTIVE.value}'"
    has_place = _has_place_column()
    sql = {
        "kind": ("", "a.kind", "1=1"),
        "channel": ("", "a.place_type", "1=1"),
        "duration": ("", _duration_sql("a.duration_minutes"), "1=1"),
        "commune": ("", _text("a.commune_id"), "a.commune_id IS NOT NULL"),
        "autonomy": ("", "a.autonomy", f"{ind} AND a.autonomy <> ''"),
        "orientation": (
            "",
            "CASE WHEN a.oriented THEN (CASE WHEN a.orientation = '' THEN 'oui' ELSE a.orientation END) "
            "ELSE 'non' END",
            f"{ind} AND a.oriented IS NOT NULL",
        ),
        "level": ("", "a.workshop_level", f"{col} AND a.workshop_level <> ''"),
    }
    if has_place:
        sql["place"] = ("", _text("a.place_id"), "a.place_id IS NOT NULL")
    for dimension, choices in ACTIVITY_MULTI_DIMENSIONS.items():
        column = MASK_COLUMNS[dimension]
        sql[dimension] = (f", ({_bits_sql(choices)}) b", "b.value", f"(a.{column} & b.bit) <> 0")
    # Tags: one row per distinct tag of the activity (JSON array unnested by the database).
    if connection.vendor == "postgresql":
        sql[TAG] = (
            ", LATERAL (SELECT DISTINCT LEFT(e, 64) AS value FROM jsonb_array_elements_text(a.tags) e) t",
            "t.value",
            "1=1",
        )
    else:
        # Each tag of an activity once, like the Python contributions and PostgreSQL's DISTINCT: two tags
        # equal in their first 64 characters count the activity once (the first of them is kept).
        sql[TAG] = (
            ", json_each(a.tags) t",
            "substr(t.value, 1, 64)",
            "NOT EXISTS (SELECT 1 FROM json_each(a.tags) u WHERE u.key < t.key "
            "AND substr(u.value, 1, 64) = substr(t.value, 1, 64))",
        )
    return sql


def _has_place_column() -> bool:
    from maillage.activities.models import Activity

    return any(f.name == "place" for f in Activity._meta.concrete_fields)


STAGE = "activities_rollup_stage"


def _create_stage(cursor: Any) -> None:
    """A session-private staging table (concurrent imports each have their own)."""
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"CREATE TEMP TABLE {STAGE} (grain varchar(1), dimension varchar(20), department_id integer, epci_id integer, "
        "month date, value varchar(64), activities integer, accompaniments integer, anonymous integer)"
    )


def _fill_stage(
    cursor: Any,
    activities: str = "activities_activity",
    accompaniments: str = "activities_accompaniment",
    counts: str = "activities_participantcount",
) -> None:
    """Group every dimension by département and month, for the activities of table ``activities``."""
    month = _month_sql("a.date")
    dep = "COALESCE(a.department_id, 0)"
    stage = f"INSERT INTO {STAGE} ({COLUMNS}) "
    for dimension, (extra, value, where) in _activity_value_sql().items():
        cursor.execute(
            stage + f"SELECT 'd', '{dimension}', {dep}, 0, {month}, {value}, "
            "COUNT(*), SUM(a.participants_count), SUM(a.anonymous_count) "
            f"FROM {activities} a{extra} WHERE {where} "
            f"GROUP BY {dep}, {month}, {value}"
        )
    person_columns = {
        "age_band": "p.age_band",
        "gender": "p.gender",
        "social_status": "p.social_status",
        "residence": _text("p.residence_commune_id"),
        FOLLOWED: _text("p.beneficiary_id"),
    }
    for dimension, value in person_columns.items():
        where = {
            "residence": "p.residence_commune_id IS NOT NULL",
            FOLLOWED: "p.beneficiary_id IS NOT NULL",
        }.get(dimension, "1=1")
        anonymous = (
            "0" if dimension == FOLLOWED else "SUM(CASE WHEN p.beneficiary_id IS NULL THEN 1 ELSE 0 END)"
        )
        cursor.execute(
            stage + f"SELECT 'd', '{dimension}', {dep}, 0, {month}, {value}, 0, COUNT(*), {anonymous} "
            f"FROM {accompaniments} p JOIN {activities} a ON a.id = p.activity_id "
            f"WHERE {where} GROUP BY {dep}, {month}, {value}"
        )
    # Anonymous workshop participants: honest counts by category.
    dimensions = ", ".join(repr(str(d)) for d in ParticipantDimension.values)
    cursor.execute(
        stage + f"SELECT 'd', c.dimension, {dep}, 0, {month}, c.value, 0, SUM(c.count), SUM(c.count) "
        f"FROM {counts} c JOIN {activities} a ON a.id = c.activity_id "
        f"WHERE c.count > 0 AND c.dimension IN ({dimensions}) "
        f"GROUP BY c.dimension, {dep}, {month}, c.value"
    )


def _from_stage(*, add: bool) -> list[str]:
    """The two statements writing grain 'd' and grain 'n' from the staging table."""
    excluded = ", ".join(f"'{d}'" for d in sorted(NATIONAL_EXCLUDED))
    conflict = ROLLUP_CONFLICT if add else ""
    return [
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT 'd', dimension, department_id, 0, month, value, "
        f"SUM(activities), SUM(accompaniments), SUM(anonymous) FROM {STAGE} WHERE 1=1 "
        "GROUP BY department_id, month, dimension, value ORDER BY department_id, month, dimension, value"
        + conflict,
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT 'n', dimension, 0, 0, month, value, "
        f"SUM(activities), SUM(accompaniments), SUM(anonymous) FROM {STAGE} "
        f"WHERE dimension NOT IN ({excluded}) GROUP BY month, dimension, value ORDER BY month, dimension, value"
        + conflict,
    ]


@transaction.atomic
def rebuild(*, bump_versions: bool = True, with_pairs: bool = True) -> int:
    """Recompute the whole rollup from the raw tables. Returns the number of rollup rows.

    Each dimension is grouped by département and month into an index-free staging table; the rollup
    is then written in two sorted passes: grain 'd', and grain 'n' (national sums of the short lists).
    On PostgreSQL the rollup's indexes are dropped during the load and rebuilt afterwards.
    """
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        _create_stage(cursor)
        _fill_stage(cursor)
        cursor.execute(f"DELETE FROM {TABLE}")
        dropped = _drop_indexes(cursor) if postgres else []
        for statement in _from_stage(add=False):
            cursor.execute(statement)
        for statement in dropped:
            cursor.execute(statement)
        cursor.execute(f"DROP TABLE {STAGE}")
        if with_pairs:  # False only in a migration older than the pair table
            rebuild_pairs(cursor)
        if bump_versions:  # False only in a migration older than the version table
            bump_all(cursor)
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return int(cursor.fetchone()[0])


def add_activities(ids: list[int]) -> None:
    """PostgreSQL: add the contributions of just bulk-loaded activities, grouped in SQL."""
    new = "activities_rollup_new"
    tables = {
        new: "activities_activity WHERE id",
        f"{new}_acc": "activities_accompaniment WHERE activity_id",
        f"{new}_cnt": "activities_participantcount WHERE activity_id",
    }
    with connection.cursor() as cursor:
        for name, source in tables.items():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {source} = ANY(%s)", [ids])
            cursor.execute(f"ANALYZE {name}")
        add_from_tables(cursor, new, f"{new}_acc", f"{new}_cnt")
        for name in tables:
            cursor.execute(f"DROP TABLE {name}")


def add_from_tables(cursor: Any, activities: str, accompaniments: str, counts: str, *, sign: int = 1) -> None:
    """Add to the rollup the contributions of the rows of three tables shaped like the raw ones
    (the import's staging tables), in ONE statement: every dimension grouped by département and month
    in a ``WITH`` (see ``_stage_ctes``), then written to grain 'd' by a data-modifying ``WITH`` and to
    grain 'n' by the main ``INSERT`` (disjoint keys), both ``ON CONFLICT DO UPDATE``.
    ``sign=-1`` subtracts them (rows about to be deleted). PostgreSQL only.

    The statement runs with a larger ``work_mem`` (``SET LOCAL``, restored afterwards): its hash joins
    and aggregates otherwise spill to temporary files."""
    excluded = ", ".join(f"'{d}'" for d in sorted(NATIONAL_EXCLUDED))
    factor = "-" if sign < 0 else ""
    sums = f"{factor}SUM(activities), {factor}SUM(accompaniments), {factor}SUM(anonymous)"
    cursor.execute(
        f"INSERT INTO {VERSION_TABLE} (department_id, version) SELECT DISTINCT COALESCE(department_id, 0), 1 "
        f"FROM {activities} ORDER BY 1 "
        f"ON CONFLICT (department_id) DO UPDATE SET version = {VERSION_TABLE}.version + 1"
    )
    with local_setting("work_mem", ROLLUP_WORK_MEM):
        cursor.execute(
            f"WITH {_stage_ctes(activities, accompaniments, counts)}, "
            f"grain_d AS (INSERT INTO {TABLE} ({COLUMNS}) SELECT 'd', dimension, department_id, 0, month, "
            f"value, {sums} FROM stage GROUP BY department_id, month, dimension, value "
            f"ORDER BY department_id, month, dimension, value{ROLLUP_CONFLICT}) "
            f"INSERT INTO {TABLE} ({COLUMNS}) SELECT 'n', dimension, 0, 0, month, value, {sums} FROM stage "
            f"WHERE dimension NOT IN ({excluded}) GROUP BY month, dimension, value "
            f"ORDER BY month, dimension, value{ROLLUP_CONFLICT}"
        )
        add_pairs_from_tables(cursor, activities, accompaniments, counts, sign=sign)


ROLLUP_WORK_MEM = "64MB"  # the import's rollup statement: hash tables of ~100 000 people rows in memory


def _stage_ctes(activities: str, accompaniments: str, counts: str) -> str:
    """PostgreSQL: the ``WITH`` items ending with ``stage`` — the same groups as ``_fill_stage`` (not yet
    summed over duplicates) in one pass over each table.

    ``acts``: ONE ``GROUP BY`` of the activities by département, month and ``GROUPING SETS`` — one set
    per dimension: each single-valued dimension's value (NULL where its condition does not hold), each
    bit mask, the tags array — so every set is a small group of (département, month, value); the masks
    and the tags are then exploded over those few groups instead of over every activity. In a row of a
    set, the columns of the other sets are NULL. ``people``: the same for the person dimensions of the
    accompaniments; the participant counts are grouped directly."""
    month = _month_sql("a.date")
    dep = "COALESCE(a.department_id, 0)"
    single: list[tuple[str, str]] = []  # (dimension, column of acts)
    multi: list[tuple[str, str, str]] = []  # (dimension, column of acts, bits)
    tags = ""
    columns: dict[str, str] = {}  # column of acts → expression over the activity
    for index, (dimension, (extra, value, where)) in enumerate(_activity_value_sql().items()):
        column = f"c{index}"
        if dimension in MASK_COLUMNS:
            columns[column] = f"a.{MASK_COLUMNS[dimension]}"
            multi.append((dimension, column, _bits_sql(ACTIVITY_MULTI_DIMENSIONS[dimension])))
        elif dimension == TAG:
            columns[column] = "a.tags"
            tags = column
        elif extra:
            raise ValueError(f"Dimension à plusieurs valeurs sans regroupement : {dimension}")
        else:
            columns[column] = f"CASE WHEN {where} THEN {_text(value)} END"
            single.append((dimension, column))
    expressions = ", ".join(f"{expr} AS {column}" for column, expr in columns.items())
    acts = (
        f"acts AS (SELECT dep, month, {', '.join(columns)}, COUNT(*) AS n, SUM(participants_count) AS acc, "
        "SUM(anonymous_count) AS anon "
        f"FROM (SELECT {dep} AS dep, {month} AS month, {expressions}, a.participants_count, "
        f"a.anonymous_count FROM {activities} a) a "
        f"GROUP BY dep, month, GROUPING SETS ({', '.join(f'({c})' for c in columns)}))"
    )
    anonymous = "CASE WHEN p.beneficiary_id IS NULL THEN 1 ELSE 0 END"
    person_columns = {
        "age_band": _text("p.age_band"),
        "gender": _text("p.gender"),
        "social_status": _text("p.social_status"),
        "residence": _text("p.residence_commune_id"),
        FOLLOWED: _text("p.beneficiary_id"),
    }
    people = (
        "people AS (SELECT dep, month, " + ", ".join(person_columns) + ", COUNT(*) AS n, SUM(anon) AS anon "
        f"FROM (SELECT {dep} AS dep, {month} AS month, "
        + ", ".join(f"{expr} AS {name}" for name, expr in person_columns.items())
        + f", {anonymous} AS anon FROM {accompaniments} p JOIN {activities} a ON a.id = p.activity_id) p "
        f"GROUP BY dep, month, GROUPING SETS ({', '.join(f'({n})' for n in person_columns)}))"
    )
    measures = "g.n, g.acc, g.anon"
    single_values = ", ".join(f"('{d}', g.{c})" for d, c in single)
    selects = [
        f"SELECT 'd', v.dimension, g.dep, 0, g.month, v.value, {measures} FROM acts g "
        f"CROSS JOIN LATERAL (VALUES {single_values}) v(dimension, value) WHERE v.value IS NOT NULL"
    ]
    for dimension, column, bits in multi:
        selects.append(
            f"SELECT 'd', '{dimension}', g.dep, 0, g.month, b.value, {measures} FROM acts g, ({bits}) b "
            f"WHERE (g.{column} & b.bit) <> 0"
        )
    selects.append(
        f"SELECT 'd', '{TAG}', g.dep, 0, g.month, t.value, {measures} FROM acts g CROSS JOIN LATERAL "
        f"(SELECT DISTINCT LEFT(e, {TAG_LENGTH}) AS value FROM jsonb_array_elements_text(g.{tags}) e) t "
        f"WHERE g.{tags} IS NOT NULL"
    )
    people_values = ", ".join(
        f"('{name}', g.{name}, {'0' if name == FOLLOWED else 'g.anon'})" for name in person_columns
    )
    selects.append(
        "SELECT 'd', v.dimension, g.dep, 0, g.month, v.value, 0, g.n, v.anonymous FROM people g "
        f"CROSS JOIN LATERAL (VALUES {people_values}) v(dimension, value, anonymous) WHERE v.value IS NOT NULL"
    )
    dimensions = ", ".join(repr(str(d)) for d in ParticipantDimension.values)
    selects.append(
        f"SELECT 'd', c.dimension, {dep}, 0, {month}, c.value, 0, SUM(c.count), SUM(c.count) "
        f"FROM {counts} c JOIN {activities} a ON a.id = c.activity_id "
        f"WHERE c.count > 0 AND c.dimension IN ({dimensions}) "
        f"GROUP BY c.dimension, {dep}, {month}, c.value"
    )
    union = " UNION ALL ".join(f"({select})" for select in selects)
    return f"{acts}, {people}, stage ({COLUMNS}) AS ({union})"


PAIR_GROUPS = "activities_pair_acts"
PAIR_PEOPLE = "activities_pair_people"
PAIR_COUNTS = "activities_pair_counts"


def add_pairs_from_tables(
    cursor: Any, activities: str, accompaniments: str, counts: str, *, sign: int = 1
) -> None:
    """Add to the pair table the weights of the rows of three tables shaped like the raw ones (portable
    SQL). The activities are first grouped by month and the values/masks of the short dimensions
    (three small temporary tables: activities, accompaniments with their person values, anonymous
    workshop counts); the pairs are then exploded over those groups in one ``INSERT … SELECT``."""
    month = _month_sql("a.date")
    value_sql = _activity_value_sql()
    columns = []
    for dimension in PAIR_ACTIVITY_DIMENSIONS:
        if dimension in MASK_COLUMNS:
            columns.append(f"a.{MASK_COLUMNS[dimension]} AS {dimension}")
        else:
            _extra, value, where = value_sql[dimension]
            columns.append(f"CASE WHEN {where} THEN {_text(value)} END AS {dimension}")
    act_columns = ", ".join(columns)
    groups = ", ".join(("month", *PAIR_ACTIVITY_DIMENSIONS))
    person = ", ".join(f"{_text('p.' + d)} AS {d}" for d in PAIR_PERSON_DIMENSIONS)
    person_names = ", ".join(PAIR_PERSON_DIMENSIONS)
    dimensions = ", ".join(f"'{d}'" for d in PAIR_PERSON_DIMENSIONS)
    tables = {
        PAIR_GROUPS: f"SELECT {groups}, SUM(w) AS w FROM (SELECT {month} AS month, {act_columns}, "
        f"a.participants_count AS w FROM {activities} a) t GROUP BY {groups}",
        PAIR_PEOPLE: f"SELECT {groups}, {person_names}, COUNT(*) AS w FROM (SELECT {month} AS month, "
        f"{act_columns}, {person} FROM {accompaniments} p JOIN {activities} a ON a.id = p.activity_id) t "
        f"GROUP BY {groups}, {person_names}",
        PAIR_COUNTS: f"SELECT {groups}, dimension, value, SUM(w) AS w FROM (SELECT {month} AS month, "
        f"{act_columns}, {_text('c.dimension')} AS dimension, {_text('c.value')} AS value, c.count AS w "
        f"FROM {counts} c JOIN {activities} a ON a.id = c.activity_id "
        f"WHERE c.count > 0 AND c.dimension IN ({dimensions})) t GROUP BY {groups}, dimension, value",
    }
    for name, select in tables.items():
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} AS {select}")

    def explode(dimension: str, alias: str) -> tuple[str, str, str]:
        """(FROM extra, value, WHERE) of an activity dimension over the group row ``t``."""
        if dimension in MASK_COLUMNS:
            bits = _bits_sql(ACTIVITY_MULTI_DIMENSIONS[dimension])
            return f", ({bits}) {alias}", f"{alias}.value", f"(t.{dimension} & {alias}.bit) <> 0"
        return "", f"t.{dimension}", f"t.{dimension} IS NOT NULL"

    def grouped(table: str, *columns: str, where: str = "") -> str:
        """The rows of a group table summed over just the two columns of a pair (and the month): the
        masks are exploded over those few groups, not over every group of all the dimensions."""
        keys = ", ".join(("month", *columns))
        return f"(SELECT {keys}, SUM(w) AS w FROM {table}{where} GROUP BY {keys}) t"

    factor = "-" if sign < 0 else ""
    branches = []
    for dim_a, dim_b in PAIRS:
        extra_a, value_a, where_a = explode(dim_a, "ba")
        if dim_a in PAIR_PERSON_DIMENSIONS:  # two person dimensions: accompaniments only
            parts = [
                f"SELECT t.month, t.{dim_a} AS value_a, t.{dim_b} AS value_b, t.w "
                f"FROM {grouped(PAIR_PEOPLE, dim_a, dim_b)}"
            ]
        elif dim_b in PAIR_PERSON_DIMENSIONS:
            counts_of_b = grouped(PAIR_COUNTS, dim_a, "value", where=f" WHERE dimension = '{dim_b}'")
            parts = [
                f"SELECT t.month, {value_a} AS value_a, t.{dim_b} AS value_b, t.w "
                f"FROM {grouped(PAIR_PEOPLE, dim_a, dim_b)}{extra_a} WHERE {where_a}",
                f"SELECT t.month, {value_a} AS value_a, t.value AS value_b, t.w "
                f"FROM {counts_of_b}{extra_a} WHERE {where_a}",
            ]
        else:
            extra_b, value_b, where_b = explode(dim_b, "bb")
            parts = [
                f"SELECT t.month, {value_a} AS value_a, {value_b} AS value_b, t.w "
                f"FROM {grouped(PAIR_GROUPS, dim_a, dim_b)}{extra_a}{extra_b} WHERE {where_a} AND {where_b}"
            ]
        # One aggregate per pair (its rows are disjoint from every other pair's): small hash tables.
        branches.append(
            f"SELECT month, '{dim_a}' AS dim_a, value_a, '{dim_b}' AS dim_b, value_b, {factor}SUM(w) AS w "
            f"FROM ({' UNION ALL '.join(parts)}) x GROUP BY month, value_a, value_b HAVING SUM(w) <> 0"
        )
    union = " UNION ALL ".join(branches)
    # PostgreSQL: many small aggregates, which cost more to compile (JIT) than to run.
    with local_setting("jit", "off") if connection.vendor == "postgresql" else nullcontext():
        cursor.execute(
            f"INSERT INTO {PAIR_TABLE} ({PAIR_COLUMNS}) SELECT month, dim_a, value_a, dim_b, value_b, w "
            f"FROM ({union}) u WHERE 1=1{PAIR_CONFLICT}"
        )
    for name in tables:
        cursor.execute(f"DROP TABLE {name}")


def rebuild_pairs(cursor: Any) -> None:
    """Recompute the pair table from the raw tables."""
    cursor.execute(f"DELETE FROM {PAIR_TABLE}")
    add_pairs_from_tables(
        cursor, "activities_activity", "activities_accompaniment", "activities_participantcount"
    )


def _drop_indexes(cursor: Any) -> list[str]:
    """Drop the rollup's secondary indexes and unique constraint; return the statements restoring them."""
    cursor.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.conrelid = %s::regclass AND c.contype = 'u'",
        [TABLE],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [TABLE, TABLE],
    )
    indexes = cursor.fetchall()
    restore = []
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
        restore.append(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
        restore.append(definition)
    return restore
