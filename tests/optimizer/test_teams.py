"""The team dispatch optimiser's semantics, pinned on small instances and random ones."""
from __future__ import annotations

import random

import pytest
from ortools.sat.python import cp_model

from optimizer.geo import great_circle_km
from optimizer.teams import (
    Team,
    TeamParams,
    TeamPlan,
    TeamProblem,
    TeamRequirement,
    candidates,
    solve,
)

BASE = (32.05, 118.79)


def north(km: float) -> tuple[float, float]:
    """A point `km` north of BASE (one degree of latitude is about 111.2 km)."""
    return BASE[0] + km / 111.195, BASE[1]


def team(code: str, kind: str = "rescue", speciality: str = "general", km: float = 1.0,
         members: int = 8) -> Team:
    return Team(code, kind, speciality, *north(km), members=members)


def need(area: str, kind: str = "rescue", speciality: str | None = None, count: int = 1,
         priority: float = 1.0) -> TeamRequirement:
    return TeamRequirement(area, *BASE, kind, speciality, count, priority)


def sent(plan: TeamPlan) -> dict[str, str]:
    return {a.team: a.area for a in plan.assignments}


def test_a_speciality_is_met_only_by_a_team_with_it() -> None:
    p = TeamProblem([team("GEN", km=1), team("MED", speciality="medical", km=9)],
                    [need("A", speciality="medical")])
    plan = solve(p)
    assert plan.status == "optimal"
    assert sent(plan) == {"MED": "A"} and plan.idle == ["GEN"]
    assert plan.assignments[0].speciality == "medical"


def test_no_speciality_means_any_team_of_that_kind_but_never_another_kind() -> None:
    p = TeamProblem([team("VOL", kind="volunteer", km=0.5), team("FIRE", speciality="fire")],
                    [need("A", kind="rescue")])
    assert sent(solve(p)) == {"FIRE": "A"}


def test_each_team_goes_to_one_place_at_most() -> None:
    p = TeamProblem([team("T1")], [need("A"), need("B")])
    plan = solve(p)
    assert len(plan.assignments) == 1
    [gap] = plan.unfilled
    assert gap.missing == 1 and gap.reason == "all rescue teams within 30 km are assigned"


def test_the_nearer_team_is_chosen() -> None:
    p = TeamProblem([team("FAR", km=20), team("NEAR", km=3)], [need("A")])
    plan = solve(p)
    assert sent(plan) == {"NEAR": "A"} and plan.idle == ["FAR"]
    assert plan.total_minutes == pytest.approx(3 / 30 * 60, abs=0.02)


def test_travel_minutes_follow_the_speed() -> None:
    p = TeamProblem([team("T", km=10)], [need("A")], speed_kmh=60)
    [row] = solve(p).assignments
    assert row.km == pytest.approx(10, abs=0.01) and row.minutes == pytest.approx(10, abs=0.02)


def test_higher_priority_areas_are_served_first_even_if_further() -> None:
    # one team, standing in the quiet area; the area with vulnerable residents is 2 km away
    quiet = TeamRequirement("QUIET", *north(2), "rescue", priority=1)
    p = TeamProblem([team("T", km=2)], [quiet, need("CARE", priority=40)])
    plan = solve(p)
    assert sent(plan) == {"T": "CARE"}
    assert [(u.area, u.missing) for u in plan.unfilled] == [("QUIET", 1)]


def test_filling_more_slots_beats_shorter_trips() -> None:
    # T1 is nearest to A, but only T1 reaches B: T2 takes A so both are served
    teams = [Team("T1", "rescue", "general", *north(1)), Team("T2", "rescue", "general",
                                                               *north(-25))]
    a = TeamRequirement("A", *north(0), "rescue")
    b = TeamRequirement("B", *north(20), "rescue")
    assert sent(solve(TeamProblem(teams, [a, b]))) == {"T1": "B", "T2": "A"}


def test_unfilled_slots_are_reported_with_a_reason() -> None:
    p = TeamProblem([team("T1"), team("FAR", speciality="water_rescue", km=80)],
                    [need("A", count=3), need("B", kind="command"),
                     need("C", speciality="water_rescue")])
    plan = solve(p)
    gaps = {(u.area, u.kind, u.speciality): (u.missing, u.reason) for u in plan.unfilled}
    assert gaps == {
        ("A", "rescue", None): (2, "all rescue teams within 30 km are assigned"),
        ("B", "command", None): (1, "no command team"),
        ("C", "rescue", "water_rescue"): (1, "no rescue (water_rescue) team within 30 km")}


