"""Import of activity reports: the Coop's XLSX export « Liste des accompagnements » and our CSV template.

Two phases, like the Coop: *analyse* reads every row and collects every error (line number with the
header as line 1, column name, message in French), then *commit* writes everything in one
transaction — or nothing if a single error was found. Idempotent on the Coop's activity id
(« ID CRA »): an activity already imported with the same content is left untouched, a changed one is
updated, a new one is created through the bulk loader (``bulk_load``: COPY on PostgreSQL,
``bulk_create`` elsewhere) which also feeds the statistics rollup in one batch.

The Coop exports one row per accompaniment: a workshop with N participants spans N rows sharing its
ID CRA. Those rows are folded back into one activity whose anonymous participants are stored as
counts per category (the Coop's random per-person attribution preserves the category totals, which
is all we keep). Names of beneficiaries are never imported: imported people are anonymous.

Columns (header names are matched without accents, case or punctuation; aliases accepted):
see ``COLUMNS`` and the downloadable CSV template.
"""

from maillage.activities.importer.analysis import (
    Analyser,
    TeamMember,
    is_team_export,
    locate,
    member_key,
    team_members,
)
from maillage.activities.importer.formats import (
    COLUMNS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    Column,
    ImportFailed,
    RowError,
    Table,
    iter_errors,
    read_table,
    template_csv,
)
from maillage.activities.importer.loading import bulk_load, import_activities, without_cyclic_gc
from maillage.activities.importer.records import (
    ActivityRow,
    CountRow,
    ImportResult,
    PersonRow,
    Record,
    existing_signatures,
    signature_of,
)

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "ActivityRow",
    "Analyser",
    "Column",
    "CountRow",
    "ImportFailed",
    "ImportResult",
    "PersonRow",
    "Record",
    "RowError",
    "Table",
    "TeamMember",
    "bulk_load",
    "existing_signatures",
    "import_activities",
    "is_team_export",
    "member_key",
    "team_members",
    "iter_errors",
    "locate",
    "read_table",
    "signature_of",
    "template_csv",
    "without_cyclic_gc",
]
