"""Contingency plan versions and the PDF documents of approved versions.

A draft renders from live data; submitting freezes the data into the version's snapshot;
approving stores the snapshot's hash and the rendered PDFs, after which the version never
changes (only its filing date is recorded, and a newer approval supersedes it).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area
from app.contingency.enums import Edition, VersionStatus
from app.core.db import Base, utcnow
from app.core.models import Timestamps
from app.core.vocabulary import Hazard, db_enum


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("plan_id", "number"),
                      CheckConstraint("number > 0", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("contingency_plans.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(db_enum(VersionStatus, "version_status"),
                                                  default=VersionStatus.DRAFT, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime | None]
    approved_by: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # The data the document was written from, frozen at submission (None while a draft).
    snapshot: Mapped[dict[str, Any] | None]
    snapshot_sha256: Mapped[str] = mapped_column(String(64), default="")
    issued_on: Mapped[date | None]
    filing_due: Mapped[date | None]
    filed_on: Mapped[date | None]
    filed_by: Mapped[str] = mapped_column(String(100), default="")

    plan: Mapped[ContingencyPlan] = relationship()
    documents: Mapped[list[PlanDocument]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="PlanDocument.id")


class PlanDocument(Base):
    """One rendered PDF of an approved version: a language and an edition, with its hash."""

    __tablename__ = "plan_documents"
    __table_args__ = (UniqueConstraint("version_id", "lang", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"),
                                            index=True)
    lang: Mapped[str] = mapped_column(String(8))
    edition: Mapped[Edition] = mapped_column(db_enum(Edition, "plan_edition"))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[PlanVersion] = relationship(back_populates="documents")


class ContingencyPlan(Timestamps, Base):
    """An emergency plan (预案) of an area: what drills exercise and findings send back."""

    __tablename__ = "contingency_plans"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    hazard: Mapped[Hazard | None] = mapped_column(db_enum(Hazard, "plan_hazard"))
    # Every hazard the plan covers (the main one first); codes of the Hazard vocabulary.
    hazards: Mapped[list[str]] = mapped_column(default=list)
    # The planning scenario: people displaced (None: the area's population times the main
    # hazard's displaced share in app/seeds/incidents.toml) for so many days (72 h default).
    scenario_displaced: Mapped[int | None]
    scenario_days: Mapped[int] = mapped_column(default=3)
    review_due: Mapped[date | None]
    needs_revision: Mapped[bool] = mapped_column(default=False)
    revision_reasons: Mapped[list[str]] = mapped_column(default=list)

    area: Mapped[Area] = relationship()

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang.startswith("zh") or not self.title_en else self.title_en