def test_candidates_use_great_circle_distance_within_the_limit() -> None:
    teams = [team("IN", km=29.5), team("OUT", km=30.5)]
    pairs = candidates(TeamProblem(teams, [need("A")]))
    assert pairs.team.tolist() == [0]
    assert pairs.km[0] == pytest.approx(great_circle_km(*north(29.5), *BASE), abs=1e-3)


def test_hitting_the_time_bound_falls_back_to_a_labelled_greedy_plan() -> None:
    p = TeamProblem([team("T1", km=1), team("T2", km=5)],
                    [need("A", priority=1), need("B", priority=5)])
    plan = solve(p, TeamParams(time_limit_s=0.0))
    assert plan.status == "greedy"
    assert sent(plan) == {"T1": "B", "T2": "A"}  # highest priority first, nearest team


def best_value(p: TeamProblem) -> tuple[int, int]:
    """(priority units filled, travel cost) by two staged CP-SAT solves: the oracle."""
    pairs = candidates(p)
    m = cp_model.CpModel()
    x = [m.new_bool_var("") for _ in pairs.km]
    for t in range(len(p.teams)):
        m.add(sum(x[k] for k in range(len(x)) if pairs.team[k] == t) <= 1)
    for r, req in enumerate(p.requirements):
        m.add(sum(x[k] for k in range(len(x)) if pairs.requirement[k] == r) <= req.count)
    worth = [max(1, round(p.requirements[int(r)].priority * 100)) for r in pairs.requirement]
    travel = [round(km / p.speed_kmh * 60 * 100) for km in pairs.km]
    m.maximize(sum(w * v for w, v in zip(worth, x, strict=True)))
    solver = cp_model.CpSolver()
    assert solver.solve(m) == cp_model.OPTIMAL
    top = round(solver.objective_value)
    m.add(sum(w * v for w, v in zip(worth, x, strict=True)) == top)
    m.minimize(sum(c * v for c, v in zip(travel, x, strict=True)))
    assert solver.solve(m) == cp_model.OPTIMAL
    return top, round(solver.objective_value)


def value(p: TeamProblem, plan: TeamPlan) -> tuple[int, int]:
    worth = {r.area: max(1, round(r.priority * 100)) for r in p.requirements}
    return (sum(worth[a.area] for a in plan.assignments),
            sum(round(a.km / p.speed_kmh * 60 * 100) for a in plan.assignments))


@pytest.mark.parametrize("seed", range(30))
def test_random_dispatches_keep_the_rules_and_match_the_oracle(seed: int) -> None:
    rng = random.Random(seed)
    kinds, specs = ["rescue", "volunteer"], ["general", "fire", "medical"]
    teams = [team(f"T{i}", rng.choice(kinds), rng.choice(specs), rng.uniform(-40, 40))
             for i in range(rng.randint(1, 10))]
    needs = [TeamRequirement(f"A{j}", *north(rng.uniform(-30, 30)), rng.choice(kinds),
                             rng.choice([None, *specs]), rng.randint(1, 3),
                             rng.choice([1, 2.5, 10])) for j in range(rng.randint(1, 6))]
    p = TeamProblem(teams, needs)
    plan = solve(p)
    by_code = {t.code: t for t in teams}
    by_area = {r.area: r for r in needs}
    assert len(sent(plan)) == len(plan.assignments)  # one place per team
    for a in plan.assignments:
        t, r = by_code[a.team], by_area[a.area]
        assert t.kind == r.kind and r.speciality in (None, t.speciality) and a.km <= 30
    for r in needs:
        got = sum(1 for a in plan.assignments if a.area == r.area)
        missing = sum(u.missing for u in plan.unfilled if u.area == r.area)
        assert got + missing == r.count
    assert sorted(plan.idle + list(sent(plan))) == sorted(by_code)
    assert value(p, plan) == best_value(p)
    base = solve(p, TeamParams(time_limit_s=0))
    assert value(p, plan)[0] >= value(p, base)[0]
