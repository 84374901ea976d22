"""The trips stage of the supply plan: fewest depot -> area trips, then least transport cost,
with every area's delivered amount of every item fixed to what the fairness stages gave.

A trip is a depot -> area pair used by any item: one vehicle run, whatever it carries. With
the amounts fixed this is a fixed-charge transportation problem coupling the items, solved on
CP-SAT: whole x[p, k] >= 0 per pair p (on an allowed route) and item k, a boolean y[p] with
x[p, k] <= cap[p, k] * y[p], each area receiving exactly its fixed amount, each depot shipping
at most its available stock, and with `max_depots_per_area` at most that many y[p] per area.

Lexicographic, in two solves of one model:
1. fewest trips (and before that, when a depot limit is set, the fewest depots above the limit
   summed over areas: weighted by the number of pairs + 1, so one depot over the limit always
   outweighs every trip; 0 whenever the limit can be kept);
2. keeping 1 at the value found, least cost (sum of x x integer unit cost).
Both are hinted: 1 with a heuristic plan, 2 with the cheapest flows on the trips 1 chose
(per-item min-cost flows). The heuristic starts from the per-item flow plan, runs dynamic slope
scaling (Kim & Pardalos 1999: each item's min-cost flow with the trip's fixed charge spread over
the units it carried, and free where another item already pays it) and then drops every trip
the others can do without (max-flow per item). A large part's model holds, per area, its
CANDIDATES nearest pairs and every pair the flow plan or the heuristic uses, so it stays small
enough to build and search within the time; a plan so found is reported feasible, with its gap
to the lower bound of the whole part. The lower bound is the larger of two: per area, the
fewest depots whose stock of some item reaches its amount; and the depots that must ship,
because an item's every unit in reach is needed. The pairs split into connected parts (depots and
areas joined by pairs that can carry something); a part whose flow plan already sends one trip
per area is optimal as it is (every area needs a trip, and the flow plan is the cheapest of
all), the others are solved in batches within the time left. A batch CP-SAT finds nothing for
keeps the flow plan. Pure: arrays in, arrays out.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]
from ortools.sat.python import cp_model

from optimizer.consolidate import connected_parts

MAX_BATCH_VARS = 4_000  # small parts share a model up to this many x variables
# of a batch's time, where each step must end: slope scaling, dropping trips, solve 1 (trips)
SCALING_SHARE, DROP_SHARE, FIRST_SHARE = 0.3, 0.6, 0.8
MAX_WORKERS = 8
# a batch's time: in proportion to its candidate pairs, at least the minimum, within the limit
SECONDS_PER_PAIR, MIN_SECONDS = 1.5e-4, 0.2
CANDIDATES = 16  # nearest pairs per area in a large part's model (plus those the plans use)
SCALING_ROUNDS = 8  # slope-scaling rounds at most; it stops earlier once a round gains nothing
FIXED_CHARGE = 10**9  # a trip's charge in slope scaling, above every plan's transport cost


@dataclass(frozen=True)
class TripProblem:
    """Candidate pairs (depot, area) on allowed routes, and the fixed amounts per area x item."""

    available: np.ndarray  # depot x item: stock above the reserve
    target: np.ndarray  # area x item: delivered amounts to keep
    pair_depot: np.ndarray
    pair_area: np.ndarray
    unit_cost: np.ndarray  # pair x item, whole cost units per unit shipped
    flow: np.ndarray  # pair x item: the flow plan, feasible for these amounts
    limit: int | None = None  # most depots per area
    opened: np.ndarray | None = None  # pair: a trip every plan makes (a pinned route)

    def opened_at(self, pairs: np.ndarray) -> np.ndarray:
        """Which of these pairs every plan uses (pinned routes)."""
        if self.opened is None:
            return np.zeros(len(pairs), dtype=bool)
        out: np.ndarray = self.opened[pairs]
        return out

    def used(self, pairs: np.ndarray, flow: np.ndarray) -> np.ndarray:
        """The trips of a plan on these pairs: those carrying something, and the opened."""
        used: np.ndarray = (flow.sum(axis=1) > 0) | self.opened_at(pairs)
        return used

    @property
    def caps(self) -> np.ndarray:
        """What a pair may carry of an item: the depot's stock and the area's amount."""
        caps: np.ndarray = np.minimum(self.available[self.pair_depot],
                                      self.target[self.pair_area])
        return caps


@dataclass(frozen=True)
class TripResult:
    quantity: np.ndarray  # pair x item
    status: str  # "optimal", "feasible" or "flow"
    gap: float
    cost_gap: float
    parts: int
    note: str


@dataclass
class _Tally:
    """Objective values and bounds summed over the parts."""

    trips: float = 0.0
    trips_bound: float = 0.0
    cost: float = 0.0
    cost_bound: float = 0.0
    proven: int = 0
    unproven: int = 0
    kept_flow: int = 0


def consolidate(problem: TripProblem, deadline: float, workers: int = 1) -> TripResult:
    """Fewest trips, then least cost, with the amounts fixed; the flow plan where unsolved."""
    n_depots, n_areas = len(problem.available), len(problem.target)
    quantity = problem.flow.copy()
    if not len(problem.pair_depot):
        return TripResult(quantity, "optimal", 0.0, 0.0, 0, "")
    label = connected_parts(problem.pair_depot, n_depots + problem.pair_area,
                            n_depots + n_areas)[problem.pair_depot]
    order = np.argsort(label, kind="stable")
    cuts = np.nonzero(np.diff(label[order]))[0] + 1
    parts = np.split(order, cuts)
    tally = _Tally()
    caps = problem.caps
    hard = []
    for part in parts:
        used = problem.used(part, problem.flow[part])
        served = lower_bound(problem, part)
        cost = float((problem.flow[part] * problem.unit_cost[part]).sum())
        if int(used.sum()) == served:  # as few trips as can be, the cheapest plan: optimal
            tally.trips += served
            tally.trips_bound += served
            tally.cost += cost
            tally.cost_bound += cost
            tally.proven += 1
        else:
            hard.append(part)
    hard.sort(key=lambda p: int((caps[p] > 0).sum()))
    batches = _batches(hard, caps)
    sizes = [sum(int((caps[p] > 0).sum()) for p in batch) for batch in batches]
    for i, batch in enumerate(batches):
        pairs = np.concatenate(batch)
        left = deadline - time.monotonic()
        budget = min(left * sizes[i] / max(sum(sizes[i:]), 1),
                     max(MIN_SECONDS, SECONDS_PER_PAIR * len(np.concatenate(batch))))
        solved = _solve_batch(problem, pairs, budget, workers) if budget > 0.005 else None
        if solved is None:
            flow = problem.flow[pairs]
            trips = float(problem.used(pairs, flow).sum())
            cost = float((flow * problem.unit_cost[pairs]).sum())
            tally.trips += trips
            tally.trips_bound += float(lower_bound(problem, pairs))
            tally.cost += cost
            tally.cost_bound += 0.0
            tally.kept_flow += len(batch)
            continue
        quantity[pairs], values, proven = solved
        tally.trips += values[0]
        tally.trips_bound += values[1]
        tally.cost += values[2]
        tally.cost_bound += values[3]
        if proven:
            tally.proven += len(batch)
        else:
            tally.unproven += len(batch)
    return _result(quantity, tally, len(parts), len(hard))


def _result(quantity: np.ndarray, tally: _Tally, parts: int, hard: int) -> TripResult:
    notes = []
    if hard:
        notes.append(f"{hard} of {parts} part(s) needed CP-SAT")
    if tally.unproven:
        notes.append(f"{tally.unproven} part(s) not proven within the time limit")
    if tally.kept_flow:
        notes.append(f"{tally.kept_flow} part(s) kept the flow plan (no CP-SAT plan in time)")
    if tally.kept_flow and not tally.unproven and tally.kept_flow == hard:
        status = "flow"
    elif tally.kept_flow or tally.unproven:
        status = "feasible"
    else:
        status = "optimal"
    return TripResult(quantity, status, _gap(tally.trips, tally.trips_bound),
                      _gap(tally.cost, tally.cost_bound), parts, "; ".join(notes))


def _gap(value: float, bound: float) -> float:
    return round(max(value - bound, 0.0) / value, 6) if value > 0 else 0.0


def _batches(parts: list[np.ndarray], caps: np.ndarray) -> list[list[np.ndarray]]:
    """Independent parts packed into models of at most MAX_BATCH_VARS variables (a large part
    gets a model of its own)."""
    batches: list[list[np.ndarray]] = []
    size = MAX_BATCH_VARS + 1
    for part in parts:
        n = int((caps[part] > 0).sum())
        if size + n > MAX_BATCH_VARS:
            batches.append([])
            size = 0
        batches[-1].append(part)
        size += n
    return batches


_Values = tuple[float, float, float, float]  # trips and their bound, cost and its bound


def _solve_batch(problem: TripProblem, pairs: np.ndarray, seconds: float,
                 workers: int) -> tuple[np.ndarray, _Values, bool] | None:
    """Solves 1 and 2 on these pairs; None if CP-SAT finds no plan in time."""
    started = time.monotonic()
    end = started + seconds
    lower = float(lower_bound(problem, pairs))  # no plan has fewer trips
    start = _slope_scaling(problem, pairs, problem.flow[pairs], started + seconds * SCALING_SHARE)
    start = _drop(problem, pairs, start, started + seconds * DROP_SHARE)
    sub = _candidates(problem, pairs, problem.used(pairs, start)
                      | problem.used(pairs, problem.flow[pairs]))
    pruned = len(sub) < len(pairs)
    model = _Model(problem, pairs[sub], _must_ship(problem, pairs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, min(workers, MAX_WORKERS))
    solver.parameters.linearization_level = 2  # far better trip bounds for a single worker
    model.hint(start[sub])
    first = start
    if model.first_value(start[sub]) <= lower:  # the heuristic plan meets the bound: proven
        trips_value, trips_bound, proven = lower, lower, True
    else:
        solver.parameters.max_time_in_seconds = max(
            started + seconds * FIRST_SHARE - time.monotonic(), 0.001)
        model.model.minimize(model.first)
        status = solver.solve(model.model)
        trips_value, trips_bound = model.first_value(start[sub]), lower
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) \
                and solver.objective_value <= trips_value:
            first = _widen(sub, len(pairs), model.values(solver))
            trips_value = solver.objective_value
            if not pruned and not model.over:  # a bound on trips alone, over every pair
                trips_bound = max(solver.best_objective_bound, lower)
        proven = (status == cp_model.OPTIMAL and not pruned) or trips_value <= trips_bound
    # solve 2: the trips found are kept; the cheapest flows on the chosen pairs are the hint
    cheapest = _cheapest_on(problem, pairs, problem.used(pairs, first))
    model.model.add(model.first <= int(round(trips_value)))
    model.model.clear_hints()  # type: ignore[no-untyped-call]
    model.hint(cheapest[sub])
    model.model.minimize(model.cost)
    solver.parameters.linearization_level = 1
    solver.parameters.max_time_in_seconds = max(end - time.monotonic(), 0.001)
    status = solver.solve(model.model)
    best = cheapest
    cost = float((cheapest * problem.unit_cost[pairs]).sum())
    cost_bound = 0.0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value <= cost:
        best = _widen(sub, len(pairs), model.values(solver))
        cost = solver.objective_value
        if not pruned:
            cost_bound = solver.best_objective_bound
        proven &= status == cp_model.OPTIMAL and not pruned
    else:
        proven = False
    return best, (float(problem.used(pairs, best).sum()), trips_bound, cost, cost_bound), proven


def _widen(sub: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """A plan on the model's pairs, as a plan on all pairs of the batch."""
    out = np.zeros((n, values.shape[1]), dtype=np.int64)
    out[sub] = values
    return out


