"""The area tree: district > street > community > grid, with the people in it."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base
from app.core.models import Named, Timestamps
from app.core.vocabulary import VULNERABLE_GROUPS, AreaLevel, db_enum

PEOPLE_FIELDS = ("population", "households", *[g.value for g in VULNERABLE_GROUPS])


class Area(Named, Timestamps, Base):
    __tablename__ = "areas"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("population >= 0 AND households >= 0 AND elderly_alone >= 0 AND "
                        "disabled >= 0 AND infants >= 0 AND pregnant >= 0 AND "
                        "chronically_ill >= 0", name="people_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    level: Mapped[AreaLevel] = mapped_column(db_enum(AreaLevel, "area_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"),
                                                  index=True)
    # Materialised path of ids, "/1/4/37/": a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    population: Mapped[int] = mapped_column(default=0)
    households: Mapped[int] = mapped_column(default=0)
    elderly_alone: Mapped[int] = mapped_column(default=0)
    disabled: Mapped[int] = mapped_column(default=0)
    infants: Mapped[int] = mapped_column(default=0)
    pregnant: Mapped[int] = mapped_column(default=0)
    chronically_ill: Mapped[int] = mapped_column(default=0)
    hazards: Mapped[list[str]] = mapped_column(default=list)

    parent: Mapped[Area | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent")

    @property
    def vulnerable(self) -> dict[str, int]:
        return {g.value: getattr(self, g.value) for g in VULNERABLE_GROUPS}

    def unit(self) -> Area:
        """The area that answers for this one in a response: a grid's community (grids have
        no teams, depots or staff of their own), else the area itself."""
        return self.parent if self.level is AreaLevel.GRID and self.parent else self

    @property
    def unit_id(self) -> int:
        """The id of unit(), without loading the parent."""
        return self.parent_id if self.level is AreaLevel.GRID and self.parent_id else self.id

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.level}>"
