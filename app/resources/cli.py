"""`readygrid shelters list` and `readygrid teams list`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import db


def shelter_rows(_level: str | None) -> list[dict[str, Any]]:
    from app.resources.models import Shelter
    return [{"code": s.code, "name_zh": s.name_zh, "area": s.area.code,
             "class": s.duration_class.value, "grade": s.grade.value, "capacity": s.capacity,
             "occupancy": s.occupancy, "status": s.status.value,
             "facilities": ",".join(s.facilities)}
            for s in db.session().scalars(select(Shelter).options(selectinload(Shelter.area))
                                          .order_by(Shelter.code))]


def team_rows(_level: str | None) -> list[dict[str, Any]]:
    from app.resources.models import Team
    return [{"code": t.code, "name_zh": t.name_zh, "kind": t.kind.value,
             "speciality": t.speciality.value, "area": t.home_area.code,
             "members": len(t.members), "availability": t.availability.value}
            for t in db.session().scalars(select(Team).options(
                selectinload(Team.home_area), selectinload(Team.members)).order_by(Team.code))]