def _candidates(problem: TripProblem, pairs: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Positions (in pairs) the model holds: per area its CANDIDATES cheapest pairs, and every
    pair a plan uses (so the hint is a plan of the model); all of them in a small part."""
    area = problem.pair_area[pairs]
    keep = used.copy()
    distance = problem.unit_cost[pairs].max(axis=1)
    order = np.lexsort((distance, area))
    sorted_area = area[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_area, sorted_area)
    keep[order[rank < CANDIDATES]] = True
    return np.nonzero(keep)[0]


def lower_bound(problem: TripProblem, pairs: np.ndarray | None = None) -> int:
    """No plan of these pairs (all of them by default) has fewer trips: the larger of the
    per-area bound and the number of depots that must ship."""
    if pairs is None:
        pairs = np.arange(len(problem.pair_depot))
    opened = int(problem.opened_at(pairs).sum())
    return max(int(_min_depots(problem, pairs).sum()), len(_must_ship(problem, pairs)), opened)


def _must_ship(problem: TripProblem, pairs: np.ndarray) -> np.ndarray:
    """The depots of these pairs that every plan uses. What a depot can send of an item is its
    stock, at most the amounts of the areas it reaches; where that, summed over the depots, is
    no more than the areas need, losing any depot that can send some leaves too little."""
    reached = np.zeros(problem.available.shape, dtype=np.int64)
    np.add.at(reached, problem.pair_depot[pairs], problem.target[problem.pair_area[pairs]])
    depots = np.unique(problem.pair_depot[pairs])
    sendable = np.minimum(problem.available[depots], reached[depots])
    needed = problem.target[np.unique(problem.pair_area[pairs])].sum(axis=0)
    scarce = (sendable.sum(axis=0) <= needed) & (needed > 0)
    out: np.ndarray = depots[(sendable[:, scarce] > 0).any(axis=1)]
    return out


def _slope_scaling(problem: TripProblem, pairs: np.ndarray, flow: np.ndarray,
                   deadline: float) -> np.ndarray:
    """Dynamic slope scaling from the flow plan: item by item, a min-cost flow whose unit cost
    on a pair is the transport cost plus the trip's fixed charge over the units the item sent
    on it last round (over its capacity if it sent none), and nothing where another item
    already uses the pair. Rounds until one gains no trip; the best plan found."""
    best, plan = flow.copy(), flow.copy()
    best_trips = int(problem.used(pairs, best).sum())
    opened = problem.opened_at(pairs)
    caps = problem.caps[pairs]
    for _ in range(SCALING_ROUNDS):
        for k in np.nonzero(caps.sum(axis=0) > 0)[0].tolist():
            if time.monotonic() > deadline:
                return best
            others = ((plan.sum(axis=1) - plan[:, k]) > 0) | opened
            sent = np.where(plan[:, k] > 0, plan[:, k], caps[:, k])
            charge = np.where(others, 0, FIXED_CHARGE // np.maximum(sent, 1))
            plan[:, k] = _item_flow(problem, pairs, k, problem.unit_cost[pairs][:, k] + charge)
        trips = int(problem.used(pairs, plan).sum())
        if trips >= best_trips:
            break
        best, best_trips = plan.copy(), trips
    return best


def _min_depots(problem: TripProblem, pairs: np.ndarray) -> np.ndarray:
    """Per area of these pairs, a lower bound on the depots it needs: for each item, the
    fewest of its pairs whose capacities together reach the area's amount."""
    caps = problem.caps[pairs]
    areas, row = np.unique(problem.pair_area[pairs], return_inverse=True)
    out = np.ones(len(areas), dtype=np.int64)
    order = np.argsort(row, kind="stable")
    cuts = np.nonzero(np.diff(row[order]))[0] + 1
    for i, rows in enumerate(np.split(order, cuts)):
        ranked = -np.sort(-caps[rows], axis=0).cumsum(axis=0)  # largest first, summed
        need = problem.target[areas[i]]
        enough = ranked >= need[None, :]  # any(axis=0) holds: the flow plan delivers it
        out[i] = int((np.argmax(enough, axis=0) + 1)[need > 0].max(initial=0))  # 0: no need
    return out


def _drop(problem: TripProblem, pairs: np.ndarray, flow: np.ndarray,
          deadline: float) -> np.ndarray:
    """A start for CP-SAT: from the flow plan's trips, drop each trip (least loaded first)
    whose items can still reach every area's amount without it (max-flow per item), then the
    cheapest flows on the trips left."""
    caps = problem.caps[pairs]
    used = problem.used(pairs, flow)
    opened = problem.opened_at(pairs)
    depots, d_ix = np.unique(problem.pair_depot[pairs], return_inverse=True)
    areas, a_ix = np.unique(problem.pair_area[pairs], return_inverse=True)
    nd, na = len(depots), len(areas)
    targets = problem.target[areas]
    for r in np.argsort(flow.sum(axis=1), kind="stable").tolist():
        if time.monotonic() > deadline:
            break
        if not used[r] or opened[r]:
            continue
        used[r] = False
        for k in np.nonzero(caps[r] > 0)[0].tolist():
            keep = np.nonzero(used & (caps[:, k] > 0))[0]
            mf = max_flow.SimpleMaxFlow()
            mf.add_arcs_with_capacity(np.full(nd, nd + na), np.arange(nd),
                                      problem.available[depots, k].astype(np.int64))
            mf.add_arcs_with_capacity(d_ix[keep].astype(np.int64),
                                      nd + a_ix[keep].astype(np.int64),
                                      caps[keep, k].astype(np.int64))
            mf.add_arcs_with_capacity(nd + np.arange(na), np.full(na, nd + na + 1),
                                      targets[:, k].astype(np.int64))
            if (mf.solve(nd + na, nd + na + 1) != mf.OPTIMAL
                    or mf.optimal_flow() < int(targets[:, k].sum())):
                used[r] = True
                break
    return _cheapest_on(problem, pairs, used)


class _Model:
    """The fixed-charge transportation model of a set of pairs (one or more whole parts)."""

    def __init__(self, problem: TripProblem, pairs: np.ndarray, must: np.ndarray) -> None:
        self.model = model = cp_model.CpModel()
        caps = problem.caps[pairs]
        self.shape = caps.shape
        self.cells = np.argwhere(caps > 0)  # (row in pairs, item) of each x
        self.x = [model.new_int_var(0, int(caps[r, k]), "") for r, k in self.cells.tolist()]
        self.y = [model.new_bool_var("") for _ in range(len(pairs))]
        self.x_index = np.fromiter((v.index for v in self.x), dtype=np.int64, count=len(self.x))
        self.y_index = np.fromiter((v.index for v in self.y), dtype=np.int64, count=len(self.y))
        self.opened = problem.opened_at(pairs)
        for r in np.nonzero(self.opened)[0].tolist():
            model.add(self.y[r] == 1)
        rows = self.cells[:, 0]
        for j, r in enumerate(rows.tolist()):
            model.add(self.x[j] <= int(caps[self.cells[j, 0], self.cells[j, 1]]) * self.y[r])
        area = problem.pair_area[pairs]
        depot = problem.pair_depot[pairs]
        items = self.cells[:, 1]
        for (a, k), js in _groups(area[rows], items).items():
            model.add(sum(self.x[j] for j in js) == int(problem.target[a, k]))
        for (d, k), js in _groups(depot[rows], items).items():
            if int(caps[rows[js], k].sum()) > int(problem.available[d, k]):
                model.add(sum(self.x[j] for j in js) <= int(problem.available[d, k]))
        for d in must.tolist():  # redundant, but it gives the search the bound at once
            model.add_bool_or([self.y[r] for r in np.nonzero(depot == d)[0].tolist()])
        trips = cp_model.LinearExpr.sum(self.y)
        self.over: list[tuple[cp_model.IntVar, list[int]]] = []
        for (a, _), rs in _groups(area, np.zeros(len(area), dtype=np.int64)).items():
            if problem.target[a].any():
                model.add_bool_or([self.y[r] for r in rs])  # every area served needs a trip
            if problem.limit is not None and len(rs) > problem.limit:
                e = model.new_int_var(0, len(rs) - problem.limit, "")
                model.add(sum(self.y[r] for r in rs) <= problem.limit + e)
                self.over.append((e, rs))
        self.limit = problem.limit or 0
        self.weight = len(pairs) + 1  # one depot over the limit outweighs every trip
        self.first = trips + self.weight * cp_model.LinearExpr.sum([e for e, _ in self.over])
        unit = problem.unit_cost[pairs][rows, items]
        self.cost = cp_model.LinearExpr.weighted_sum(self.x, unit.tolist())

    def _over(self, used: np.ndarray) -> list[int]:
        return [max(int(used[rs].sum()) - self.limit, 0) for _, rs in self.over]

    def first_value(self, flow: np.ndarray) -> float:
        """Objective 1 of a plan: trips, plus the weighted depots over the limit."""
        used = (flow.sum(axis=1) > 0) | self.opened
        return float(used.sum() + self.weight * sum(self._over(used)))

    def hint(self, flow: np.ndarray) -> None:
        """A whole-plan hint, written to the model's proto in three bulk extends: one
        add_hint call per variable costs about 8 us, which on a district is most of a second."""
        used = (flow.sum(axis=1) > 0) | self.opened
        hint = self.model.proto.solution_hint
        hint.vars.extend(self.x_index.tolist())
        hint.values.extend(flow[self.cells[:, 0], self.cells[:, 1]].tolist())
        hint.vars.extend(self.y_index.tolist())
        hint.values.extend(used.astype(np.int64).tolist())
        hint.vars.extend([var.index for var, _ in self.over])
        hint.values.extend(self._over(used))

    def values(self, solver: cp_model.CpSolver) -> np.ndarray:
        out = np.zeros(self.shape, dtype=np.int64)
        solution = np.asarray(solver.response_proto.solution, dtype=np.int64)
        out[self.cells[:, 0], self.cells[:, 1]] = solution[self.x_index]
        return out


def _groups(a: np.ndarray, b: np.ndarray) -> dict[tuple[int, int], list[int]]:
    """Positions of each (a, b) pair of values, in first-seen order."""
    out: dict[tuple[int, int], list[int]] = {}
    for j, key in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        out.setdefault(key, []).append(j)
    return out


def _cheapest_on(problem: TripProblem, pairs: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The least-cost flows using only the chosen pairs, per item (min-cost flow each)."""
    out = np.zeros((len(pairs), problem.target.shape[1]), dtype=np.int64)
    cost = np.where(chosen[:, None], problem.unit_cost[pairs], -1)
    for k in range(out.shape[1]):
        out[:, k] = _item_flow(problem, pairs, k, cost[:, k])
    return out


def _item_flow(problem: TripProblem, pairs: np.ndarray, k: int, cost: np.ndarray) -> np.ndarray:
    """Item k's least-cost flow over the pairs (a negative cost closes a pair) that delivers
    every area its amount."""
    out = np.zeros(len(pairs), dtype=np.int64)
    caps = problem.caps[pairs][:, k]
    rows = np.nonzero((caps > 0) & (cost >= 0))[0]
    depots, d_ix = np.unique(problem.pair_depot[pairs][rows], return_inverse=True)
    areas, a_ix = np.unique(problem.pair_area[pairs][rows], return_inverse=True)
    all_areas = np.unique(problem.pair_area[pairs])
    total = int(problem.target[all_areas, k].sum())
    if not total:
        return out
    nd, na = len(depots), len(areas)
    target = problem.target[areas, k].astype(np.int64)
    mcf = min_cost_flow.SimpleMinCostFlow()
    source, sink = nd + na, nd + na + 1
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.full(nd, source), np.arange(nd), problem.available[depots, k].astype(np.int64),
        np.zeros(nd, dtype=np.int64))
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        d_ix.astype(np.int64), nd + a_ix.astype(np.int64), caps[rows].astype(np.int64),
        cost[rows].astype(np.int64))
    mcf.add_arcs_with_capacity_and_unit_cost(nd + np.arange(na), np.full(na, sink), target,
                                             np.zeros(na, dtype=np.int64))
    mcf.set_node_supply(source, total)
    mcf.set_node_supply(sink, -total)
    if int(target.sum()) != total or mcf.solve() != mcf.OPTIMAL:
        raise RuntimeError("the chosen trips cannot carry the fixed amounts")
    out[rows] = mcf.flows(arcs)
    return out
