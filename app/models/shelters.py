"""Shelters (应急避难场所) with capacity and live occupancy."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.models.areas import Area
from app.models.common import Named, Timestamps
from app.models.enums import ShelterDuration, ShelterGrade, ShelterStatus, db_enum


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
