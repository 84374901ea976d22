"""The dashboard's readiness roll-up: team strength per level, kept per process but never
stale."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.models import Area, Member, MobilisationLevel, Team
from app.models.enums import Availability
from app.services import levels
from app.services.readiness import readiness


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
