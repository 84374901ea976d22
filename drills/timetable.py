"""Drill timetable: every required drill on an allowed day, with a team, evenly spread (CP-SAT).

Hard rules: drills fall on the allowed weekdays (Monday = 0) between start and end inclusive,
never on a blackout date; each drill gets one of its community's teams; a team does at most one
drill a day and at most its limit per calendar month; a street has at most N drills a day; a
community's drills are at least its minimum gap apart. Soft: each community's gaps stay close to
the ideal spacing (horizon / drills). Drill k of community c is a day variable (its domain is
the allowed days its place in the chain can reach); team and street days are no-overlap /
cumulative constraints over size-1 intervals, so the model stays small. A first-fit greedy plan
is the hint and the baseline. When no timetable exists, the reason names the rule that blocks:
simple counts first (drills.validate), then the model re-solved with one rule family relaxed at
a time. Pure: dataclasses in, dataclasses out.
"""
from __future__ import annotations

import bisect
import time

from ortools.sat.python import cp_model

from drills.problem import (
    Calendar,
    Community,
    DrillTeam,
    ScheduledDrill,
    Timetable,
    TimetableParams,
    TimetableProblem,
    gap_of,
    ideal_gap,
)
from drills.validate import blocking_reason

RULES = ("street", "team_daily", "team_monthly", "gaps")  # the families relaxed to diagnose


RULE_LABELS = {"street": "at most {n} drill(s) per street per day",
               "team_daily": "each team at most one drill a day",
               "team_monthly": "each team's monthly limit (max_per_month)",
               "gaps": "the minimum gap between a community's drills (min_gap_days)"}


Placement = tuple[int, int, str]  # (community index, day offset from start, team)


