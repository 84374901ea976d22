"""Situation reports of an incident (its ICS-214 log's own entries) and their photos."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area
from app.core.db import Base, utcnow

#: the counts a report may carry, each with its plausible maximum
COUNTS: dict[str, int] = {"affected": 10_000_000, "evacuated": 10_000_000,
                          "injured": 1_000_000, "missing": 1_000_000, "dead": 1_000_000}
TEXT_MAX = 4000
PHOTO_MAX = 5 * 1024 * 1024


class SituationReport(Base):
    """What a coordinator or community staff saw: text, counts, an optional photo."""

    __tablename__ = "situation_reports"
    __audited__ = True
    __table_args__ = (
        Index("ix_situation_reports_incident_at", "incident_id", "at"),
        CheckConstraint("(affected IS NULL OR affected >= 0) AND (evacuated IS NULL OR "
                        "evacuated >= 0) AND (injured IS NULL OR injured >= 0) AND (missing "
                        "IS NULL OR missing >= 0) AND (dead IS NULL OR dead >= 0)",
                        name="counts_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    affected: Mapped[int | None]
    evacuated: Mapped[int | None]
    injured: Mapped[int | None]
    missing: Mapped[int | None]
    dead: Mapped[int | None]
    photo_type: Mapped[str | None] = mapped_column(String(20))  # the photo's MIME type
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(100), default="")

    area: Mapped[Area | None] = relationship()
    photo: Mapped[SituationPhoto | None] = relationship(  # never loaded with the report
        cascade="all, delete-orphan", lazy="raise_on_sql", passive_deletes=True)


class SituationPhoto(Base):
    """A report's photo, apart so that listing the reports never loads the bytes."""

    __tablename__ = "situation_photos"
    __audited__ = True
    __audit_exclude__ = frozenset({"data"})

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("situation_reports.id", ondelete="CASCADE"), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
