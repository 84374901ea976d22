"""Incidents, their allocation plans and the dispatch orders that carry a plan out."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area
from app.core.db import Base, utcnow
from app.core.models import Timestamps
from app.core.vocabulary import Hazard, db_enum
from app.incidents.enums import (
    DispatchStatus,
    IncidentEventKind,
    IncidentStatus,
    MobilisationStatus,
    PlanStatus,
)
from app.resources.models import ReceivingPoint, Shelter, Team
from app.stock.models import Depot, Item, StockLot, Vehicle


class Incident(Timestamps, Base):
    """A declared emergency: hazard, response level, affected areas, duration."""

    __tablename__ = "incidents"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
        CheckConstraint("duration_days > 0", name="duration_positive"),
        CheckConstraint("max_distance_km > 0", name="distance_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    hazard: Mapped[Hazard] = mapped_column(db_enum(Hazard, "incident_hazard"))
    level: Mapped[int]
    district_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"),
                                             index=True)
    status: Mapped[IncidentStatus] = mapped_column(db_enum(IncidentStatus, "incident_status"),
                                                   default=IncidentStatus.ACTIVE)
    exercise: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    duration_days: Mapped[int] = mapped_column(default=3)
    max_distance_km: Mapped[float] = mapped_column(default=30.0)
    shelter_distance_km: Mapped[float] = mapped_column(default=5.0)
    notes: Mapped[str] = mapped_column(Text, default="")
    declared_by: Mapped[str] = mapped_column(String(100), default="")
    closed_at: Mapped[datetime | None]

    district: Mapped[Area] = relationship()
    areas: Mapped[list[IncidentArea]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentArea.id")
    mobilisations: Mapped[list[Mobilisation]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Mobilisation.id")
    checklist: Mapped[list[IncidentTask]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentTask.id")
    plans: Mapped[list[AllocationPlan]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="AllocationPlan.id")
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentEvent.number")
    releases: Mapped[list[ReserveRelease]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="ReserveRelease.id")


class IncidentEvent(Base):
    """One step of an incident's history (declared, level changed, closed, imported).

    Each published step is one CAP alert: its number is the alert's sequence number, and its
    time is the alert's `sent`, so an export made later repeats the same identifiers."""

    __tablename__ = "incident_events"
    __table_args__ = (UniqueConstraint("incident_id", "number"),
                      CheckConstraint("level BETWEEN 1 AND 4", name="level_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             index=True)
    number: Mapped[int]
    kind: Mapped[IncidentEventKind] = mapped_column(db_enum(IncidentEventKind,
                                                            "incident_event_kind"))
    level: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(100), default="")
    # For an import: the CAP "sender,identifier,sent" triple of the source alert.
    reference: Mapped[str] = mapped_column(String(500), default="", index=True)

    incident: Mapped[Incident] = relationship(back_populates="events")


class ReserveRelease(Base):
    """A coordinator's release of protected reserves for one incident: of one depot, or of
    every depot (depot_id None). Plans made afterwards may ship those reserves."""

    __tablename__ = "reserve_releases"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             index=True)
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    released_by: Mapped[str] = mapped_column(String(100), default="")
    released_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="releases")
    depot: Mapped[Depot | None] = relationship()


