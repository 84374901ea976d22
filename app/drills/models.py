"""Drills: requirements, the drills themselves, their records and corrective actions.

Also the contingency plans that drills exercise and findings flag for revision (the
document itself, its versions and approval come with the plan writer).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area
from app.contingency.models import ContingencyPlan
from app.core.db import Base
from app.core.models import Named, Timestamps
from app.core.vocabulary import Hazard, SourceStatus, db_enum
from app.drills.enums import (
    ActionStatus,
    DrillForm,
    DrillScope,
    DrillStatus,
    DrillUnit,
    ExerciseType,
    Poete,
    Rating,
)
from app.incidents.models import Incident
from app.resources.models import Member, Shelter, Team


class DrillRequirement(Named, Timestamps, Base):
    """How often a kind of area or unit must drill, with the rule's legal source."""

    __tablename__ = "drill_requirements"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("every_months > 0 AND min_drills > 0", name="frequency_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    unit: Mapped[DrillUnit] = mapped_column(db_enum(DrillUnit, "drill_unit"))
    every_months: Mapped[int]
    min_drills: Mapped[int] = mapped_column(default=1)
    form: Mapped[DrillForm | None] = mapped_column(db_enum(DrillForm, "requirement_form"))
    # Unit kinds (schools, venues) apply only to the areas listed; area levels to all of them.
    area_codes: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(300))
    source_status: Mapped[SourceStatus] = mapped_column(
        db_enum(SourceStatus, "requirement_source_status"), default=SourceStatus.VERIFIED)
    active: Mapped[bool] = mapped_column(default=True)


