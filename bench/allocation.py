"""Supply allocation benchmarks on generated district and city instances.

    python -m bench.allocation [--scale district|city|both] [--seed N] [--no-pulp]
                               [--pulp-budget SECONDS]   (PuLP: pip install -e '.[bench]')
                               [--db sqlite|postgres|both|none]

For each scale, in the same run: `optimizer.supplies.solve` (leximin + min cost, OR-Tools
flows), the nearest-depot greedy baseline, PuLP+CBC solving the max-min and cost stages of
the same model as linear programmes, and the app end to end on SQLite and PostgreSQL
(bench.allocation_db: the instance built into a fresh database, then `make_plan` timed: load,
solve, store; the incident routes by a radius, so its worst-off is held to a greedy on those
same routes). Prints solve time, worst-off coverage, unmet need and
transport cost with the ratios between them, and exits non-zero when a floor is broken:
a measurement slower than the scale's floor (district 1 s, city 15 s), or a fair plan whose
worst-off coverage of any item is below greedy's.

Every measurement is a callable in MEASUREMENTS taking the shared Case; add one (for example
load from the database, solve, store the plan) and it gets the same columns, ratios and floors.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.instances import SCALES, Scale, generate
from optimizer.greedy import nearest_depot
from optimizer.supplies import Route, SupplyPlan, SupplyProblem, routes_for, solve

try:
    import pulp  # type: ignore[import-untyped]
except ImportError:  # optional: pip install -e '.[bench]', or run with --no-pulp
    pulp = None

PRIORITY_WEIGHT = 3.0  # a unit of vulnerable people's need counts three times in "unmet"
PULP_BUDGET_S = 120.0
GREEDY, PULP = "nearest-depot greedy", "PuLP+CBC max-min LP"
console = Console(width=160)
T = TypeVar("T")


@dataclass(frozen=True)
class Case:
    """One generated instance, shared by every measurement of a scale."""

    scale: Scale
    seed: int
    problem: SupplyProblem
    pulp_budget_s: float = PULP_BUDGET_S


@dataclass(frozen=True)
class Served:
    """What one area received of one item (fractional for the LP)."""

    item: str
    demand: int
    priority: int
    delivered: float


@dataclass(frozen=True)
class Metrics:
    worst_priority: dict[str, float]  # item -> smallest priority coverage over reached areas
    worst_total: dict[str, float]  # item -> smallest total coverage over reached areas
    unmet: float  # priority-weighted unmet share of need, mean over items
    cost_tkm: float  # quantity x km x item weight, in tonne-km


@dataclass(frozen=True)
class Outcome:
    method: str
    seconds: float
    metrics: Metrics | None  # None: no plan; for a partial run, the items it solved
    floor_s: float | None = None  # wall-time floor this measurement is held to
    fair: bool = False  # held to the worst-off floor against greedy
    note: str = ""
    complete: bool = True  # False: timed out part way, totals are not comparable
    held_to: str = GREEDY  # the greedy baseline on the same routes, for the worst-off floor


Measurement = Callable[[Case], Outcome]


def metrics(problem: SupplyProblem, served: Iterable[Served], cost: float,
            items: Sequence[str] | None = None) -> Metrics:
    """Worst-off coverage per item, priority-weighted unmet share, cost in tonne-km."""
    items = [item.code for item in problem.items] if items is None else items
    worst_p = dict.fromkeys(items, 1.0)
    worst_t = dict.fromkeys(items, 1.0)
    got = dict.fromkeys(items, 0.0)
    for s in served:
        if s.item not in got:
            continue
        if s.priority:
            worst_p[s.item] = min(worst_p[s.item], min(s.delivered, s.priority) / s.priority)
        if s.demand:
            worst_t[s.item] = min(worst_t[s.item], s.delivered / s.demand)
        got[s.item] += (PRIORITY_WEIGHT * min(s.delivered, s.priority)
                        + min(max(s.delivered - s.priority, 0.0), s.demand - s.priority))
    need = dict.fromkeys(items, 0.0)
    for area in problem.areas:
        for item in items:
            demand = int(area.demand.get(item, 0))
            priority = min(int(area.priority_demand.get(item, 0)), demand)
            need[item] += PRIORITY_WEIGHT * priority + demand - priority
    shares = [1 - got[i] / need[i] for i in items if need[i] > 0]
    return Metrics(worst_p, worst_t, float(np.mean(shares)) if shares else 0.0, cost / 1000)


def _timed(fn: Callable[[], T], repeat: int) -> tuple[T, float]:
    """The first result and the median wall time over `repeat` runs."""
    started = time.perf_counter()
    first = fn()
    runs = [time.perf_counter() - started]
    for _ in range(repeat - 1):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return first, statistics.median(runs)


def _repeat(case: Case) -> int:
    return 3 if len(case.problem.areas) <= 2000 else 1


def _solve_timed(problem: SupplyProblem, repeat: int = 1) -> tuple[SupplyPlan, float]:
    return _timed(lambda: solve(problem), repeat)


def solve_pure(scale: Scale | str, seed: int = 1) -> tuple[SupplyPlan, float]:
    """Time optimizer.supplies.solve on a generated instance, no database: (plan, seconds)."""
    return _solve_timed(generate(scale, seed))


def measure_ortools(case: Case) -> Outcome:
    """optimizer.supplies.solve on the in-memory problem."""
    plan, seconds = _solve_timed(case.problem, _repeat(case))
    served = [Served(r.item, r.demand, r.priority_demand, r.delivered) for r in plan.areas]
    note = "" if plan.status == "optimal" else f"status {plan.status}: hit its time bound"
    return Outcome("OR-Tools leximin + min cost (pure solve)", seconds,
                   metrics(case.problem, served, plan.cost), case.scale.floor_s, fair=True,
                   note=note)


def measure_greedy(case: Case) -> Outcome:
    """Each area in turn takes from its nearest stocked depot, priority demand first."""
    parts, seconds = _timed(lambda: nearest_depot(case.problem, routes_for(case.problem)),
                            _repeat(case))
    _, results, _, cost = parts
    served = [Served(r.item, r.demand, r.priority_demand, r.delivered) for r in results]
    return Outcome(GREEDY, seconds, metrics(case.problem, served, cost))


def measure_pulp(case: Case) -> Outcome:
    """The max-min and cost stages as LPs through PuLP+CBC, model building included."""
    started = time.perf_counter()
    served, cost, done = lp_max_min(case.problem, started + case.pulp_budget_s)
    seconds = time.perf_counter() - started
    solved = [item.code for item in case.problem.items[:done]]
    complete = done == len(case.problem.items)
    note = ("continuous LP (fractional units)" if complete else
            f"timed out after {case.pulp_budget_s:.0f} s ({done} of "
            f"{len(case.problem.items)} items solved)")
    return Outcome(PULP, seconds, metrics(case.problem, served, cost, solved) if done else None,
                   note=note, complete=complete)


def lp_max_min(problem: SupplyProblem, deadline: float) -> tuple[list[Served], float, int]:
    """Per item: maximise the least priority coverage t1; fixing it, the least total
    coverage t2; fixing both, minimise transport cost. The first level of the leximin.

    Returns what each area got, the cost and how many items were solved before the deadline.
    """
    routes = routes_for(problem)
    served: list[Served] = []
    cost = 0.0
    for done, item in enumerate(problem.items):
        net = _lp_net(problem, routes, item.code)
        if net is None:
            continue
        solved = _lp_item(net, item.weight, deadline)
        if solved is None:
            return served, cost, done
        got, item_cost = solved
        cost += item_cost
        served += [Served(item.code, int(d), int(p), float(g))
                   for d, p, g in zip(net.demand, net.priority, got, strict=True)]
    return served, cost, len(problem.items)


@dataclass(frozen=True)
class _LpNet:
    stock: np.ndarray
    demand: np.ndarray
    priority: np.ndarray
    arc_depot: np.ndarray
    arc_area: np.ndarray
    arc_km: np.ndarray


def _lp_net(problem: SupplyProblem, routes: Sequence[Route], item: str) -> _LpNet | None:
    """Stocked depots, areas wanting the item, and the routes between them."""
    stock = {d.code: int(d.stock.get(item, 0)) for d in problem.depots}
    areas = {a.code: a for a in problem.areas if int(a.demand.get(item, 0)) > 0}
    arcs = [r for r in routes if stock.get(r.depot, 0) > 0 and r.area in areas]
    if not arcs:
        return None
    depots = sorted({r.depot for r in arcs})
    reached = sorted({r.area for r in arcs})
    d_ix = {c: i for i, c in enumerate(depots)}
    a_ix = {c: i for i, c in enumerate(reached)}
    demand = np.array([int(areas[a].demand[item]) for a in reached])
    priority = np.array([int(areas[a].priority_demand.get(item, 0)) for a in reached])
    return _LpNet(np.array([stock[d] for d in depots]), demand, np.minimum(priority, demand),
                  np.array([d_ix[r.depot] for r in arcs]), np.array([a_ix[r.area] for r in arcs]),
                  np.array([r.km for r in arcs]))


def _lp_item(net: _LpNet, weight: float, deadline: float) -> tuple[np.ndarray, float] | None:
    """The three stages for one item; None if the deadline passes first."""
    lp = pulp.LpProblem("supplies", pulp.LpMaximize)
    x = [lp.add_variable(f"x{j}", lowBound=0) for j in range(len(net.arc_km))]
    got = _sums(x, net.arc_area, len(net.demand))
    for shipped, stock in zip(_sums(x, net.arc_depot, len(net.stock)), net.stock, strict=True):
        lp += shipped <= int(stock)
    for received, demand in zip(got, net.demand, strict=True):
        lp += received <= int(demand)
    stages = [("t1", net.priority), ("t2", net.demand)]
    for name, need in stages:
        if not need.any():
            continue
        level = lp.add_variable(name, lowBound=0, upBound=1)
        for received, amount in zip(got, need, strict=True):
            if amount:
                lp += received - int(amount) * level >= 0
        lp.setObjective(level)
        if not _lp_solve(lp, deadline):
            return None
        level.lowBound = max(0.0, (level.varValue or 0.0) - 1e-6)  # keep it, with tolerance
    lp.sense = pulp.LpMinimize
    lp.setObjective(pulp.LpAffineExpression(zip(x, (net.arc_km * weight).tolist(),
                                                strict=True)))
    if not _lp_solve(lp, deadline):
        return None
    flows = np.array([v.varValue or 0.0 for v in x])
    return np.bincount(net.arc_area, flows, len(net.demand)), float(
        (flows * net.arc_km).sum() * weight)


def _sums(x: list[pulp.LpVariable], group: np.ndarray, n: int) -> list[pulp.LpAffineExpression]:
    """One sum of x per group index (depot or area)."""
    members: list[list[tuple[pulp.LpVariable, float]]] = [[] for _ in range(n)]
    for var, g in zip(x, group.tolist(), strict=True):
        members[g].append((var, 1.0))
    return [pulp.LpAffineExpression(m) for m in members]


def _lp_solve(lp: pulp.LpProblem, deadline: float) -> bool:
    """Solve with CBC within what is left of the budget; False when it runs out."""
    left = deadline - time.perf_counter()
    if left <= 0:
        return False
    # Presolve off: on the city instance CLP's presolve returned "optimal" for a least total
    # coverage of 0.32 where GLOP and the whole-unit leximin both reach 0.43.
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, int(left)), presolve=False)
    status = lp.solve(solver)
    if time.perf_counter() > deadline:
        return False
    if pulp.LpStatus[status] != "Optimal":
        raise RuntimeError(f"CBC: {pulp.LpStatus[status]}")
    return True


MEASUREMENTS: list[Measurement] = [measure_ortools, measure_greedy, measure_pulp]


def run(case: Case, measurements: Sequence[Measurement]) -> list[Outcome]:
    """Every measurement on one case, in order, with a spinner while each runs."""
    outcomes = []
    for measure in measurements:
        if getattr(measure, "shows_progress", False):  # draws its own bar; rich 13 cannot nest
            outcomes.append(measure(case))
            continue
        with Progress(console=console, transient=True) as bar:
            bar.add_task(f"[{case.scale.name}] {measure.__name__}", total=None)
            outcomes.append(measure(case))
    return outcomes


def verdict(outcome: Outcome, greedy: Outcome | None) -> str:
    """PASS, FAIL with the reason, or "-" for a measurement held to no floor."""
    failures = []
    if outcome.floor_s is not None and outcome.seconds > outcome.floor_s:
        failures.append(f"over {outcome.floor_s:g} s")
    if outcome.fair:
        behind = _behind_greedy(outcome, greedy)
        if behind:
            failures.append("worst-off below greedy's: " + ", ".join(behind))
    if failures:
        return "FAIL: " + "; ".join(failures)
    held = ([f"< {outcome.floor_s:g} s"] if outcome.floor_s is not None else []) + (
        ["worst-off >= greedy's"] if outcome.fair else [])
    return f"PASS ({', '.join(held)})" if held else "-"


def _behind_greedy(outcome: Outcome, greedy: Outcome | None) -> list[str]:
    """Items whose worst-off coverage (total or priority) is below greedy's."""
    if outcome.metrics is None or greedy is None or greedy.metrics is None:
        return ["no plan to compare"]
    m, g = outcome.metrics, greedy.metrics
    return [i for i in g.worst_total if m.worst_total[i] < g.worst_total[i]
            or m.worst_priority[i] < g.worst_priority[i]]


