"""Roadmaps models, split by concern: the roadmap tree, indicators, governance."""

from maillage.roadmaps.models.choices import (
    ActionStatus,
    AttendanceStatus,
    BodyKind,
    BudgetNature,
    BudgetUnit,
    Frequency,
    IndicatorKind,
    Maturity,
    Priority,
    RoadmapStatus,
)
from maillage.roadmaps.models.governance import Attendance, BodyMember, GovernanceBody, Meeting
from maillage.roadmaps.models.indicators import Indicator, Measurement
from maillage.roadmaps.models.roadmap import (
    Action,
    ActionUpdate,
    Axis,
    BudgetLine,
    Milestone,
    Objective,
    Roadmap,
    RoadmapVersion,
    Step,
)

__all__ = [
    "Action",
    "ActionStatus",
    "ActionUpdate",
    "Attendance",
    "AttendanceStatus",
    "Axis",
    "BodyKind",
    "BodyMember",
    "BudgetLine",
    "BudgetNature",
    "BudgetUnit",
    "Frequency",
    "GovernanceBody",
    "Indicator",
    "IndicatorKind",
    "Maturity",
    "Measurement",
    "Meeting",
    "Milestone",
    "Objective",
    "Priority",
    "Roadmap",
    "RoadmapStatus",
    "RoadmapVersion",
    "Step",
]
