"""Teams to affected areas: the most valuable requirement slots filled, then the least travel.

A requirement asks for `count` teams of a kind (and a speciality, or any of that kind) at an
area; each filled slot is worth the requirement's priority (e.g. its vulnerable residents).
Each team goes to one place at most, within the maximum distance. Lexicographic:
1. the most priority-weighted slots filled;
2. the fewest travel minutes (km / speed x 60).
One min-cost flow whose costs make 1 outweigh 2 (`_weight` has the proof). Pure: dataclasses
in, dataclasses out.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from optimizer.shelters import coordinates, pairs_within

TEAM_KINDS = ("command", "rescue", "volunteer")
PRIORITY_SCALE = 100  # priorities count in hundredths
COST_SCALE = 100  # travel costs count in hundredths of a minute


@dataclass(frozen=True)
class Team:
    code: str
    kind: str  # command, rescue or volunteer
    speciality: str  # general, fire, medical, water_rescue, search_rescue ...
    lat: float | None
    lon: float | None
    members: int = 0


@dataclass(frozen=True)
class TeamRequirement:
    area: str
    lat: float | None
    lon: float | None
    kind: str
    speciality: str | None = None  # None (or ""): any speciality of that kind
    count: int = 1
    priority: float = 1.0  # worth of one filled slot, > 0


@dataclass(frozen=True)
class TeamProblem:
    teams: Sequence[Team]
    requirements: Sequence[TeamRequirement]
    max_distance_km: float = 30.0
    speed_kmh: float = 30.0


@dataclass(frozen=True)
class TeamParams:
    time_limit_s: float = 30.0


@dataclass(frozen=True)
class TeamAssignment:
    team: str
    area: str
    kind: str
    speciality: str  # the team's
    km: float
    minutes: float
    members: int = 0


@dataclass(frozen=True)
class Unfilled:
    area: str
    kind: str
    speciality: str | None
    missing: int
    reason: str


@dataclass(frozen=True)
class TeamPlan:
    status: str  # "optimal", or "greedy" when the time bound was hit
    assignments: list[TeamAssignment]
    unfilled: list[Unfilled]
    idle: list[str]  # team codes
    total_minutes: float
    solve_seconds: float


@dataclass(frozen=True)
class Candidates:
    """Every (team, requirement) pair that may be matched: kind, speciality, distance."""

    team: np.ndarray
    requirement: np.ndarray
    km: np.ndarray


def candidates(problem: TeamProblem) -> Candidates:
    """Pairs whose kind and speciality match, within the maximum distance."""
    found = [(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))]
    for kind in sorted({r.kind for r in problem.requirements}):
        teams = [t for t, team in enumerate(problem.teams) if team.kind == kind]
        needs = [r for r, need in enumerate(problem.requirements) if need.kind == kind]
        i, j, km = pairs_within(coordinates([problem.teams[t] for t in teams]),
                                coordinates([problem.requirements[r] for r in needs]),
                                problem.max_distance_km)
        has = np.array([problem.teams[t].speciality for t in teams] + [""])
        wanted = np.array([problem.requirements[r].speciality or "" for r in needs] + [""])
        fits = (wanted[j] == "") | (wanted[j] == has[i])  # "" (or None): any speciality
        found.append((np.asarray(teams, dtype=np.int64)[i[fits]],
                      np.asarray(needs, dtype=np.int64)[j[fits]], km[fits]))
    return Candidates(*(np.concatenate([f[k] for f in found]) for k in range(3)))


def _priorities(problem: TeamProblem) -> np.ndarray:
    return np.array([max(1, round(r.priority * PRIORITY_SCALE)) for r in problem.requirements],
                    dtype=np.int64)


def _weight(minutes_cost: np.ndarray, n_teams: int, n_requirements: int) -> int:
    """Cost of one priority unit left unfilled.

    Minimising W*(priority left unfilled) + travel is lexicographic when no residual cycle can
    trade filled priority for travel. A cycle that fills one priority unit more changes travel
    by at most k = (forward assignment arcs, each from a distinct team and into a distinct
    requirement) x longest trip; W = k + 1 outweighs it."""
    return int(minutes_cost.max(initial=0)) * max(1, min(n_teams, n_requirements)) + 1


def _flow(problem: TeamProblem, pairs: Candidates) -> np.ndarray:
    """Per candidate pair, 1 if the team goes there: both objectives as one min-cost flow."""
    nt, nr = len(problem.teams), len(problem.requirements)
    sink = nt + nr
    worth = _priorities(problem)
    top = int(worth.max(initial=1))
    travel = np.rint(pairs.km / problem.speed_kmh * 60 * COST_SCALE).astype(np.int64)
    w = _weight(travel, nt, nr)
    if w * top * (nt + nr + 2) >= 2**62:
        raise ValueError("priorities too far apart for exact integer costs; scale them down")
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        pairs.team, nt + pairs.requirement, np.ones(len(travel), dtype=np.int64),
        w * (top - worth[pairs.requirement]) + travel)
    # a team may stay idle, at the price of the most valuable slot it could have filled
    mcf.add_arcs_with_capacity_and_unit_cost(np.arange(nt), np.full(nt, sink),
                                             np.ones(nt, dtype=np.int64), np.full(nt, w * top))
    mcf.add_arcs_with_capacity_and_unit_cost(
        nt + np.arange(nr), np.full(nr, sink),
        np.array([max(r.count, 0) for r in problem.requirements], dtype=np.int64),
        np.zeros(nr, dtype=np.int64))
    mcf.set_nodes_supplies(np.arange(nt), np.ones(nt, dtype=np.int64))
    mcf.set_node_supply(sink, -nt)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return np.asarray(mcf.flows(arcs), dtype=np.int64)


def greedy_dispatch(problem: TeamProblem, pairs: Candidates) -> np.ndarray:
    """Requirements by priority, each slot taking the nearest free team that fits."""
    chosen = np.zeros(len(pairs.km), dtype=np.int64)
    busy: set[int] = set()
    by_need: dict[int, list[int]] = {}
    for p in np.lexsort((pairs.km, pairs.requirement)).tolist():
        by_need.setdefault(int(pairs.requirement[p]), []).append(p)
    order = sorted(range(len(problem.requirements)),
                   key=lambda r: -problem.requirements[r].priority)
    for r in order:
        wanted = problem.requirements[r].count
        for p in by_need.get(r, []):
            if wanted <= 0:
                break
            if int(pairs.team[p]) not in busy:
                busy.add(int(pairs.team[p]))
                chosen[p], wanted = 1, wanted - 1
    return chosen


def solve(problem: TeamProblem, params: TeamParams = TeamParams()) -> TeamPlan:
    """The best dispatch; a labelled greedy plan if the time bound is reached."""
    started = time.monotonic()
    pairs = candidates(problem)
    if time.monotonic() - started < params.time_limit_s:
        chosen, status = _flow(problem, pairs), "optimal"
    else:
        chosen, status = greedy_dispatch(problem, pairs), "greedy"
    return _plan(problem, pairs, chosen, status, time.monotonic() - started)


def _plan(problem: TeamProblem, pairs: Candidates, chosen: np.ndarray, status: str,
          seconds: float) -> TeamPlan:
    rows = []
    for p in np.nonzero(chosen)[0].tolist():
        team = problem.teams[int(pairs.team[p])]
        need = problem.requirements[int(pairs.requirement[p])]
        km = float(pairs.km[p])
        rows.append(TeamAssignment(team.code, need.area, team.kind, team.speciality, km,
                                   round(km / problem.speed_kmh * 60, 2), team.members))
    rows.sort(key=lambda a: (a.area, a.kind, a.minutes, a.team))
    n = len(problem.requirements)
    filled = np.bincount(pairs.requirement[chosen > 0], minlength=n)
    reachable = np.bincount(pairs.requirement, minlength=n) > 0
    exists = {(t.kind, s) for t in problem.teams for s in (None, "", t.speciality)}
    busy = {a.team for a in rows}
    unfilled = [Unfilled(r.area, r.kind, r.speciality, r.count - int(filled[i]),
                         _why(problem, r, (r.kind, r.speciality) in exists, bool(reachable[i])))
                for i, r in enumerate(problem.requirements) if filled[i] < r.count]
    return TeamPlan(status, rows, unfilled, sorted(t.code for t in problem.teams
                                                   if t.code not in busy),
                    round(sum(a.minutes for a in rows), 2), round(seconds, 4))


def _why(problem: TeamProblem, need: TeamRequirement, exists: bool, reachable: bool) -> str:
    what = need.kind + (f" ({need.speciality})" if need.speciality else "")
    within = f"within {problem.max_distance_km:g} km"
    if not exists:
        return f"no {what} team"
    if not reachable:
        return f"no {what} team {within}"
    return f"all {what} teams {within} are assigned"