def ratios(outcome: Outcome, greedy: Outcome | None, lp: Outcome | None) -> list[str]:
    """How a fair plan compares with the baselines, in sentences."""
    m = outcome.metrics
    if m is None:
        return []
    speed = f"{outcome.seconds:.2f} s"
    if lp is not None:
        faster = lp.seconds / outcome.seconds
        speed += (f" = {faster:.0f}x faster than PuLP ({lp.seconds:.1f} s)" if lp.complete
                  else f"; PuLP {lp.note}: >= {faster:.0f}x faster")
    if greedy is not None:
        speed += f"; {outcome.seconds / greedy.seconds:.1f}x greedy's time ({greedy.seconds:.2f} s)"
    lines = [speed]
    if greedy is not None and greedy.metrics is not None:
        g = greedy.metrics
        higher = sum(m.worst_total[i] > g.worst_total[i] for i in g.worst_total)
        lines.append(f"worst-off total coverage, mean over items {_mean(m.worst_total):.2f} vs "
                     f"greedy {_mean(g.worst_total):.2f}; higher than greedy's on {higher} of "
                     f"{len(g.worst_total)} items, lower on {len(_behind_greedy(outcome, greedy))}")
        more = g.unmet / m.unmet - 1 if m.unmet else float("inf")
        lines.append(f"unmet priority-weighted need {m.unmet:.1%} vs greedy {g.unmet:.1%} "
                     f"(greedy leaves {more:.0%} more); transport cost "
                     f"{m.cost_tkm / g.cost_tkm:.2f}x greedy's")
    if lp is not None and lp.metrics is not None and outcome.held_to == GREEDY:
        # (only on the instance's routes, which the LP and the plain greedy share)
        lp_items = list(lp.metrics.worst_total)
        ours = _mean({i: m.worst_total[i] for i in lp_items})
        lines.append(f"worst-off total coverage, mean over the {len(lp_items)} items PuLP solved:"
                     f" {ours:.3f} in whole units vs {_mean(lp.metrics.worst_total):.3f} in "
                     "the LP's fractional ones")
        # the LP relaxes whole units, so it can only be above: below means a solver inaccuracy
        below = [i for i in lp_items if lp.metrics.worst_total[i] < m.worst_total[i] - 1e-4]
        if below:
            lines.append("[red]PuLP's LP optimum is below the whole-unit plan on "
                         f"{', '.join(below)}: an LP solver inaccuracy[/red]")
    against = "" if greedy is None or greedy.method == GREEDY else f" ({greedy.method})"
    return [f"{outcome.method}, against the baselines{against}:"] + [
        f"  {line}" for line in lines]


