"""All models, imported so that Base.metadata knows every table."""
from app.db import Base
from app.models.areas import PEOPLE_FIELDS, Area
from app.models.drills import (
    Attendance,
    CapabilityRating,
    ContingencyPlan,
    CorrectiveAction,
    Drill,
    DrillRecord,
    DrillRequirement,
    DrillTeam,
    Measure,
    TimelineEvent,
)
from app.models.incidents import (
    AllocationPlan,
    Dispatch,
    Incident,
    IncidentArea,
    IncidentTask,
    Mobilisation,
    PlanAssignment,
    PlanLine,
    PlanPlacement,
    PlanShipment,
)
from app.models.items import Item, PlanningNorm
from app.models.levels import ChecklistItem, MobilisationLevel, MobilisationRule
from app.models.notifications import Notification
from app.models.plans import PlanDocument, PlanVersion
from app.models.shelters import OccupancyReport, Shelter
from app.models.stock import Depot, DepotMinimum, LedgerEntry, StockLot
from app.models.teams import Member, Qualification, Team
from app.models.users import ApiToken, AuditEntry, User

__all__ = [
    "Attendance", "CapabilityRating", "ContingencyPlan", "CorrectiveAction", "Drill",
    "DrillRecord", "DrillRequirement", "DrillTeam", "Measure", "TimelineEvent",
    "PlanDocument", "PlanVersion",
    "PEOPLE_FIELDS", "AllocationPlan", "ApiToken", "Dispatch", "Incident", "IncidentArea",
    "IncidentTask", "Mobilisation", "PlanAssignment", "PlanLine", "PlanPlacement",
    "PlanShipment", "Area", "AuditEntry", "Base", "ChecklistItem", "Depot",
    "DepotMinimum", "Item", "LedgerEntry", "Member", "MobilisationLevel", "MobilisationRule",
    "Notification", "OccupancyReport", "PlanningNorm", "Qualification", "Shelter", "StockLot",
    "Team", "User",
]
