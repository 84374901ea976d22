"""The dashboard's readiness roll-up: team strength per level, kept per process but never
stale."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.dashboard.services import readiness
from app.models import Area, Member, MobilisationLevel, Team
from app.resources import levels
from app.resources.enums import Availability


def _expected(session: Any, unit: Area) -> dict[int, tuple[int, int]]:
    """Team strength the slow, independent way: the declaration's own teams_mobilised."""
    out = {}
    for level in session.scalars(select(MobilisationLevel)):
        teams = [t for t in levels.teams_mobilised(session, level, unit)
                 if t.availability is not Availability.UNAVAILABLE]
        out[level.level] = (len(teams), sum(1 for t in teams for m in t.members if m.active))
    return out


def _strength(session: Any, code: str) -> dict[str, dict[int, tuple[int, int]]]:
    data = readiness(session, code)
    return {row.code: row.teams_by_level for row in [data["area"], *data["children"]]}


def _check_every_unit(session: Any) -> None:
    for top in ("D01", "S01", "S02"):
        for code, strength in _strength(session, top).items():
            unit = session.scalars(select(Area).where(Area.code == code)).one()
            assert strength == _expected(session, unit), code


def test_team_strength_matches_the_declarations_rules_for_every_unit(ctx: Any,
                                                                       demo: Any) -> None:
    _check_every_unit(ctx)
    district = _strength(ctx, "D01")["D01"]
    assert district[1][0] >= district[4][0] > 0  # level Ⅰ calls at least what level Ⅳ calls


def test_a_change_to_teams_members_or_rules_shows_at_once(ctx: Any, demo: Any) -> None:
    before = _strength(ctx, "D01")
    assert _strength(ctx, "D01") == before  # unchanged data: the same answer

    member = ctx.scalars(select(Member).where(Member.active.is_(True))).first()
    member.active = False
    ctx.commit()
    after_member = _strength(ctx, "D01")
    assert after_member != before
    _check_every_unit(ctx)

    team = ctx.scalars(select(Team).where(Team.availability != Availability.UNAVAILABLE)
                       ).first()
    team.availability = Availability.UNAVAILABLE
    ctx.commit()
    after_team = _strength(ctx, "D01")
    assert after_team != after_member
    _check_every_unit(ctx)

    levels.update_level(ctx, "D01", 4, {"rules": []})  # level Ⅳ calls nobody now
    after_rules = _strength(ctx, "D01")
    assert all(per_level[4] == (0, 0) for per_level in after_rules.values())
    assert after_rules != after_team
    _check_every_unit(ctx)

    ctx.delete(ctx.get(Member, member.id))
    ctx.commit()
    _check_every_unit(ctx)


def test_stock_shelters_and_minimums_roll_up_to_every_unit(ctx: Any, demo: Any) -> None:
    """Each unit's figures, recomputed lot by lot and shelter by shelter."""
    from datetime import timedelta

    from app.core.clock import district_today
    from app.models import Depot, Shelter, StockLot
    from app.stock.summary import below_minimum_pairs

    today = district_today()
    horizon = today + timedelta(days=30)
    lots = ctx.execute(select(StockLot, Area.path).join(Depot, Depot.id == StockLot.depot_id)
                       .join(Area, Area.id == Depot.area_id)).all()
    shelters = ctx.execute(select(Shelter, Area.path).join(Area, Area.id == Shelter.area_id)
                           ).all()
    for top in ("D01", "S01", "S02"):
        data = readiness(ctx, top)
        for row in [data["area"], *data["children"]]:
            unit = ctx.scalars(select(Area).where(Area.code == row.code)).one()
            mine = [lot for lot, path in lots if path.startswith(unit.path) and lot.on_hand > 0]
            usable = [lot for lot in mine if lot.expiry_date is None or lot.expiry_date >= today]
            assert row.expired_lots == len(mine) - len(usable), row.code
            assert row.expiring_lots == sum(1 for lot in usable if lot.expiry_date is not None
                                            and lot.expiry_date <= horizon), row.code
            assert row.shelter_places == sum(
                max(s.capacity - s.occupancy, 0) for s, path in shelters
                if path.startswith(unit.path) and s.status.value != "closed"), row.code
            assert row.below_minimum == len(ctx.execute(below_minimum_pairs(unit.path)).all())
            for item_code, days in row.days.items():
                held = sum(lot.on_hand - lot.reserved for lot in usable
                           if lot.item.code == item_code)
                assert (days == 0) == (held == 0), (row.code, item_code)
        assert data["area"].expiring_lots == sum(c.expiring_lots for c in data["children"]) + \
            _own(ctx, data["area"].code, lots, today, horizon)


def _own(session: Any, code: str, lots: Any, today: Any, horizon: Any) -> int:
    """Lots expiring soon in depots held by the area itself, not by a sub-area."""
    area = session.scalars(select(Area).where(Area.code == code)).one()
    from app.models import Depot
    own = {d.id for d in session.scalars(select(Depot).where(Depot.area_id == area.id))}
    return sum(1 for lot, _ in lots if lot.depot_id in own and lot.on_hand > 0
               and lot.expiry_date is not None and today <= lot.expiry_date <= horizon)