def _mean(per_item: dict[str, float]) -> float:
    return float(np.mean(list(per_item.values()))) if per_item else 1.0


def summary(case: Case, outcomes: list[Outcome]) -> Table:
    """One row per measurement: time, worst-off, unmet need, cost, floor."""
    p = case.problem
    out = Table(title=f"{case.scale.name}: {len(p.areas):,} areas, {len(p.depots)} depots, "
                f"{len(p.items)} items, {len(p.routes or []):,} routes (seed {case.seed})")
    for col in ("method", "time (s)", "worst-off priority\nmin / mean of items",
                "worst-off total\nmin / mean of items", "unmet need\n(priority x3)",
                "cost (t km)", "floor"):
        out.add_column(col)
    for o in outcomes:
        m = o.metrics
        cells = ["-"] * 4 if m is None or not o.complete else [
            f"{min(m.worst_priority.values()):.2f} / {_mean(m.worst_priority):.2f}",
            f"{min(m.worst_total.values()):.2f} / {_mean(m.worst_total):.2f}",
            f"{m.unmet:.1%}", f"{m.cost_tkm:,.0f}"]
        name = o.method + (f"\n[dim]{o.note}[/dim]" if o.note else "")
        out.add_row(name, f"{o.seconds:.2f}", *cells, verdict(o, _named(outcomes, o.held_to)))
    return out


