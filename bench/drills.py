"""Drill timetable benchmark: a district's year of drills, CP-SAT against first fit by date.

    python -m bench.drills [--seed N] [--time-limit SECONDS] [--communities 110] [--teams 40]

The instance: 110 communities on 12 streets, 4 drills each at least 60 days apart, weekends
only, ~15 blackout days (holidays, a flood-season fortnight), 40 teams with at most 4 drills a
month, 2-4 teams per community, at most one drill per street per day. In the same run it times
`drills.timetable.solve`, the first-fit greedy baseline and the even greedy (the solver's
hint), checks them with
`drills.validate.violations`, and prints the time ratio and the spread of each community's
gaps against its ideal gap. Exits non-zero when the solve takes over 10 s, finds no
timetable, or breaks a rule.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta

from drills.timetable import (
    Calendar,
    Community,
    DrillTeam,
    ScheduledDrill,
    TimetableParams,
    TimetableProblem,
    greedy,
    ideal_gap,
    solve,
)
from drills.validate import violations

FLOOR_S = 10.0


def generate(seed: int = 1, communities: int = 110, teams: int = 40, streets: int = 12,
             year: int = 2027) -> TimetableProblem:
    """A seeded year of drills shaped like one district."""
    rng = random.Random(seed)
    start, end = date(year, 1, 1), date(year, 12, 31)
    holidays = {date(year, 1, 1), date(year, 2, 6), date(year, 2, 7), date(year, 4, 5),
                date(year, 5, 1), date(year, 10, 2), date(year, 10, 3)}
    flood = date(year, 7, 10)  # a flood-season stretch: the weekend days of 24 days
    holidays |= {flood + timedelta(days=i) for i in range(24)
                 if (flood + timedelta(days=i)).weekday() >= 5}
    crews = [DrillTeam(f"T{i + 1:02d}", 4) for i in range(teams)]
    places = [Community(f"C{i + 1:03d}", f"S{i % streets + 1:02d}", 4, 60,
                        tuple(t.code for t in rng.sample(crews, rng.randint(2, 4))))
              for i in range(communities)]
    return TimetableProblem(start, end, places, crews, frozenset({5, 6}), frozenset(holidays), 1)


def spread(problem: TimetableProblem, drills: list[ScheduledDrill]) -> tuple[float, float, float]:
    """(smallest gap / ideal, mean gap / ideal, mean |gap - ideal| in days) over communities."""
    cal = Calendar(problem)
    days: dict[str, list[date]] = {}
    for d in drills:
        days.setdefault(d.community, []).append(date.fromisoformat(d.date))
    ratios, errors = [], []
    for c in problem.communities:
        ideal, seen = ideal_gap(c, cal), sorted(days.get(c.code, []))
        gaps = [(b - a).days for a, b in zip(seen, seen[1:], strict=False)]
        ratios += [g / ideal for g in gaps]
        errors += [abs(g - ideal) for g in gaps]
    if not ratios:
        return 0.0, 0.0, 0.0
    return min(ratios), statistics.mean(ratios), statistics.mean(errors)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--seed", type=int, default=1)
    args.add_argument("--time-limit", type=float, default=FLOOR_S)
    args.add_argument("--communities", type=int, default=110)
    args.add_argument("--teams", type=int, default=40)
    opts = args.parse_args(argv)
    problem = generate(opts.seed, opts.communities, opts.teams)
    n = sum(c.drills for c in problem.communities)
    print(f"instance: {len(problem.communities)} communities, {n} drills, "
          f"{len(problem.teams)} teams, {len(Calendar(problem).allowed)} allowed days")

    baselines = []
    for name, even in (("greedy", False), ("greedy-even", True)):
        started = time.perf_counter()
        plan = greedy(problem, Calendar(problem), spread=even)
        seconds = time.perf_counter() - started
        rows = [] if plan is None else [
            ScheduledDrill(problem.communities[ci].code, (problem.start + timedelta(days=o))
                           .isoformat(), t) for ci, o, t in plan]
        baselines.append((name, "feasible" if plan else "failed", seconds, rows))
    greedy_s = baselines[0][2]
    started = time.perf_counter()
    result = solve(problem, TimetableParams(time_limit_s=opts.time_limit))
    solve_s = time.perf_counter() - started

    failures = []
    print(f"{'method':<12}{'status':<12}{'seconds':>9}{'min gap':>9}{'mean gap':>10}"
          f"{'mean |gap-ideal| (days)':>25}")
    for name, status, seconds, drills in [*baselines, ("cp-sat", result.status, solve_s,
                                                        result.drills)]:
        low, mean, err = spread(problem, drills)
        print(f"{name:<12}{status:<12}{seconds:>9.3f}{low:>9.2f}{mean:>10.2f}{err:>25.1f}")
        broken = violations(problem, drills) if drills else ["no timetable"]
        # the even greedy is the solver's hint: a plan it makes must keep every rule
        if name == "cp-sat" or (name == "greedy-even" and drills):
            failures += [f"{name}: {b}" for b in broken[:10]]
    print(f"cp-sat / greedy time: {solve_s / max(greedy_s, 1e-9):.0f}x"
          + (f" (reason: {result.reason})" if result.reason else ""))
    if solve_s > FLOOR_S:
        failures.append(f"solve took {solve_s:.2f} s, floor {FLOOR_S:g} s")
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
