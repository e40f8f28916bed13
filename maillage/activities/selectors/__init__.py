"""Reads, scoped to the user: visibility chokepoints and statistics (aggregated in SQL).

Visibility: a mediator sees only their own activities and followed beneficiaries; coordinators,
action leads and viewers see aggregates of their territories (never named beneficiaries); other
territories answer 404. Superusers may see national aggregates.

Statistics read the pre-aggregated ``ActivityRollup`` for a département, an EPCI or the nation over
whole months, and the raw tables otherwise (a mediator, a place, an organisation, any period, and
every cross-tab but month × a dimension). Both paths return the same ``Stats``. For a département
or the nation over whole months, the figures read from the rollup and the cells of a raw cross-tab
are cached under the scope's rollup version (``rollup.version_token``), which every rollup write
bumps in its own transaction; labels are always read afresh.
"""

from maillage.activities.selectors.crosstab import (
    cross_tab,
)
from maillage.activities.selectors.dimensions import (
    DIMENSIONS,
    Breakdown,
    CrossTab,
    Row,
    Stats,
    available_dimensions,
)
from maillage.activities.selectors.scopes import (
    Scope,
    _territory_q,
    resolve_scope,
    scope_choices,
)
from maillage.activities.selectors.statistics import (
    LONG_TAIL,
    compute_stats,
    default_period,
    scoped_activities,
)
from maillage.activities.selectors.visibility import (
    AGGREGATE_ROLES,
    activities_visible_to,
    beneficiaries_visible_to,
    coordination_visible_to,
    coordinator_territories,
    followed_people_count,
    get_activity_for_user,
    get_beneficiary_for_user,
    is_mediator,
    last_activity,
    recent_durations,
)

__all__ = [
    "AGGREGATE_ROLES",
    "Breakdown",
    "CrossTab",
    "DIMENSIONS",
    "LONG_TAIL",
    "Row",
    "Scope",
    "Stats",
    "_territory_q",
    "activities_visible_to",
    "available_dimensions",
    "beneficiaries_visible_to",
    "compute_stats",
    "coordination_visible_to",
    "coordinator_territories",
    "cross_tab",
    "default_period",
    "followed_people_count",
    "get_activity_for_user",
    "get_beneficiary_for_user",
    "is_mediator",
    "last_activity",
    "recent_durations",
    "resolve_scope",
    "scope_choices",
    "scoped_activities",
]