def per_item(case: Case, outcomes: list[Outcome]) -> Table:
    """Worst-off coverage per item: total (priority), for each measurement with a plan."""
    shown = [o for o in outcomes if o.metrics is not None]
    out = Table(title=f"{case.scale.name}: worst-off coverage per item, total (priority)")
    out.add_column("item")
    out.add_column("stock / demand")
    for o in shown:
        out.add_column(o.method.split(" (")[0])
    for item in case.problem.items:
        demand = sum(a.demand.get(item.code, 0) for a in case.problem.areas)
        stock = sum(d.stock.get(item.code, 0) for d in case.problem.depots)
        cells = [_coverage(o.metrics, item.code) if o.metrics else "-" for o in shown]
        out.add_row(item.code, f"{stock / demand:.2f}" if demand else "-", *cells)
    return out


def _coverage(m: Metrics, item: str) -> str:
    if item not in m.worst_total:
        return "-"
    return f"{m.worst_total[item]:.3f} ({m.worst_priority[item]:.3f})"


def _named(outcomes: Sequence[Outcome], method: str) -> Outcome | None:
    return next((o for o in outcomes if o.method == method), None)


NOTES = (
    "PuLP solves the max-min + cost stages of the same model, which is the first level of "
    "the leximin: per item, maximise the least priority coverage, fix it, maximise the least "
    "total coverage, fix it, minimise cost. Its units are fractional, so its worst-off bounds "
    "the whole-unit one from above; and once the minimum levels are fixed, minimising cost may "
    "cut areas above the worst-off back towards it, which would show as more unmet need.",
    "Worst-off: the smallest coverage of any area a stocked depot reaches, per item. An item "
    "areas need one or two units of has a whole-unit worst-off of 0 whenever it is short.",
    f"Unmet need: mean over items of the unmet share, a vulnerable person's unit counting "
    f"x{PRIORITY_WEIGHT:g}; areas no depot reaches included. Cost: quantity x km x item weight.",
)