class IncidentArea(Base):
    """One affected area with the people hit; defaults come from the area's register."""

    __tablename__ = "incident_areas"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("incident_id", "area_id"),
        CheckConstraint("affected >= 0 AND displaced >= 0 AND displaced <= affected "
                        "AND vulnerable >= 0 AND need_access >= 0", name="people_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    affected: Mapped[int]
    displaced: Mapped[int]
    vulnerable: Mapped[int] = mapped_column(default=0)  # of the affected
    need_access: Mapped[int] = mapped_column(default=0)  # of the displaced: wheelchair users

    incident: Mapped[Incident] = relationship(back_populates="areas")
    area: Mapped[Area] = relationship()


class Mobilisation(Base):
    """A team called out by an incident's level (or stood down when the level drops)."""

    __tablename__ = "incident_mobilisations"
    __table_args__ = (UniqueConstraint("incident_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    level: Mapped[int]
    status: Mapped[MobilisationStatus] = mapped_column(
        db_enum(MobilisationStatus, "mobilisation_status"), default=MobilisationStatus.CALLED)
    called_at: Mapped[datetime] = mapped_column(default=utcnow)
    stood_down_at: Mapped[datetime | None]

    incident: Mapped[Incident] = relationship(back_populates="mobilisations")
    team: Mapped[Team] = relationship()


class IncidentTask(Base):
    """One action of the level's checklist, ticked off during the response."""

    __tablename__ = "incident_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             index=True)
    level: Mapped[int]
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(100), default="")
    done_at: Mapped[datetime | None]
    done_by: Mapped[str] = mapped_column(String(100), default="")
    cancelled: Mapped[bool] = mapped_column(default=False)  # the level changed before it was done

    incident: Mapped[Incident] = relationship(back_populates="checklist")


class AllocationPlan(Base):
    """One solve for an incident: proposed, then confirmed (stock reserved) or superseded."""

    __tablename__ = "allocation_plans"
    __audited__ = True
    __audit_exclude__ = frozenset({"summary", "explanations", "solver_status"})
    __table_args__ = (UniqueConstraint("incident_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             index=True)
    number: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(db_enum(PlanStatus, "plan_status"),
                                               default=PlanStatus.PROPOSED)
    level: Mapped[int]
    solver_status: Mapped[dict[str, Any]] = mapped_column(default=dict)  # part -> status
    solve_seconds: Mapped[float] = mapped_column(default=0.0)
    delivery_date: Mapped[datetime]
    routes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # pinned / forbidden routes
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # headline figures
    explanations: Mapped[dict[str, Any]] = mapped_column(default=dict)  # unplaced, unfilled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str] = mapped_column(String(100), default="")

    incident: Mapped[Incident] = relationship(back_populates="plans")
    lines: Mapped[list[PlanLine]] = relationship(cascade="all, delete-orphan",
                                                 order_by="PlanLine.id")
    shipments: Mapped[list[PlanShipment]] = relationship(cascade="all, delete-orphan",
                                                         order_by="PlanShipment.id")
    placements: Mapped[list[PlanPlacement]] = relationship(cascade="all, delete-orphan",
                                                           order_by="PlanPlacement.id")
    assignments: Mapped[list[PlanAssignment]] = relationship(cascade="all, delete-orphan",
                                                             order_by="PlanAssignment.id")
    loads: Mapped[list[PlanLoad]] = relationship(cascade="all, delete-orphan",
                                                 order_by="PlanLoad.id")


class PlanLine(Base):
    """The ICS-215 row of a plan: one area and item, required / in reach / planned / short."""

    __tablename__ = "plan_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("allocation_plans.id", ondelete="CASCADE"),
                                         index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    required: Mapped[int]
    priority: Mapped[int]
    committed: Mapped[int] = mapped_column(default=0)  # already under way from earlier plans
    in_reach: Mapped[int]
    planned: Mapped[int]
    priority_planned: Mapped[int]
    reason: Mapped[dict[str, Any]] = mapped_column(default=dict)  # why it falls short

    area: Mapped[Area] = relationship()
    item: Mapped[Item] = relationship()

    @property
    def shortfall(self) -> int:
        return max(self.required - self.committed - self.planned, 0)


class PlanShipment(Base):
    """Units of one lot to move from a depot to an area."""

    __tablename__ = "plan_shipments"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("allocation_plans.id", ondelete="CASCADE"),
                                         index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id", ondelete="RESTRICT"))
    quantity: Mapped[int]
    km: Mapped[float]
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id",
                                                               ondelete="SET NULL"))

    depot: Mapped[Depot] = relationship()
    area: Mapped[Area] = relationship()
    item: Mapped[Item] = relationship()
    lot: Mapped[StockLot] = relationship()


class PlanLoad(Base):
    """One vehicle's load of a plan: what a depot puts on one of its vehicles, for one or more
    receiving points (its lines). vehicle_id None: no vehicle of the depot is left for it (the
    plan lists it as a vehicle shortfall)."""

    __tablename__ = "plan_loads"
    __table_args__ = (UniqueConstraint("plan_id", "depot_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("allocation_plans.id", ondelete="CASCADE"),
                                         index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"))
    number: Mapped[int]  # 1, 2, ... per depot
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id",
                                                              ondelete="SET NULL"))
    weight_kg: Mapped[float]
    volume_m3: Mapped[float]

    depot: Mapped[Depot] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()
    lines: Mapped[list[PlanLoadLine]] = relationship(cascade="all, delete-orphan",
                                                     order_by="PlanLoadLine.id")


class PlanLoadLine(Base):
    """Units of an item a load carries for one receiving area (an order of the depot)."""

    __tablename__ = "plan_load_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("plan_loads.id", ondelete="CASCADE"),
                                         index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    quantity: Mapped[int]

    area: Mapped[Area] = relationship()
    item: Mapped[Item] = relationship()


class PlanPlacement(Base):
    """Evacuees of an area sent to a shelter."""

    __tablename__ = "plan_placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("allocation_plans.id", ondelete="CASCADE"),
                                         index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="RESTRICT"))
    people: Mapped[int]
    need_access: Mapped[int] = mapped_column(default=0)
    km: Mapped[float]

    area: Mapped[Area] = relationship()
    shelter: Mapped[Shelter] = relationship()


