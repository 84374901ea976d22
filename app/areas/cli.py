"""`readygrid areas list`: the area tree as a table."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import db


def areas_rows(level: str | None) -> list[dict[str, Any]]:
    from app.areas.models import Area
    stmt = select(Area).options(selectinload(Area.parent)).order_by(Area.code)
    if level:
        stmt = stmt.where(Area.level == level)
    return [{"code": a.code, "level": a.level.value, "name_zh": a.name_zh, "name_en": a.name_en,
             "parent": a.parent.code if a.parent else "", "population": a.population,
             "vulnerable": sum(a.vulnerable.values())} for a in db.session().scalars(stmt)]
