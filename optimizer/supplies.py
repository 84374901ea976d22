"""Fair, optimal supply allocation from depots to areas.

Lexicographic: leximin priority -> leximin total -> fewest trips -> least cost. For each item,
on the allowed routes, with each depot's stock above its protected reserve:
1. leximin coverage of priority demand (delivered / priority demand), by progressive filling;
2. keeping those amounts, leximin coverage of total demand;
then, every area's amount of every item fixed to what 1-2 gave (the flow plan, the cheapest
per item, is the start), the items together (optimizer.trips, CP-SAT, within the time left):
3. the fewest trips: distinct depot -> area pairs used (at most `max_depots_per_area` depots
   per area where the fixed amounts allow; where not, the fewest above it, reported);
4. the least transport cost (quantity x km x item weight) with those trips.
`SolveParams(consolidate=False)` stops after 1-2 with the per-item cheapest routes.

Each filling step is a parametric max-flow: the common level t of the still-rising areas is
raised until a min cut says a group of areas has exhausted the depots that can reach it
(Newton steps on that cut's capacity); that group is frozen and the rest keep rising.
Quantities are whole units; an area never gets more than its demand, a depot never ships
more than its stock. Pure: dataclasses in, dataclasses out.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]

from optimizer import trips
from optimizer.greedy import nearest_depot
from optimizer.supply_model import (
    AreaNeed,
    AreaResult,
    Consolidation,
    DepotStock,
    ItemSpec,
    OverLimit,
    ReserveKept,
    Route,
    Shipment,
    SolveParams,
    SupplyPlan,
    SupplyProblem,
    TimeUp,
    Unreachable,
    count_trips,
    over_limit,
    routes_for,
    worst_coverage,
)

COST_SCALE = 10  # cost units per km x kg: integer costs for the flow solver, 100 m x kg apart


WRAP_UP_S = 0.05  # of the time limit, kept for writing out the plan after the trips stage

TOP_UP_BANDS = 16  # leftover units go to the lowest of this many coverage bands first


@dataclass
class _Index:
    """Every item's depots, areas and routes as arrays, built once per solve.

    Depots and areas are sorted by code, so each item's network, and so the plan, come out in
    code order; routes naming an unknown depot or area are dropped."""

    depots: list[str]
    areas: list[str]
    stock: np.ndarray  # depot x item: what may be shipped (stock above the reserve)
    demand: np.ndarray  # area x item
    priority: np.ndarray  # area x item, at most the demand
    arc_depot: np.ndarray
    arc_area: np.ndarray
    arc_km: np.ndarray


def _index(problem: SupplyProblem, routes: list[Route]) -> _Index:
    items = [item.code for item in problem.items]
    depot_of = {d.code: d for d in problem.depots}
    area_of = {a.code: a for a in problem.areas}
    depots, areas = sorted(depot_of), sorted(area_of)
    stock = np.array([[depot_of[d].available(i) for i in items] for d in depots],
                     dtype=np.int64).reshape(len(depots), len(items))
    demand = np.array([[int(area_of[a].demand.get(i, 0)) for i in items] for a in areas],
                      dtype=np.int64).reshape(len(areas), len(items))
    priority = np.array([[int(area_of[a].priority_demand.get(i, 0)) for i in items]
                         for a in areas], dtype=np.int64).reshape(len(areas), len(items))
    d_ix = {c: i for i, c in enumerate(depots)}
    a_ix = {c: i for i, c in enumerate(areas)}
    known = [r for r in routes if r.depot in d_ix and r.area in a_ix]
    return _Index(depots, areas, stock, demand, np.minimum(priority, demand),
                  np.array([d_ix[r.depot] for r in known], dtype=np.int64),
                  np.array([a_ix[r.area] for r in known], dtype=np.int64),
                  np.array([r.km for r in known], dtype=np.float64))


@dataclass
class _ItemNet:
    """One item's network: depots with stock, areas with demand, arcs between them."""

    depots: list[str]
    stock: np.ndarray
    areas: list[str]
    demand: np.ndarray
    priority: np.ndarray
    arc_depot: np.ndarray
    arc_area: np.ndarray
    arc_km: np.ndarray


