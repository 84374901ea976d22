"""Response teams, their members and the members' qualifications."""
from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.areas import Area
from app.models.common import Named, Timestamps
from app.models.enums import Availability, Speciality, TeamKind, db_enum


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
