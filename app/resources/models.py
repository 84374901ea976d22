"""Shelters (应急避难场所) with capacity and live occupancy."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area
from app.core.db import Base, utcnow
from app.core.models import Named, Timestamps
from app.core.vocabulary import SourceStatus, db_enum
from app.resources.enums import (
    Availability,
    MobilisationScope,
    PointKind,
    ShelterDuration,
    ShelterGrade,
    ShelterStatus,
    Speciality,
    TeamKind,
)
from app.stock.models import Depot


class Shelter(Named, Timestamps, Base):
    __tablename__ = "shelters"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        CheckConstraint("occupancy >= 0", name="occupancy_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address: Mapped[str] = mapped_column(String(300), default="")
    duration_class: Mapped[ShelterDuration] = mapped_column(
        db_enum(ShelterDuration, "shelter_duration"))
    grade: Mapped[ShelterGrade] = mapped_column(db_enum(ShelterGrade, "shelter_grade"))
    indoor: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int]
    usable_area_m2: Mapped[float | None]
    facilities: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[ShelterStatus] = mapped_column(db_enum(ShelterStatus, "shelter_status"),
                                                  default=ShelterStatus.READY)
    occupancy: Mapped[int] = mapped_column(default=0)
    occupancy_updated_at: Mapped[datetime | None]
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    area: Mapped[Area] = relationship()

    @property
    def free_places(self) -> int:
        return max(self.capacity - self.occupancy, 0)


class ReceivingPoint(Timestamps, Base):
    """Where a community (or a large grid) receives supplies (物资接收点): one of its depots, a
    shelter or an address, with the person who signs for them. Plans send to the point, and the
    community shares what arrives over its grids (the distribution list)."""

    __tablename__ = "receiving_points"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("(kind <> 'depot' OR depot_id IS NOT NULL) AND "
                        "(kind <> 'shelter' OR shelter_id IS NOT NULL)", name="kind_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"),
                                         unique=True)
    kind: Mapped[PointKind] = mapped_column(db_enum(PointKind, "point_kind"))
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"))
    shelter_id: Mapped[int | None] = mapped_column(ForeignKey("shelters.id",
                                                              ondelete="RESTRICT"))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[Area] = relationship()
    depot: Mapped[Depot | None] = relationship()
    shelter: Mapped[Shelter | None] = relationship()

    @property
    def place(self) -> Any:
        """The depot or shelter it is at, or None for an address."""
        return self.depot if self.kind is PointKind.DEPOT else (
            self.shelter if self.kind is PointKind.SHELTER else None)

    @property
    def location(self) -> tuple[float | None, float | None]:
        """Where vehicles go: the point's own coordinates, else its depot's or shelter's, else
        its area's centre."""
        if self.lat is not None and self.lon is not None:
            return self.lat, self.lon
        place = self.place
        if place is not None and place.lat is not None and place.lon is not None:
            return place.lat, place.lon
        return self.area.lat, self.area.lon

    @property
    def full_address(self) -> str:
        place = self.place
        return self.address or (place.address if place is not None else "")


class OccupancyReport(Base):
    """Every occupancy update, so the live figure has a history and an author."""

    __tablename__ = "shelter_occupancy_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="CASCADE"),
                                            index=True)
    occupancy: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100), default="")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Team(Named, Timestamps, Base):
    __tablename__ = "teams"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[TeamKind] = mapped_column(db_enum(TeamKind, "team_kind"))
    speciality: Mapped[Speciality] = mapped_column(db_enum(Speciality, "speciality"),
                                                   default=Speciality.GENERAL)
    home_area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"),
                                              index=True)
    base_lat: Mapped[float | None]
    base_lon: Mapped[float | None]
    base_address: Mapped[str] = mapped_column(String(300), default="")
    availability: Mapped[Availability] = mapped_column(db_enum(Availability, "availability"),
                                                       default=Availability.AVAILABLE)
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    home_area: Mapped[Area] = relationship()
    members: Mapped[list[Member]] = relationship(back_populates="team",
                                                 cascade="all, delete-orphan",
                                                 order_by="Member.id")


class Member(Timestamps, Base):
    __tablename__ = "team_members"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team] = relationship(back_populates="members")
    qualifications: Mapped[list[Qualification]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Qualification.id")


class Qualification(Base):
    __tablename__ = "qualifications"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("team_members.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[date | None]

    member: Mapped[Member] = relationship(back_populates="qualifications")


class MobilisationLevel(Timestamps, Base):
    __tablename__ = "mobilisation_levels"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("district_id", "level"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
        CheckConstraint("reserve_release_pct BETWEEN 0 AND 100", name="release_pct_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    level: Mapped[int]  # 1 = 一级 (highest) .. 4 = 四级
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))
    colour: Mapped[str] = mapped_column(String(20))
    colour_hex: Mapped[str] = mapped_column(String(7))
    severity_zh: Mapped[str] = mapped_column(String(50))
    severity_en: Mapped[str] = mapped_column(String(50))
    trigger_zh: Mapped[str] = mapped_column(Text, default="")
    trigger_en: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    # How much of the depots' protected reserves a plan at this level may use (0-100 %).
    reserve_release_pct: Mapped[int] = mapped_column(default=0)
    reserve_release_source: Mapped[str] = mapped_column(String(300), default="")
    reserve_release_status: Mapped[SourceStatus] = mapped_column(
        db_enum(SourceStatus, "reserve_release_status"), default=SourceStatus.UNVERIFIED)

    district: Mapped[Area] = relationship()
    rules: Mapped[list[MobilisationRule]] = relationship(
        back_populates="level_", cascade="all, delete-orphan", order_by="MobilisationRule.id")
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="level_", cascade="all, delete-orphan", order_by="ChecklistItem.position")


class MobilisationRule(Base):
    """Teams of this kind (and speciality) within this scope mobilise at the level."""

    __tablename__ = "mobilisation_rules"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("mobilisation_levels.id",
                                                     ondelete="CASCADE"), index=True)
    team_kind: Mapped[TeamKind] = mapped_column(db_enum(TeamKind, "rule_team_kind"))
    speciality: Mapped[Speciality | None] = mapped_column(db_enum(Speciality, "rule_speciality"))
    scope: Mapped[MobilisationScope] = mapped_column(db_enum(MobilisationScope, "rule_scope"))

    level_: Mapped[MobilisationLevel] = relationship(back_populates="rules")


class ChecklistItem(Base):
    __tablename__ = "mobilisation_checklist"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("mobilisation_levels.id",
                                                     ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(100), default="")

    level_: Mapped[MobilisationLevel] = relationship(back_populates="checklist")