def _net(index: _Index, k: int) -> tuple[_ItemNet, list[str]]:
    """Item k's network, and the areas wanting it that no stocked depot reaches."""
    stock, demand = index.stock[:, k], index.demand[:, k]
    used = (stock[index.arc_depot] > 0) & (demand[index.arc_area] > 0)
    depots, arc_depot = np.unique(index.arc_depot[used], return_inverse=True)
    areas, arc_area = np.unique(index.arc_area[used], return_inverse=True)
    lost = np.ones(len(index.areas), dtype=bool)
    lost[areas] = False
    lost &= demand > 0
    net = _ItemNet([index.depots[d] for d in depots.tolist()], stock[depots],
                   [index.areas[a] for a in areas.tolist()], demand[areas],
                   index.priority[areas, k], arc_depot.astype(np.int64).reshape(-1),
                   arc_area.astype(np.int64).reshape(-1), index.arc_km[used])
    return net, [index.areas[a] for a in np.nonzero(lost)[0].tolist()]


class _Filler:
    """Progressive filling on one item's network with a reusable max-flow graph."""

    def __init__(self, net: _ItemNet, deadline: float) -> None:
        self.net, self.deadline = net, deadline
        nd, na = len(net.depots), len(net.areas)
        self.source, self.sink = nd + na, nd + na + 1
        self.flow = max_flow.SimpleMaxFlow()
        big = int(net.stock.sum()) + 1
        self.flow.add_arcs_with_capacity(np.full(nd, self.source), np.arange(nd), net.stock)
        self.flow.add_arcs_with_capacity(net.arc_depot, nd + net.arc_area,
                                         np.full(len(net.arc_depot), big, dtype=np.int64))
        self.sink_arcs = self.flow.add_arcs_with_capacity(
            nd + np.arange(na), np.full(na, self.sink), np.zeros(na, dtype=np.int64))

    def fill(self, lower: np.ndarray, weight: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Leximin amounts x with lower <= x <= upper, levels x/weight raised together."""
        amount = lower.astype(np.int64).copy()
        active = (weight > 0) & (upper > lower)
        while active.any():
            self._check_time()
            level, group = self._max_level(amount, active, lower, weight, upper)
            target = self._at(level, lower, weight, upper)
            if group is None:  # every rising area reaches its cap or level 1
                amount[active] = target[active]
                break
            # the bottleneck group has exhausted the depots that reach it: it stops here
            frozen_now = active & group
            amount[frozen_now] = target[frozen_now]
            active &= ~group
        return self._top_up(amount, weight, upper)

    def _top_up(self, amount: np.ndarray, weight: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """Hand out the whole units that rounding the levels down left in the depots.

        One more unit per area at most, lowest coverage first, never taking from anyone: a
        min-cost flow where the units already given are worth far more than the extra ones.
        """
        room = (weight > 0) & (amount < upper)
        if not room.any():
            return amount
        caps = np.where(room, amount + 1, amount)
        if self._solve(caps)[0] <= int(amount.sum()):
            return amount  # no leftover unit can reach an area with room
        net, nd, na = self.net, len(self.net.depots), len(self.net.areas)
        ratio = np.where(weight > 0, amount / np.maximum(weight, 1), 1.0)
        # lowest coverage first, in TOP_UP_BANDS bands: small costs keep the flow solver fast
        rank = np.empty(na, dtype=np.int64)
        rank[np.argsort(ratio, kind="stable")] = np.arange(na) * TOP_UP_BANDS // max(na, 1)
        keep = 2 * (TOP_UP_BANDS + 2)  # one kept unit outweighs any two extra ones
        source, sink = nd + na, nd + na + 1
        mcf = min_cost_flow.SimpleMinCostFlow()
        zeros = np.zeros(nd, dtype=np.int64)
        mcf.add_arcs_with_capacity_and_unit_cost(np.full(nd, source), np.arange(nd), net.stock,
                                                 zeros)
        mcf.add_arcs_with_capacity_and_unit_cost(
            net.arc_depot, nd + net.arc_area, _route_caps(net, caps),
            np.zeros(len(net.arc_depot), dtype=np.int64))
        areas = nd + np.arange(na)
        mcf.add_arcs_with_capacity_and_unit_cost(areas, np.full(na, sink), amount,
                                                 np.full(na, -keep, dtype=np.int64))
        extra = mcf.add_arcs_with_capacity_and_unit_cost(
            areas, np.full(na, sink), (caps - amount).astype(np.int64), rank - (TOP_UP_BANDS + 1))
        mcf.add_arc_with_capacity_and_unit_cost(source, sink, int(net.stock.sum()), 0)
        mcf.set_node_supply(source, int(net.stock.sum()))
        mcf.set_node_supply(sink, -int(net.stock.sum()))
        if mcf.solve() != mcf.OPTIMAL:
            raise RuntimeError("min-cost flow failed while handing out leftover units")
        topped: np.ndarray = amount + mcf.flows(extra)
        return topped

    @staticmethod
    def _at(level: float, lower: np.ndarray, weight: np.ndarray,
            upper: np.ndarray) -> np.ndarray:
        raw = np.floor(np.maximum(lower, level * weight) + 1e-9).astype(np.int64)
        capped: np.ndarray = np.minimum(upper, np.maximum(lower, raw))
        return capped

    def _solve(self, caps: np.ndarray) -> tuple[int, np.ndarray]:
        self.flow.set_arcs_capacity(self.sink_arcs, caps)
        status = self.flow.solve(self.source, self.sink)
        if status != self.flow.OPTIMAL:
            raise RuntimeError(f"max-flow failed: {status}")
        side = np.zeros(len(self.net.depots) + len(self.net.areas) + 2, dtype=bool)
        side[self.flow.get_source_side_min_cut()] = True
        return self.flow.optimal_flow(), side

    def _max_level(self, amount: np.ndarray, active: np.ndarray, lower: np.ndarray,
                   weight: np.ndarray, upper: np.ndarray) -> tuple[float, np.ndarray | None]:
        """Newton steps down from level 1 to the highest level the network can carry.

        Returns the level and the bottleneck group that fixed it (None: nothing binds)."""
        nd = len(self.net.depots)
        level, group = 1.0, None
        for _ in range(10_000):
            self._check_time()
            caps = np.where(active, self._at(level, lower, weight, upper), amount)
            delivered, source_side = self._solve(caps)
            if delivered == int(caps.sum()):
                return level, group
            # Areas the source cannot reach in the residual graph are short: with the depots on
            # the sink side they form the bottleneck; find the level their supply allows.
            group = ~source_side[nd:nd + len(self.net.areas)]
            if not (group & active).any():
                raise RuntimeError("bottleneck without a rising area")
            supply = float(self.net.stock[~source_side[:nd]].sum())
            fixed = float(amount[group & ~active].sum())
            level = self._level_for(supply - fixed, group & active, lower, weight, upper, level)
        raise RuntimeError("no convergence in the fairness levels")

    @staticmethod
    def _level_for(supply: float, members: np.ndarray, lower: np.ndarray, weight: np.ndarray,
                   upper: np.ndarray, below: float) -> float:
        """Largest t <= below with sum over members of clip(t*w, lower, upper) <= supply."""
        lo_t, hi_t = 0.0, below
        w, lo, up = weight[members], lower[members], upper[members]
        for _ in range(60):  # bisection on a monotone piecewise-linear function
            mid = (lo_t + hi_t) / 2
            if np.minimum(up, np.maximum(lo, np.floor(mid * w + 1e-9))).sum() <= supply:
                lo_t = mid
            else:
                hi_t = mid
        return lo_t

    def _check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TimeUp


def _route_caps(net: _ItemNet, area_caps: np.ndarray) -> np.ndarray:
    """A route never carries more than its depot holds or its area may take.

    Tight capacities leave the optimum unchanged and make the min-cost flow ~25 % faster."""
    caps: np.ndarray = np.minimum(net.stock[net.arc_depot], area_caps[net.arc_area])
    return caps.astype(np.int64)


def _min_cost(net: _ItemNet, target: np.ndarray, weight: float) -> tuple[np.ndarray, float]:
    """Route exactly `target` to each area at the least quantity x km x weight."""
    nd, na = len(net.depots), len(net.areas)
    source, sink = nd + na, nd + na + 1
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(np.full(nd, source), np.arange(nd), net.stock,
                                             np.zeros(nd, dtype=np.int64))
    costs = np.rint(net.arc_km * weight * COST_SCALE).astype(np.int64)
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        net.arc_depot, nd + net.arc_area, _route_caps(net, target), costs)
    mcf.add_arcs_with_capacity_and_unit_cost(nd + np.arange(na), np.full(na, sink), target,
                                             np.zeros(na, dtype=np.int64))
    mcf.set_node_supply(source, int(target.sum()))
    mcf.set_node_supply(sink, -int(target.sum()))
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = mcf.flows(arcs)
    return flows, float((flows * net.arc_km).sum() * weight)


def solve(problem: SupplyProblem, params: SolveParams | None = None) -> SupplyPlan:
    """The fair plan with the fewest trips, then the cheapest; a labelled greedy plan if the
    time bound is reached in the fairness stages."""
    params = params or SolveParams()
    started = time.monotonic()
    deadline = started + params.time_limit_s
    routes = routes_for(problem)
    limit = problem.max_depots_per_area
    try:
        index = _index(problem, routes)
        shipments, areas, unreachable, cost = _solve_items(problem, index, deadline,
                                                           params.workers)
        status = "optimal"
        if params.consolidate:
            shipments, cost, report = _consolidate(problem, index, shipments, areas, deadline,
                                                   params)
        else:
            report = Consolidation("off", count_trips(shipments),
                                   over_limit=over_limit(shipments, limit))
    except TimeUp:
        shipments, areas, unreachable, cost = nearest_depot(problem, routes)
        status = "greedy"
        report = Consolidation("greedy", count_trips(shipments),
                               note="the fairness stages ran out of time: nearest-depot plan",
                               over_limit=over_limit(shipments, limit))
    return SupplyPlan(status, shipments, areas, unreachable, round(cost, 3),
                      round(time.monotonic() - started, 4), count_trips(shipments), report,
                      _reserves(problem, shipments))


def _reserves(problem: SupplyProblem, shipments: list[Shipment]) -> list[ReserveKept]:
    """Every protected reserve, and what its depot holds of the item after the plan."""
    shipped: dict[tuple[str, str], int] = {}
    for s in shipments:
        shipped[s.depot, s.item] = shipped.get((s.depot, s.item), 0) + s.quantity
    out = []
    for depot in sorted(problem.depots, key=lambda d: d.code):
        for item, units in sorted(depot.reserve.items()):
            if units > 0:
                stock = int(depot.stock.get(item, 0))
                out.append(ReserveKept(depot.code, item, min(int(units), stock),
                                       stock - shipped.get((depot.code, item), 0)))
    return out


def _consolidate(problem: SupplyProblem, index: _Index, shipments: list[Shipment],
                 areas: list[AreaResult], deadline: float, params: SolveParams
                 ) -> tuple[list[Shipment], float, Consolidation]:
    """The trips stage (optimizer.trips) on the flow plan: same amounts, fewest trips, then
    the least cost. The flow plan is kept if the result fails the checks."""
    started = time.monotonic()
    deadline -= WRAP_UP_S  # the plan is still to be written out
    if params.consolidate_time_s is not None:
        deadline = min(deadline, started + params.consolidate_time_s)
    items = [item.code for item in problem.items]
    k_of = {code: k for k, code in enumerate(items)}
    d_ix = {c: i for i, c in enumerate(index.depots)}
    a_ix = {c: i for i, c in enumerate(index.areas)}
    target = np.zeros_like(index.demand)
    for r in areas:
        target[a_ix[r.area], k_of[r.item]] = r.delivered
    # one candidate pair per depot-area route that can carry something; parallel routes: the
    # shortest (the one the flow plan uses)
    key = index.arc_depot * max(len(index.areas), 1) + index.arc_area
    order = np.lexsort((index.arc_km, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]] if len(order) else order.astype(bool)
    arcs = order[first]
    depot, area, km = index.arc_depot[arcs], index.arc_area[arcs], index.arc_km[arcs]
    useful = ((index.stock[depot] > 0) & (target[area] > 0)).any(axis=1)
    depot, area, km = depot[useful], area[useful], km[useful]
    p_ix = {(d, a): p for p, (d, a) in enumerate(zip(depot.tolist(), area.tolist(),
                                                     strict=True))}
    flow = np.zeros((len(depot), len(items)), dtype=np.int64)
    for s in shipments:
        flow[p_ix[d_ix[s.depot], a_ix[s.area]], k_of[s.item]] += s.quantity
    weight = np.array([item.weight for item in problem.items], dtype=np.float64)
    unit = np.rint(km[:, None] * weight[None, :] * COST_SCALE).astype(np.int64)
    pinned = {(d_ix[r.depot], a_ix[r.area]) for r in problem.routes or [] if r.pinned
              and r.depot in d_ix and r.area in a_ix}
    opened = np.array([(d, a) in pinned for d, a in zip(depot.tolist(), area.tolist(),
                                                        strict=True)], dtype=bool)
    tp = trips.TripProblem(index.stock, target, depot, area, unit, flow,
                           problem.max_depots_per_area, opened if opened.any() else None)
    result = trips.consolidate(tp, deadline, params.workers)
    quantity, status, note = result.quantity, result.status, result.note
    if not _keeps_amounts(tp, quantity):
        quantity, status, note = flow, "flow", "consolidation discarded (check failed)"
    out = [Shipment(index.depots[depot[p]], index.areas[area[p]], items[k], int(quantity[p, k]),
                    float(km[p]))
           for k in range(len(items))
           for p in np.lexsort((area, depot)).tolist() if quantity[p, k] > 0]
    cost = float((quantity * km[:, None] * weight[None, :]).sum())
    report = Consolidation(status, count_trips(shipments), result.gap, result.cost_gap,
                           round(time.monotonic() - started, 4), result.parts, note,
                           over_limit(out, problem.max_depots_per_area))
    return out, cost, report


def _keeps_amounts(tp: trips.TripProblem, quantity: np.ndarray) -> bool:
    """Every area gets exactly its fixed amounts, no depot ships more than it may, and only
    pairs that can carry an item carry it."""
    got = np.zeros_like(tp.target)
    np.add.at(got, tp.pair_area, quantity)
    sent = np.zeros_like(tp.available)
    np.add.at(sent, tp.pair_depot, quantity)
    return bool((quantity >= 0).all() and (quantity <= tp.caps).all()
                and np.array_equal(got, tp.target) and (sent <= tp.available).all())


_Parts = tuple[list[Shipment], list[AreaResult], list[Unreachable], float]


PARALLEL_MIN_ARCS = 200_000  # below this, starting processes costs more than it saves


def _solve_items(problem: SupplyProblem, index: _Index, deadline: float,
                 workers: int = 1) -> _Parts:
    shipments: list[Shipment] = []
    results: list[AreaResult] = []
    unreachable: list[Unreachable] = []
    cost = 0.0
    area_row = {a: i for i, a in enumerate(index.areas)}
    jobs: list[tuple[ItemSpec, _ItemNet]] = []
    for k, item in enumerate(problem.items):
        net, lost = _net(index, k)
        unreachable += [Unreachable(a, item.code, int(index.demand[area_row[a], k]),
                                    "no depot with stock within reach") for a in lost]
        if net.areas:
            jobs.append((item, net))
    for (item, net), (final, flows, item_cost) in zip(
            jobs, _run(jobs, deadline, workers), strict=True):
        cost += item_cost
        shipments += _shipments(net, flows, item.code)
        results += [AreaResult(a, item.code, d, p, f, fp) for a, d, p, f, fp in zip(
            net.areas, net.demand.tolist(), net.priority.tolist(), final.tolist(),
            np.minimum(final, net.priority).tolist(), strict=True)]
    return shipments, results, unreachable, cost


_Solved = tuple[np.ndarray, np.ndarray, float]


def _solve_item(net: _ItemNet, weight: float, deadline: float) -> _Solved:
    """One item: leximin on priority demand, then on total demand, then the cheapest routes.

    Returns the amounts per area, the flow on each route and the transport cost."""
    filler = _Filler(net, deadline)
    zero = np.zeros(len(net.areas), dtype=np.int64)
    first = filler.fill(zero, net.priority, net.priority)
    final = filler.fill(first, net.demand, net.demand)
    flows, cost = _min_cost(net, final, weight)
    return final, flows, cost


def _run(jobs: list[tuple[ItemSpec, _ItemNet]], deadline: float, workers: int) -> list[_Solved]:
    """Solve the items here, or in worker processes when the instance is large enough."""
    arcs = sum(len(net.arc_depot) for _, net in jobs)
    if workers <= 1 or len(jobs) <= 1 or arcs < PARALLEL_MIN_ARCS:
        return [_solve_item(net, item.weight, deadline) for item, net in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: workers fork from a clean process that has the solver imported, never from
    # a threaded web server. The largest items go first so the workers finish together.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["optimizer.supplies"])
    order = sorted(range(len(jobs)), key=lambda j: -len(jobs[j][1].arc_depot))
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {j: pool.submit(_solve_item, jobs[j][1], jobs[j][0].weight, deadline)
                   for j in order}
        return [futures[j].result() for j in range(len(jobs))]


def _shipments(net: _ItemNet, flows: np.ndarray, item: str) -> list[Shipment]:
    """Shipments in depot, area order; parallel routes between a pair are merged."""
    used = np.nonzero(flows)[0]
    order = used[np.lexsort((net.arc_area[used], net.arc_depot[used]))]
    depot, area = net.arc_depot[order], net.arc_area[order]
    if not len(order):
        return []
    starts = np.nonzero(np.r_[True, (depot[1:] != depot[:-1]) | (area[1:] != area[:-1])])[0]
    ends = np.r_[starts[1:], len(order)] - 1
    quantity = np.add.reduceat(flows[order], starts)
    return [Shipment(net.depots[d], net.areas[a], item, q, km) for d, a, q, km in zip(
        depot[starts].tolist(), area[starts].tolist(), quantity.tolist(),
        net.arc_km[order][ends].tolist(), strict=True)]


# The problem's dataclasses are part of this module's interface.
__all__ = ["AreaNeed", "AreaResult", "Consolidation", "DepotStock", "ItemSpec", "OverLimit",
           "ReserveKept", "Route", "Shipment", "SolveParams", "SupplyPlan", "SupplyProblem",
           "TimeUp", "Unreachable", "count_trips", "routes_for", "solve", "worst_coverage"]
