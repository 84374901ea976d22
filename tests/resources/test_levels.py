"""What each response level mobilises, per its rules."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.models import Area, Team
from app.resources.enums import TeamKind
from app.resources.levels import get_level, teams_mobilised


def _mobilised(ctx: Any, level: int, area_code: str) -> list[Team]:
    area = ctx.scalar(select(Area).where(Area.code == area_code))
    return teams_mobilised(ctx, get_level(ctx, "D01", level), area)


def test_level_four_calls_only_the_communitys_own_teams(ctx: Any, demo: Any) -> None:
    teams = _mobilised(ctx, 4, "S01-C01")
    assert {t.code for t in teams} == {"T-S01-C01-CMD", "T-S01-C01-V"}


def test_level_three_calls_the_street(ctx: Any, demo: Any) -> None:
    teams = _mobilised(ctx, 3, "S01-C01")
    assert {t.home_area.code[:3] for t in teams} == {"S01"}
    assert "T-S01-R" in {t.code for t in teams}
    assert not any(t.code.startswith("T-S02") for t in teams)


def test_level_two_adds_district_specialists_by_speciality(ctx: Any, demo: Any) -> None:
    teams = _mobilised(ctx, 2, "S01-C01")
    rescue = [t for t in teams if t.kind == TeamKind.RESCUE and t.home_area.code == "D01"]
    assert {t.speciality.value for t in rescue} == {"fire", "medical", "engineering",
                                                   "water_rescue"}


def test_level_one_calls_every_team_up_the_incidents_line_and_none_sideways(
        ctx: Any, demo: Any) -> None:
    """Level I calls the community's own teams, its street's and the district's, of every
    kind, and never another community's or another street's groups."""
    area = ctx.scalar(select(Area).where(Area.code == "S01-C01"))
    line = {int(a) for a in area.path.strip("/").split("/")}
    expected = {t.code for t in ctx.scalars(select(Team)).all()
                if t.home_area.path.startswith(area.path) or t.home_area_id in line}
    called = {t.code for t in _mobilised(ctx, 1, "S01-C01")}
    assert called == expected and "T-S01-C01-CMD" in called
    assert not {c for c in called if c.startswith(("T-S01-C02", "T-S02"))}
