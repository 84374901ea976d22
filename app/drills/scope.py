"""What the actor may filter by and pick when planning a drill: areas, teams, plans, venues.

The pages offer these choices and the services accept them (scoped_by_code, ensure_applies),
so both read the same rules of the actor's areas from here.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.contingency.models import ContingencyPlan
from app.core.access import in_scope_or_above
from app.core.lookup import actor
from app.core.vocabulary import AreaLevel
from app.resources.models import Shelter, Team


def area_filter(session: Session, code: str | None) -> Area | None:
    """The area with this code if it lies in the actor's subtree, else None (a filter that
    names nothing visible is ignored)."""
    if not code:
        return None
    area = session.scalar(select(Area).where(Area.code == code))
    return area if area is not None and actor().covers(area.path) else None


def team_filter(session: Session, code: str | None) -> Team | None:
    """The team with this code if its home area lies in the actor's subtree, else None."""
    if not code:
        return None
    team = session.scalar(select(Team).where(Team.code == code)
                          .options(selectinload(Team.home_area)))
    return team if team is not None and actor().covers(team.home_area.path) else None


def own_area(session: Session) -> Area:
    """The actor's own area (the district for the system actor)."""
    who = actor()
    if who.area_id is not None:
        return session.get_one(Area, who.area_id)
    return session.scalars(select(Area).where(Area.path.startswith(who.area_path))
                           .order_by(Area.path)).first()  # type: ignore[return-value]


def plannable_areas(session: Session) -> list[Area]:
    """Areas a drill can be planned for: the subtree, grids only below a community."""
    me = own_area(session)
    stmt = select(Area).where(Area.path.startswith(actor().area_path)).order_by(Area.path)
    if me.level not in (AreaLevel.COMMUNITY, AreaLevel.GRID):
        stmt = stmt.where(Area.level != AreaLevel.GRID)
    return list(session.scalars(stmt))


def teams(session: Session) -> list[Team]:
    """Teams of the actor's areas, with their members."""
    return list(session.scalars(
        select(Team).join(Area, Area.id == Team.home_area_id)
        .where(Area.path.startswith(actor().area_path)).options(selectinload(Team.members))
        .order_by(Area.path, Team.code)))


def active_members(team: Team) -> int:
    return sum(1 for m in team.members if m.active)


def expected_participants(session: Session, codes: list[str]) -> int:
    """What the teams named bring: their active members (the default head count)."""
    members = {t.code: active_members(t) for t in teams(session)}
    return sum(members.get(c, 0) for c in codes)


def linkable_plans(session: Session) -> list[ContingencyPlan]:
    """Plans a drill may exercise: of the actor's areas or of the areas above them (as
    services._linked_plan checks with ensure_applies), never a sibling's."""
    return list(session.scalars(
        select(ContingencyPlan).join(Area, Area.id == ContingencyPlan.area_id)
        .where(in_scope_or_above(Area.path)).order_by(ContingencyPlan.code)))


def venue_shelters(session: Session) -> list[Shelter]:
    """Shelters of the actor's areas (a drill's venue is scoped_by_code)."""
    return list(session.scalars(select(Shelter).join(Area, Area.id == Shelter.area_id)
                                .where(Area.path.startswith(actor().area_path))
                                .order_by(Shelter.code)))
