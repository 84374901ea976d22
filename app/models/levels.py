"""Mobilisation levels: what response Ⅰ–Ⅳ activates, per district."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.areas import Area
from app.models.common import Timestamps
from app.models.enums import MobilisationScope, Speciality, TeamKind, db_enum


class MobilisationLevel(Timestamps, Base):
    __tablename__ = "mobilisation_levels"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("district_id", "level"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
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
