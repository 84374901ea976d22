"""Every feature's models in one place, so that Base.metadata knows every table (Alembic).

Product code imports models from their feature (`app.drills.models`); this facade is for
migrations, the backup check and tests.
"""
from app.accounts.models import ApiToken, User
from app.areas.models import PEOPLE_FIELDS, Area
from app.contingency.models import ContingencyPlan, PlanDocument, PlanVersion
from app.core.db import Base
from app.core.models import AuditEntry
from app.drills.models import (
    Attendance,
    CapabilityRating,
    CorrectiveAction,
    Drill,
    DrillRecord,
    DrillRequirement,
    DrillTeam,
    Measure,
    TimelineEvent,
)
from app.incidents.log_models import SituationPhoto, SituationReport
from app.incidents.models import (
    AllocationPlan,
    Dispatch,
    DispatchReceipt,
    Incident,
    IncidentArea,
    IncidentEvent,
    IncidentTask,
    Mobilisation,
    PlanAssignment,
    PlanLine,
    PlanPlacement,
    PlanShipment,
    ReserveRelease,
)
from app.notifications.models import Notification
from app.resources.models import (
    ChecklistItem,
    Member,
    MobilisationLevel,
    MobilisationRule,
    OccupancyReport,
    Qualification,
    Shelter,
    Team,
)
from app.stock.models import Depot, DepotMinimum, Item, LedgerEntry, PlanningNorm, StockLot

__all__ = [
    "PEOPLE_FIELDS", "AllocationPlan", "ApiToken", "Area", "Attendance", "AuditEntry", "Base",
    "CapabilityRating", "ChecklistItem", "ContingencyPlan", "CorrectiveAction", "Depot",
    "DepotMinimum", "Dispatch", "DispatchReceipt", "Drill", "DrillRecord", "DrillRequirement",
    "DrillTeam",
    "Incident", "IncidentArea", "IncidentEvent", "IncidentTask", "Item", "LedgerEntry",
    "Measure", "Member", "Mobilisation", "MobilisationLevel", "MobilisationRule", "Notification",
    "OccupancyReport", "PlanAssignment", "PlanDocument", "PlanLine", "PlanPlacement",
    "PlanShipment", "PlanVersion", "PlanningNorm", "Qualification", "ReserveRelease", "Shelter",
    "SituationPhoto", "SituationReport", "StockLot",
    "Team", "TimelineEvent", "User",
]