class PlanAssignment(Base):
    """A mobilised team sent to an area."""

    __tablename__ = "plan_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("allocation_plans.id", ondelete="CASCADE"),
                                         index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    km: Mapped[float]
    minutes: Mapped[float]

    team: Mapped[Team] = relationship()
    area: Mapped[Area] = relationship()


class Dispatch(Base):
    """An order to move a confirmed plan's units from one depot to one area (ICS 213RR/204).

    Its code is the ledger reference of the reservation, so delivering issues exactly what was
    reserved and cancelling releases it.
    """

    __tablename__ = "dispatches"
    __audited__ = True
    __table_args__ = (Index("ix_dispatches_incident_status", "incident_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("allocation_plans.id", ondelete="CASCADE"),
                                         index=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    status: Mapped[DispatchStatus] = mapped_column(db_enum(DispatchStatus, "dispatch_status"),
                                                   default=DispatchStatus.RESERVED)
    km: Mapped[float]
    # where it goes and who signs for it, as told when the plan was confirmed
    point_id: Mapped[int | None] = mapped_column(ForeignKey("receiving_points.id",
                                                            ondelete="SET NULL"))
    deliver_to: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str] = mapped_column(String(100), default="")
    # the depot handed it over (in transit); its reservation issued through the ledger, once
    dispatched_at: Mapped[datetime | None]
    dispatched_by: Mapped[str] = mapped_column(String(100), default="")
    issued_at: Mapped[datetime | None]

    incident: Mapped[Incident] = relationship()
    plan: Mapped[AllocationPlan] = relationship()
    depot: Mapped[Depot] = relationship()
    area: Mapped[Area] = relationship()
    point: Mapped[ReceivingPoint | None] = relationship()
    shipments: Mapped[list[PlanShipment]] = relationship(order_by="PlanShipment.id",
                                                         viewonly=True)
    receipt: Mapped[DispatchReceipt | None] = relationship(back_populates="dispatch")


class DispatchReceipt(Base):
    """What the receiving point counted on arrival, per item: sent and received, and why they
    differ. The ledger issues what left the depot; a difference is recorded, not re-stocked."""

    __tablename__ = "dispatch_receipts"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"),
                                             unique=True)
    code: Mapped[str] = mapped_column(String(40))  # the order's, as the audit log's label
    # [{"item": code, "sent": n, "received": n}, ...] one per item of the order
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    differs: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_by: Mapped[str] = mapped_column(String(100), default="")

    dispatch: Mapped[Dispatch] = relationship(back_populates="receipt")
