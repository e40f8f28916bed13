"""Writes on places: import of standard files, export, duplicate detection and decisions.

Imports are two-phase and all-or-nothing: the whole file is analysed first (every error collected with
its line and column), then written in one ``transaction.atomic()`` only when there is no error. Imports
are serialised per territory (``pg_advisory_xact_lock`` on PostgreSQL; SQLite serialises writers).
Re-importing a file changes nothing: rows are upserted on (source, id) and compared field by field.

Audit: one ``record_change`` entry per import job, per duplicate decision, and one entry per created or
updated place (written with ``bulk_create`` in the same shape as ``record_change`` so that a 25 000-row
import stays fast).

Split by concern: ``imports`` (places_import), ``duplicates`` (flag_duplicates, merge_duplicate,
mark_distinct), ``exports`` (export_places, standard_rows, territory_by_code).
"""

from maillage.places.services.duplicates import distance_m, flag_duplicates, mark_distinct, merge_duplicate
from maillage.places.services.exports import export_places, export_queryset, standard_rows, territory_by_code
from maillage.places.services.imports import places_import

__all__ = [
    "distance_m",
    "export_places",
    "export_queryset",
    "flag_duplicates",
    "mark_distinct",
    "merge_duplicate",
    "places_import",
    "standard_rows",
    "territory_by_code",
]
