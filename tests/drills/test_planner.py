"""The drill planner service: the problem from the database, the solve, and one-step creation."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.services import principal_of
from app.core.actor import reset_actor, set_actor
from app.core.clock import district_today
from app.core.errors import Forbidden, ValidationFailed
from app.core.vocabulary import AreaLevel
from app.drills import planner
from app.drills import services as drills
from app.drills.enums import DrillStatus
from app.models import Area, Drill, DrillRequirement, Team
from drills import timetable
from drills.validate import violations

Y = district_today().year + 2  # the demo's drills lie within months of today: none this year
YEAR = (date(Y, 1, 1), date(Y, 12, 31))
WEEKEND = [5, 6]
DRILL = {"exercise_type": "drill", "form": "live", "hazard": "fire",
         "start_time": time(9, 30), "duration_minutes": 120, "title": "{community}综合应急演练"}


def draft(ctx: Any, **kw: Any) -> planner.Draft:
    options = {"start": YEAR[0], "end": YEAR[1], "weekdays": WEEKEND,
               "max_per_street_per_day": 1, "min_gap_days": 28, "team_max_per_month": 2, **kw}
    return planner.build(ctx, **options)


def as_user(ctx: Any, username: str) -> object:
    from app.models import User
    return set_actor(principal_of(ctx.scalar(select(User).where(User.username == username))))


def test_every_community_in_scope_is_in_the_problem_with_its_teams(ctx: Any, demo: Any) -> None:
    problem = draft(ctx).problem
    codes = sorted(ctx.scalars(select(Area.code).where(Area.level == AreaLevel.COMMUNITY)))
    assert [c.code for c in problem.communities] == codes and len(codes) == 4
    c01 = next(c for c in problem.communities if c.code == "S01-C01")
    # its own teams first (volunteers before command), then its street's (volunteers, command,
    # rescue); never another community's or the district's
    assert c01.teams == ("T-S01-C01-V", "T-S01-C01-CMD", "T-S01-V", "T-S01-CMD", "T-S01-R")
    assert c01.street == "S01" and c01.min_gap_days == 28
    # REQ-COMMUNITY: 1 drill every 12 months, so one drill in a calendar year
    assert all(c.drills == 1 for c in problem.communities)
    assert {t.code for t in problem.teams} >= set(c01.teams)
    assert all(t.max_per_month == 2 for t in problem.teams)
    assert problem.weekdays == frozenset(WEEKEND) and problem.max_per_street_per_day == 1


def test_the_requirement_sets_the_number_and_drills_already_planned_count(ctx: Any,
                                                                          demo: Any) -> None:
    req = ctx.scalar(select(DrillRequirement).where(DrillRequirement.code == "REQ-COMMUNITY"))
    req.every_months, req.min_drills = 3, 1
    ctx.commit()
    drills.create(ctx, {"title": "已有演练", "exercise_type": "drill", "form": "live",
                        "hazard": "fire", "area": "S01-C01-G01",
                        "starts_at": f"{Y}-03-13T09:30", "teams": ["T-S01-C01-V"]})
    built = draft(ctx)
    need = {n.code: n for n in built.needs}
    assert need["S01-C01"].required == 4 and need["S01-C01"].existing == 1
    assert {c.code: c.drills for c in built.problem.communities} == {
        "S01-C01": 3, "S01-C02": 4, "S02-C01": 4, "S02-C02": 4}
    # a drill outside the horizon, or cancelled, does not count
    assert draft(ctx, start=date(Y, 4, 1)).needs[0].existing == 0
    assert planner.drills_needed(req, date(2027, 1, 1), date(2028, 12, 31)) == 8
    assert planner.drills_needed(req, date(2027, 1, 1), date(2027, 2, 10)) == 1
    assert planner.drills_needed(req, date(2028, 1, 1), date(2028, 12, 31)) == 4  # leap year


def test_a_community_without_a_team_is_reported_not_dropped(ctx: Any, demo: Any) -> None:
    c02 = ctx.scalar(select(Area).where(Area.code == "S02-C02"))
    lonely = Area(code="S02-C09", level=AreaLevel.COMMUNITY, parent_id=c02.parent_id,
                  name_zh="新社区", name_en="New community")
    ctx.add(lonely)
    ctx.flush()
    lonely.path = f"{c02.parent.path}{lonely.id}/"
    street_teams = ctx.scalars(select(Team).where(Team.home_area_id == c02.parent_id)).all()
    for team in street_teams:  # a street without teams of its own
        team.home_area_id = c02.id
    ctx.commit()
    built = draft(ctx)
    assert [n.code for n in built.without_team] == ["S02-C09"]
    assert next(c for c in built.problem.communities if c.code == "S02-C09").teams == ()
    table = planner.solve(built.problem, 5)
    assert table.status == "infeasible" and "S02-C09" in table.reason
    assert "S02-C09" in planner.explain(table.reason, built.problem)
    # leaving it out plans the others
    others = draft(ctx, communities=["S01-C01", "S01-C02", "S02-C01", "S02-C02"])
    assert planner.solve(others.problem, 5).status in ("optimal", "feasible")


def test_the_solve_is_feasible_and_passes_the_validator(ctx: Any, demo: Any) -> None:
    built = draft(ctx, drills_per_community=4, min_gap_days=60,
                  blackout=planner.parse_blackout(f"{Y}-06-01..{Y}-09-30\n{Y}-10-02"))
    table = planner.solve(built.problem, 10)
    assert table.status in ("optimal", "feasible")
    assert len(table.drills) == 16 and violations(built.problem, table.drills) == []
    days = [date.fromisoformat(d.date) for d in table.drills]
    assert all(d.weekday() in WEEKEND and not date(Y, 6, 1) <= d <= date(Y, 9, 30)
               for d in days)
    months = planner.by_month(table, built.problem)
    assert len(months) == 12 and sum(n for _m, n in months) == 16
    assert all(n == 0 for m, n in months if 6 <= m.month <= 9)


def test_create_writes_exactly_the_previewed_drills(ctx: Any, demo: Any) -> None:
    built = draft(ctx)
    table = planner.solve(built.problem, 5)
    before = ctx.query(Drill).count()
    codes = planner.create_drills(ctx, table, problem=built.problem, **DRILL)
    assert len(codes) == len(table.drills) == 4 and ctx.query(Drill).count() == before + 4
    made = ctx.scalars(select(Drill).where(Drill.code.in_(codes))).all()
    got = {(d.area.code, drills.local_date(d.starts_at).isoformat(), d.teams[0].code)
           for d in made}
    assert got == {(d.community, d.date, d.team) for d in table.drills}
    first = min(made, key=lambda d: d.starts_at)
    assert first.status is DrillStatus.PLANNED and first.created_by == "test"
    assert first.starts_at.astimezone(drills.local_tz()).time() == time(9, 30)
    assert (first.ends_at - first.starts_at).total_seconds() == 7200
    assert first.title.endswith("综合应急演练") and first.area.name_zh in first.title
    assert all(c.startswith(f"DRL-{Y}-") for c in codes)
    # the plan is now complete: a fresh problem needs nothing more, and the same timetable
    # posted twice is refused
    again = draft(ctx)
    assert all(c.drills == 0 for c in again.problem.communities)
    with pytest.raises(ValidationFailed):
        planner.create_drills(ctx, table, problem=again.problem, **DRILL)
    assert ctx.query(Drill).count() == before + 4


@pytest.mark.parametrize("tamper", ["team", "weekday", "extra", "missing"])
def test_a_tampered_schedule_is_refused_and_nothing_is_written(ctx: Any, demo: Any,
                                                               tamper: str) -> None:
    built = draft(ctx)
    table = planner.solve(built.problem, 5)
    rows = list(table.drills)
    if tamper == "team":  # another community's team
        rows[0] = replace(rows[0], team="T-S02-C02-V" if rows[0].community.startswith("S01")
                          else "T-S01-C01-V")
    elif tamper == "weekday":
        rows[0] = replace(rows[0], date=next(  # a Wednesday
            date(Y, 3, d).isoformat() for d in range(1, 8) if date(Y, 3, d).weekday() == 2))
    elif tamper == "extra":
        rows.append(replace(rows[0], date=f"{Y}-12-25"))
    else:
        rows.pop()
    before = ctx.query(Drill).count()
    with pytest.raises(ValidationFailed) as err:
        planner.create_drills(ctx, rows, problem=built.problem, **DRILL)
    assert err.value.field == "schedule"
    assert ctx.query(Drill).count() == before


def test_creation_is_one_transaction(ctx: Any, demo: Any) -> None:
    """A drill that cannot be written (its team vanished) takes the others with it."""
    built = draft(ctx)
    table = planner.solve(built.problem, 5)
    last = max(table.drills, key=lambda d: (d.date, d.community))  # written last
    problem = replace(built.problem, communities=[
        replace(c, teams=("T-GHOST",)) if c.code == last.community else c
        for c in built.problem.communities])
    rows = [replace(d, team="T-GHOST") if d == last else d for d in table.drills]
    assert violations(problem, rows) == []
    before = ctx.query(Drill).count()
    with pytest.raises(ValidationFailed):
        planner.create_drills(ctx, rows, problem=problem, **DRILL)
    assert ctx.query(Drill).count() == before


def test_an_infeasible_plan_names_the_rule_that_blocks(ctx: Any, demo: Any) -> None:
    built = draft(ctx, drills_per_community=30, min_gap_days=0, team_max_per_month=None,
                  blackout=planner.parse_blackout(f"{Y}-03-01..{Y}-12-31"))
    table = planner.solve(built.problem, 5)
    assert table.status == "infeasible"
    words = planner.explain(table.reason, built.problem)
    assert words != table.reason and "S01" in words
    # the relaxation diagnosis in plain words
    assert planner.explain("the rule that blocks is each team at most one drill a day: without "
                           "it a timetable exists", built.problem).startswith(
        "The rule that blocks is: each team at most one drill a day")
    assert planner.explain("something new", built.problem) == "something new"


def test_bad_inputs_are_refused_with_their_field(ctx: Any, demo: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        draft(ctx, start=date(2027, 12, 31), end=date(2027, 1, 1))
    assert err.value.field == "end"
    with pytest.raises(ValidationFailed) as err:
        draft(ctx, weekdays=[])
    assert err.value.field == "weekdays"
    for text in ("2027-02-30", "2027-06-01..", "2027-09-30..2027-06-01", "next week"):
        with pytest.raises(ValidationFailed) as err:
            planner.parse_blackout(text)
        assert err.value.field == "blackout"
    assert planner.parse_blackout("2027-06-01..2027-06-03\n\n2027-10-01  # holiday") == {
        date(2027, 6, 1), date(2027, 6, 2), date(2027, 6, 3), date(2027, 10, 1)}


def test_scope_and_role(ctx: Any, demo: Any) -> None:
    before = ctx.query(Drill).count()
    token = as_user(ctx, "staff")
    try:
        assert [c.code for c in draft(ctx).problem.communities] == ["S01-C01"]
        with pytest.raises(Forbidden):
            draft(ctx, communities=["S02-C01"])
    finally:
        reset_actor(token)
    token = as_user(ctx, "official")
    try:
        built = draft(ctx)
        table = planner.solve(built.problem, 5)
        with pytest.raises(Forbidden):
            planner.create_drills(ctx, table, problem=built.problem, **DRILL)
    finally:
        reset_actor(token)
    assert ctx.query(Drill).count() == before


def test_a_community_that_needs_no_more_drills_does_not_stop_the_others() -> None:
    """drills.timetable's greedy start once failed on a listed community needing 0 drills."""
    problem = timetable.TimetableProblem(
        date(2027, 1, 1), date(2027, 3, 31),
        [timetable.Community("A", "S", 0, 0, ("T",)), timetable.Community("B", "S", 2, 0, ("T",))],
        weekdays=frozenset({5, 6}))
    table = timetable.solve(problem, timetable.TimetableParams(time_limit_s=5))
    assert table.status in ("optimal", "feasible") and len(table.drills) == 2
    assert violations(problem, table.drills) == []
    assert planner.solve(replace(problem, communities=[problem.communities[0]])).drills == []


