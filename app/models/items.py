"""Supply items and the planning norms that turn people into needs."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models.common import Named, Timestamps
from app.models.enums import (
    ItemCategory,
    NormBasis,
    NormPeriod,
    PopulationGroup,
    ReserveMode,
    SourceStatus,
    db_enum,
)


class Item(Named, Timestamps, Base):
    __tablename__ = "items"
    __audited__ = True
    __table_args__ = (CheckConstraint("min_per_depot >= 0", name="min_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[ItemCategory] = mapped_column(db_enum(ItemCategory, "item_category"))
    unit_zh: Mapped[str] = mapped_column(String(32))
    unit_en: Mapped[str] = mapped_column(String(32))
    shelf_life_days: Mapped[int | None]
    reserve_mode: Mapped[ReserveMode] = mapped_column(db_enum(ReserveMode, "reserve_mode"),
                                                      default=ReserveMode.PHYSICAL)
    weight_kg: Mapped[float] = mapped_column(default=1.0)
    min_per_depot: Mapped[int] = mapped_column(default=0)

    norms: Mapped[list[PlanningNorm]] = relationship(back_populates="item")


class PlanningNorm(Timestamps, Base):
    """Need = quantity per basis per period, for a population group; carries its source."""

    __tablename__ = "planning_norms"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("basis != 'people_n' OR people_n > 0", name="people_n_set"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    # A local override applies to this area's subtree; None is the default everywhere.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    population_group: Mapped[PopulationGroup] = mapped_column(
        db_enum(PopulationGroup, "population_group"), default=PopulationGroup.ALL)
    quantity: Mapped[float]
    basis: Mapped[NormBasis] = mapped_column(db_enum(NormBasis, "norm_basis"),
                                             default=NormBasis.PERSON)
    people_n: Mapped[int | None]
    period: Mapped[NormPeriod] = mapped_column(db_enum(NormPeriod, "norm_period"),
                                               default=NormPeriod.DAY)
    source: Mapped[str] = mapped_column(String(500))
    status: Mapped[SourceStatus] = mapped_column(db_enum(SourceStatus, "source_status"))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    item: Mapped[Item] = relationship(back_populates="norms")
