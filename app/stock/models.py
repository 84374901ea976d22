"""Depots, stock lots and the append-only ledger that is the only way stock changes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.areas.models import Area
from app.core.db import Base, utcnow
from app.core.models import Named, Timestamps
from app.core.vocabulary import PopulationGroup, SourceStatus, db_enum
from app.stock.enums import (
    ItemCategory,
    LedgerKind,
    NormBasis,
    NormPeriod,
    ReserveMode,
    VehicleKind,
)


class Depot(Named, Timestamps, Base):
    __tablename__ = "depots"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)

    area: Mapped[Area] = relationship()
    minimums: Mapped[list[DepotMinimum]] = relationship(back_populates="depot",
                                                         cascade="all, delete-orphan")
    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="depot",
                                                   cascade="all, delete-orphan",
                                                   order_by="Vehicle.code")


class Vehicle(Timestamps, Base):
    """A vehicle a depot can load, with what it may carry and who drives it."""

    __tablename__ = "vehicles"
    __audited__ = True
    __table_args__ = (CheckConstraint("payload_kg > 0 AND volume_m3 > 0",
                                      name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    plate: Mapped[str] = mapped_column(String(20))  # 车牌, e.g. 粤B·D1234
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[VehicleKind] = mapped_column(db_enum(VehicleKind, "vehicle_kind"))
    payload_kg: Mapped[float]
    volume_m3: Mapped[float]
    driver_name: Mapped[str] = mapped_column(String(100), default="")
    driver_phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)

    depot: Mapped[Depot] = relationship(back_populates="vehicles")

    @property
    def area(self) -> Area:
        """The depot's area: what decides who may see and change the vehicle."""
        return self.depot.area


class DepotMinimum(Base):
    """A depot-specific minimum level overriding the item's default, and the depot's protected
    reserve of the item: a floor that allocation plans never ship unless a coordinator
    releases it for an incident (None: the minimum level is the floor)."""

    __tablename__ = "depot_minimums"
    __audited__ = True
    __table_args__ = (CheckConstraint("minimum >= 0", name="minimum_non_negative"),
                      CheckConstraint("reserve IS NULL OR reserve >= 0",
                                      name="reserve_non_negative"))

    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="CASCADE"),
                                          primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"),
                                         primary_key=True)
    minimum: Mapped[int]
    reserve: Mapped[int | None] = mapped_column(default=None)
    reserve_source: Mapped[str] = mapped_column(String(300), default="")

    depot: Mapped[Depot] = relationship(back_populates="minimums")
    item: Mapped[Item] = relationship()


class StockLot(Timestamps, Base):
    """A lot of one item in one depot. on_hand and reserved are caches of the ledger."""

    __tablename__ = "stock_lots"
    __audited__ = False  # every change is already a ledger entry with its actor
    __table_args__ = (
        UniqueConstraint("depot_id", "item_id", "lot_number"),
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        Index("ix_stock_lots_item_depot", "item_id", "depot_id"),
        Index("ix_stock_lots_expiry", "expiry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id", ondelete="RESTRICT"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    lot_number: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date | None]
    received_on: Mapped[date]
    supplier: Mapped[str] = mapped_column(String(200), default="")
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)

    depot: Mapped[Depot] = relationship()
    item: Mapped[Item] = relationship()

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def is_expired(self, on: date) -> bool:
        return self.expiry_date is not None and self.expiry_date < on


class LedgerEntry(Base):
    """One change to one lot. Rows are never updated or deleted (enforced by triggers)."""

    __tablename__ = "stock_ledger"
    __table_args__ = (
        Index("ix_stock_ledger_lot_id", "lot_id", "id"),
        CheckConstraint("on_hand_after >= 0 AND reserved_after >= 0 "
                        "AND reserved_after <= on_hand_after", name="balance_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lots.id", ondelete="RESTRICT"))
    kind: Mapped[LedgerKind] = mapped_column(db_enum(LedgerKind, "ledger_kind"))
    on_hand_delta: Mapped[int] = mapped_column(default=0)
    reserved_delta: Mapped[int] = mapped_column(default=0)
    on_hand_after: Mapped[int]
    reserved_after: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(100), default="", index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    lot: Mapped[StockLot] = relationship()


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
    volume_m3: Mapped[float] = mapped_column(default=0.001)  # per unit, packed
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