class _Model:
    """The CP-SAT model with the chosen rule families, one helper per family."""

    def __init__(self, problem: TimetableProblem, cal: Calendar, rules: frozenset[str]) -> None:
        self.p, self.cal, self.m = problem, cal, cp_model.CpModel()
        self.day: dict[tuple[int, int], cp_model.IntVar] = {}
        self.use: dict[tuple[int, int, str], cp_model.IntVar] = {}
        self.span: dict[tuple[int, int], tuple[int, int]] = {}  # each day's first and last value
        self.in_month: dict[tuple[int, int], dict[int, cp_model.IntVar]] = {}
        self.both: dict[tuple[int, int, str, int], cp_model.IntVar] = {}  # team and month
        self.dev: dict[tuple[int, int], cp_model.IntVar] = {}  # gap before drill k vs ideal
        self.add_drill_days("gaps" in rules)
        self.add_team_choice()
        if "team_daily" in rules:
            self.add_team_daily()
        if "street" in rules:
            self.add_street_cap()
        if "team_monthly" in rules:
            self.add_team_monthly()

    def add_drill_days(self, with_gaps: bool) -> None:
        for ci, c in enumerate(self.p.communities):
            gap = gap_of(c) if with_gaps else 1
            spans = self.cal.windows(c, gap) or []
            for k, (lo, hi) in enumerate(spans):
                days = self.cal.allowed[bisect.bisect_left(self.cal.allowed, lo):
                                        bisect.bisect_right(self.cal.allowed, hi)]
                self.day[ci, k] = self.m.new_int_var_from_domain(
                    cp_model.Domain.from_values(days), f"day_{c.code}_{k}")
                self.span[ci, k] = days[0], days[-1]
                if k:
                    self.m.add(self.day[ci, k] >= self.day[ci, k - 1] + gap)

    def add_team_choice(self) -> None:
        for (ci, k) in self.day:
            teams = dict.fromkeys(self.p.communities[ci].teams)
            for t in teams:
                self.use[ci, k, t] = self.m.new_bool_var(f"use_{ci}_{k}_{t}")
            self.m.add_exactly_one(self.use[ci, k, t] for t in teams)

    def add_team_daily(self) -> None:
        by_team: dict[str, list[cp_model.IntervalVar]] = {}
        for (ci, k, t), used in self.use.items():
            by_team.setdefault(t, []).append(self.m.new_optional_fixed_size_interval_var(
                self.day[ci, k], 1, used, f"team_{t}_{ci}_{k}"))
        for intervals in by_team.values():
            self.m.add_no_overlap(intervals)

    def add_street_cap(self) -> None:
        by_street: dict[str, list[cp_model.IntervalVar]] = {}
        for (ci, k), day in self.day.items():
            street = self.p.communities[ci].street
            by_street.setdefault(street, []).append(
                self.m.new_fixed_size_interval_var(day, 1, f"street_{ci}_{k}"))
        cap = self.p.max_per_street_per_day
        for intervals in by_street.values():
            if len(intervals) > cap:
                self.m.add_cumulative(intervals, [1] * len(intervals), cap)

    def add_team_monthly(self) -> None:
        """Per (drill, month) a boolean tied to the day's range; per team and month a count."""
        in_month = self.in_month
        counts: dict[tuple[str, int], list[cp_model.IntVar]] = {}
        for (ci, k, t), used in self.use.items():
            if self.cal.limits.get(t) is None:
                continue
            if (ci, k) not in in_month:
                in_month[ci, k] = self._months(ci, k)
            for mo, inside in in_month[ci, k].items():
                both = self.both[ci, k, t, mo] = self.m.new_bool_var(f"month_{ci}_{k}_{t}_{mo}")
                self.m.add_bool_or([both, used.negated(), inside.negated()])
                counts.setdefault((t, mo), []).append(both)
        for (t, _), drills in counts.items():
            limit = self.cal.limits[t]
            assert limit is not None
            if len(drills) > limit:
                self.m.add(sum(drills) <= limit)

    def _months(self, ci: int, k: int) -> dict[int, cp_model.IntVar]:
        """One flag per month the drill can fall in: exactly one is set, and it holds the day."""
        lo, hi = self.span[ci, k]
        flags = {}
        for mo in range(self.cal.month[lo], self.cal.month[hi] + 1):
            first, last = self.cal.month_days[mo]
            flags[mo] = self.m.new_bool_var(f"in_{ci}_{k}_{mo}")
            self.m.add_linear_constraint(self.day[ci, k], first, last).only_enforce_if(flags[mo])
        self.m.add_exactly_one(flags.values())
        return flags

    def add_even_spread(self) -> None:
        """Minimise the total deviation of each gap from the community's ideal gap."""
        deviations = []
        for (ci, k), day in self.day.items():
            if k:
                ideal = ideal_gap(self.p.communities[ci], self.cal)
                dev = self.dev[ci, k] = self.m.new_int_var(0, self.cal.days, f"dev_{ci}_{k}")
                self.m.add_abs_equality(dev, day - self.day[ci, k - 1] - ideal)
                deviations.append(dev)
        self.m.minimize(sum(deviations))

    def hint(self, plan: list[Placement]) -> None:
        """Every variable's value in the plan: a complete hint CP-SAT can take as it is."""
        days: dict[tuple[int, int], tuple[int, str]] = {}
        placed: dict[int, int] = {}
        for ci, offset, team in plan:  # a community's drills come in date order
            placed[ci] = placed.get(ci, -1) + 1
            days[ci, placed[ci]] = offset, team
        for (ci, k), (offset, team) in days.items():
            self.m.add_hint(self.day[ci, k], offset)
            for t in dict.fromkeys(self.p.communities[ci].teams):
                self.m.add_hint(self.use[ci, k, t], t == team)
            month = self.cal.month[offset]
            for mo, flag in self.in_month.get((ci, k), {}).items():
                self.m.add_hint(flag, mo == month)
            if (ci, k) in self.dev:
                ideal = ideal_gap(self.p.communities[ci], self.cal)
                self.m.add_hint(self.dev[ci, k], abs(offset - days[ci, k - 1][0] - ideal))
        for (ci, k, t, mo), both in self.both.items():
            self.m.add_hint(both, days[ci, k] == (days[ci, k][0], t) and
                            self.cal.month[days[ci, k][0]] == mo)

    def run(self, seconds: float, workers: int
            ) -> tuple[cp_model.CpSolverStatus, cp_model.CpSolver]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.05)
        solver.parameters.num_workers = max(workers, 1)
        return solver.solve(self.m), solver

    def extract(self, solver: cp_model.CpSolver) -> list[Placement]:
        return [(ci, solver.value(self.day[ci, k]), t)
                for (ci, k, t), used in self.use.items() if solver.boolean_value(used)]