class Drill(Timestamps, Base):
    """One exercise on one date; a recurring series is materialised as one row per date."""

    __tablename__ = "drills"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint("expected_participants >= 0", name="participants_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    exercise_type: Mapped[ExerciseType] = mapped_column(db_enum(ExerciseType, "exercise_type"))
    form: Mapped[DrillForm] = mapped_column(db_enum(DrillForm, "drill_form"))
    scope: Mapped[DrillScope] = mapped_column(db_enum(DrillScope, "drill_scope"),
                                              default=DrillScope.SINGLE)
    unit: Mapped[DrillUnit | None] = mapped_column(db_enum(DrillUnit, "drill_for_unit"))
    hazard: Mapped[Hazard] = mapped_column(db_enum(Hazard, "drill_hazard"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("contingency_plans.id", ondelete="SET NULL"), index=True)
    objectives: Mapped[list[str]] = mapped_column(default=list)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    venue_shelter_id: Mapped[int | None] = mapped_column(
        ForeignKey("shelters.id", ondelete="SET NULL"))
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    expected_participants: Mapped[int] = mapped_column(default=0)
    director: Mapped[str] = mapped_column(String(100), default="")  # 演练总指挥 (HSEEP director)
    status: Mapped[DrillStatus] = mapped_column(db_enum(DrillStatus, "drill_status"),
                                                default=DrillStatus.PLANNED, index=True)
    rrule: Mapped[str] = mapped_column(String(300), default="")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("drills.id", ondelete="SET NULL"),
                                                  index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")

    area: Mapped[Area] = relationship()
    plan: Mapped[ContingencyPlan | None] = relationship()
    venue_shelter: Mapped[Shelter | None] = relationship()
    teams: Mapped[list[Team]] = relationship(secondary="drill_teams", order_by="Team.code")
    record: Mapped[DrillRecord | None] = relationship(back_populates="drill",
                                                      cascade="all, delete-orphan")
    actions: Mapped[list[CorrectiveAction]] = relationship(back_populates="drill",
                                                           order_by="CorrectiveAction.id")

    def venue(self, lang: str = "zh") -> str:
        if self.venue_shelter is not None:
            return self.venue_shelter.name(lang)
        return self.venue_address


class DrillTeam(Base):
    __tablename__ = "drill_teams"
    __audited__ = True

    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"),
                                          primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"),
                                         primary_key=True, index=True)


class DrillRecord(Timestamps, Base):
    """What happened: the after-action report of one drill (evaluation per Art. 23)."""

    __tablename__ = "drill_records"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"),
                                          unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[list[str]] = mapped_column(default=list)
    improvements: Mapped[list[str]] = mapped_column(default=list)
    # Art. 23 evaluation content: execution, plan soundness, command, responders, equipment,
    # recommendations; keys are EVALUATION_ASPECTS.
    evaluation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    exercise_incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"))
    exercise_plan_number: Mapped[int | None]
    exercise_summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_by: Mapped[str] = mapped_column(String(100), default="")

    drill: Mapped[Drill] = relationship(back_populates="record")
    exercise_incident: Mapped[Incident | None] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(
        cascade="all, delete-orphan", order_by="Attendance.id")
    events: Mapped[list[TimelineEvent]] = relationship(
        cascade="all, delete-orphan", order_by="TimelineEvent.at")
    measures: Mapped[list[Measure]] = relationship(cascade="all, delete-orphan",
                                                   order_by="Measure.id")
    ratings: Mapped[list[CapabilityRating]] = relationship(cascade="all, delete-orphan",
                                                           order_by="CapabilityRating.id")


class Attendance(Base):
    """A team's turnout, and optionally one member's presence."""

    __tablename__ = "drill_attendance"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("record_id", "team_id", "member_id"),
        CheckConstraint("present >= 0 AND expected >= 0", name="counts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("drill_records.id", ondelete="CASCADE"),
                                           index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_members.id", ondelete="SET NULL"))
    expected: Mapped[int] = mapped_column(default=0)
    present: Mapped[int] = mapped_column(default=0)

    team: Mapped[Team] = relationship()
    member: Mapped[Member | None] = relationship()


class TimelineEvent(Base):
    __tablename__ = "drill_events"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("drill_records.id", ondelete="CASCADE"),
                                           index=True)
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(String(500))


class Measure(Base):
    """A measured time against its target, e.g. evacuation 250 s against 120 s."""

    __tablename__ = "drill_measures"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("target_seconds > 0 AND actual_seconds >= 0", name="times_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("drill_records.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(200))
    target_seconds: Mapped[int]
    actual_seconds: Mapped[int]
    source: Mapped[str] = mapped_column(String(300), default="")

    @property
    def met(self) -> bool:
        return self.actual_seconds <= self.target_seconds


class CapabilityRating(Base):
    __tablename__ = "drill_ratings"
    __audited__ = True
    __table_args__ = (UniqueConstraint("record_id", "capability"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("drill_records.id", ondelete="CASCADE"),
                                           index=True)
    capability: Mapped[str] = mapped_column(String(200))
    rating: Mapped[Rating] = mapped_column(db_enum(Rating, "capability_rating"))
    note: Mapped[str] = mapped_column(Text, default="")


class CorrectiveAction(Timestamps, Base):
    """One item of the improvement plan, chased until it is done."""

    __tablename__ = "corrective_actions"
    __audited__ = True
    __table_args__ = (CheckConstraint("due_on >= start_on", name="due_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    drill_id: Mapped[int | None] = mapped_column(ForeignKey("drills.id", ondelete="SET NULL"),
                                                 index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    element: Mapped[Poete] = mapped_column(db_enum(Poete, "poete_element"))
    capability: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(100))
    start_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[ActionStatus] = mapped_column(db_enum(ActionStatus, "action_status"),
                                                 default=ActionStatus.OPEN, index=True)
    closed_on: Mapped[date | None]
    closing_note: Mapped[str] = mapped_column(Text, default="")
    flags_plan: Mapped[bool] = mapped_column(default=False)

    drill: Mapped[Drill | None] = relationship(back_populates="actions")
    area: Mapped[Area] = relationship()

    def overdue(self, today: date) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS) and \
            self.due_on < today