def _end_to_end(choice: str) -> list[Measurement]:
    """The app's load-solve-store measurements for the databases asked for and reachable."""
    from bench import allocation_db  # imports the app; it imports this module

    kinds = {"both": ["sqlite", "postgres"], "none": []}.get(choice, [choice])
    if "postgres" in kinds and not allocation_db.postgres_reachable():
        console.print(f"[yellow]PostgreSQL is not reachable at {allocation_db.PG_URL}: "
                      "skipping the end-to-end measurement there.[/yellow]")
        kinds.remove("postgres")
    # the app routes by a radius, not by each area's nearest depots: its own greedy baseline
    baseline = [allocation_db.measure_greedy_in_reach] if kinds else []
    return baseline + [allocation_db.end_to_end(kind) for kind in kinds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=[*SCALES, "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-pulp", action="store_true", help="skip the PuLP+CBC baseline")
    parser.add_argument("--pulp-budget", type=float, default=PULP_BUDGET_S,
                        help="seconds PuLP may take per scale, model building included")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both", "none"], default="both",
                        help="databases to run the app end to end on (load, solve, store)")
    args = parser.parse_args()
    if pulp is None and not args.no_pulp:
        parser.error("PuLP is not installed: pip install -e '.[bench]', or pass --no-pulp")
    measurements = [m for m in MEASUREMENTS if not (args.no_pulp and m is measure_pulp)]
    measurements += _end_to_end(args.db)
    broken = False
    for name in list(SCALES) if args.scale == "both" else [args.scale]:
        case = Case(SCALES[name], args.seed, generate(name, args.seed), args.pulp_budget)
        outcomes = run(case, measurements)
        lp = _named(outcomes, PULP)
        console.print(summary(case, outcomes), per_item(case, outcomes))
        for o in outcomes:
            if o.fair:
                for line in ratios(o, _named(outcomes, o.held_to), lp):
                    console.print(line)
        broken |= any(verdict(o, _named(outcomes, o.held_to)).startswith("FAIL")
                      for o in outcomes)
    for note in NOTES if not args.no_pulp else NOTES[1:]:
        console.print(f"[dim]{note}[/dim]")
    if broken:
        raise SystemExit(1)


if __name__ == "__main__":
    # run the importable module's main, so bench.allocation_db shares its classes and console
    from bench.allocation import main as _main

    _main()