def greedy(problem: TimetableProblem, cal: Calendar, spread: bool = False
           ) -> list[Placement] | None:
    """First fit by date: each drill on the first allowed day with room on its street and a
    free team (the least busy). With `spread`, each community tries every first day within one
    ideal gap, drill k not before k ideal gaps later, and keeps the most even fit."""
    state = _Load(problem, cal)
    plan: list[Placement] = []
    for ci, c in enumerate(problem.communities):
        spans = cal.windows(c, gap_of(c))
        if spans is None:
            return None
        if not spans:  # a community that needs no drill (yet listed) has nothing to place
            continue
        ideal = ideal_gap(c, cal)
        phases = [o for o in cal.allowed if spans[0][0] <= o < spans[0][0] + ideal] or [0]
        phases = phases[::max(1, len(phases) // 60)]  # long horizons: a sample of first days
        best: tuple[int, list[tuple[int, str]]] | None = None
        for phase in phases if spread else [None]:
            fit = state.fit(c, spans, None if phase is None else [phase + k * ideal
                                                                  for k in range(c.drills)])
            if fit is not None:
                dev = sum(abs(b[0] - a[0] - ideal) for a, b in zip(fit, fit[1:], strict=False))
                if best is None or dev < best[0]:
                    best = dev, fit
        if best is None:
            return None
        for day, team in best[1]:
            state.take(c, day, team)
            plan.append((ci, day, team))
    return plan


class _Load:
    """Drills already placed per street day, team day and team month (for the greedy)."""

    def __init__(self, problem: TimetableProblem, cal: Calendar) -> None:
        self.p, self.cal = problem, cal
        self.street_day: dict[tuple[str, int], int] = {}
        self.team_day: set[tuple[str, int]] = set()
        self.team_month: dict[tuple[str, int], int] = {}
        self.team_total: dict[str, int] = {}

    def take(self, c: Community, day: int, team: str) -> None:
        self.street_day[c.street, day] = self.street_day.get((c.street, day), 0) + 1
        self.team_day.add((team, day))
        key = team, self.cal.month[day]
        self.team_month[key] = self.team_month.get(key, 0) + 1
        self.team_total[team] = self.team_total.get(team, 0) + 1

    def fit(self, c: Community, spans: list[tuple[int, int]], targets: list[int] | None
            ) -> list[tuple[int, str]] | None:
        """Days and teams for the community's drills (each first fit from its target), or None."""
        fit: list[tuple[int, str]] = []
        for k, (lo, hi) in enumerate(spans):
            floor = lo if not fit else max(lo, fit[-1][0] + gap_of(c))
            found = self.first(c, max(floor, targets[k]) if targets else floor, hi)
            if found is None:
                return None
            fit.append(found)
        return fit

    def month_room(self, team: str, day: int) -> bool:
        limit = self.cal.limits.get(team)
        return limit is None or self.team_month.get((team, self.cal.month[day]), 0) < limit

    def first(self, c: Community, begin: int, end: int) -> tuple[int, str] | None:
        allowed = self.cal.allowed
        for day in allowed[bisect.bisect_left(allowed, begin):bisect.bisect_right(allowed, end)]:
            if self.street_day.get((c.street, day), 0) >= self.p.max_per_street_per_day:
                continue
            free = [t for t in dict.fromkeys(c.teams)
                    if (t, day) not in self.team_day and self.month_room(t, day)]
            if free:
                return day, min(free, key=lambda t: self.team_total.get(t, 0))
        return None


def solve(problem: TimetableProblem, params: TimetableParams | None = None) -> Timetable:
    """The evenly spread timetable, or `infeasible` with the rule that blocks."""
    params = params or TimetableParams()

    deadline = time.monotonic() + params.time_limit_s
    cal = Calendar(problem)
    reason = blocking_reason(problem, cal)
    if reason:
        return Timetable("infeasible", [], reason)
    start_plan = greedy(problem, cal, spread=True) or greedy(problem, cal)
    model = _Model(problem, cal, frozenset(RULES))
    model.add_even_spread()
    if start_plan:
        model.hint(start_plan)
    # CP-SAT stops up to ~0.3 s after its limit on a busy machine: keep that inside the bound
    margin = min(0.5, 0.1 * params.time_limit_s)
    status, solver = model.run(deadline - time.monotonic() - margin, params.workers)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _timetable(problem, cal, "optimal" if status == cp_model.OPTIMAL else "feasible",
                          model.extract(solver))
    if start_plan:  # the time bound hit before the solver kept the hint
        return _timetable(problem, cal, "feasible", start_plan)
    if status == cp_model.INFEASIBLE:
        return Timetable("infeasible", [], _relaxed_reason(problem, cal, params, deadline))
    return Timetable("infeasible", [], f"no timetable found within the time limit "
                     f"({params.time_limit_s:g} s); not proven impossible, try a longer limit")


def _relaxed_reason(problem: TimetableProblem, cal: Calendar, params: TimetableParams,
                    deadline: float) -> str:
    """Re-solve with each rule family dropped in turn: the ones whose removal helps block."""
    blocking, unsure = [], False
    for i, rule in enumerate(RULES):
        share = (deadline - time.monotonic()) / (len(RULES) - i)
        status, _ = _Model(problem, cal, frozenset(RULES) - {rule}).run(share, params.workers)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            blocking.append(RULE_LABELS[rule].format(n=problem.max_per_street_per_day))
        unsure = unsure or status != cp_model.INFEASIBLE
    if len(blocking) == 1:
        return f"the rule that blocks is {blocking[0]}: without it a timetable exists"
    if blocking:
        return (f"the rules that block are {'; or '.join(blocking)}: without any one of them "
                "a timetable exists")
    if unsure:
        return ("no timetable meets all the rules; which rule blocks was not found within the "
                "time limit, try a longer one")
    return "no timetable meets all the rules, and relaxing any single rule does not help"


def _timetable(problem: TimetableProblem, cal: Calendar, status: str,
               plan: list[Placement]) -> Timetable:
    rows = [ScheduledDrill(problem.communities[ci].code, cal.date(day).isoformat(), team)
            for ci, day, team in plan]
    return Timetable(status, sorted(rows, key=lambda r: (r.date, r.community)))


# The problem's dataclasses are part of this module's interface.
__all__ = ["Calendar", "Community", "DrillTeam", "ScheduledDrill", "Timetable", "TimetableParams",
           "TimetableProblem", "gap_of", "ideal_gap", "solve"]