def _c(code: str, street: str, drills: int, teams: tuple[str, ...], gap: int = 0
       ) -> timetable.Community:
    return timetable.Community(code, street, drills, gap, teams)


SUNDAY = date(2027, 1, 3)
BLOCKED = {  # a problem per reason the generator gives, and words the translation keeps
    "no day": (timetable.TimetableProblem(SUNDAY, SUNDAY, [_c("A", "S", 1, ("T",))],
                                          weekdays=frozenset({0})), "2027-01-03"),
    "no team": (timetable.TimetableProblem(SUNDAY, SUNDAY, [_c("A", "S", 1, ())]), "A"),
    "gap": (timetable.TimetableProblem(date(2027, 1, 1), date(2027, 1, 30),
                                       [_c("A", "S", 3, ("T",), gap=30)]), "30"),
    "team": (timetable.TimetableProblem(date(2027, 1, 1), date(2027, 2, 28),
                                        [_c("A", "S", 5, ("T",))],
                                        [timetable.DrillTeam("T", 1)]), "T"),
    "street": (timetable.TimetableProblem(SUNDAY, SUNDAY, [_c("A", "S", 1, ("T",)),
                                                           _c("B", "S", 1, ("U",))]), "S"),
    "shared team": (timetable.TimetableProblem(
        date(2027, 1, 1), date(2027, 1, 31), [_c("A", "S", 1, ("T",)), _c("B", "R", 1, ("T",))],
        [timetable.DrillTeam("T", 1)]), "T"),
    "relaxed": (timetable.TimetableProblem(SUNDAY, SUNDAY, [
        _c("A", "S", 1, ("T",)), _c("B", "R", 1, ("T", "U")), _c("C", "Q", 1, ("U",))]),
        "each team at most one drill a day"),
}


@pytest.mark.parametrize("case", sorted(BLOCKED))
def test_every_reason_the_generator_gives_is_put_in_plain_words(case: str) -> None:
    problem, kept = BLOCKED[case]
    table = timetable.solve(problem, timetable.TimetableParams(time_limit_s=5))
    assert table.status == "infeasible" and table.reason
    words = planner.explain(table.reason, problem)
    assert words != table.reason, table.reason  # a pattern matched: the text is translatable
    assert kept in words
