"""Nearest-depot greedy allocation: the baseline, and the fallback when a solve runs out of time.

Priority demand first, then the rest; each area in turn takes from its nearest stocked depot.
"""
from __future__ import annotations

from collections import defaultdict

from optimizer.supply_model import (
    AreaResult,
    Route,
    Shipment,
    SupplyProblem,
    Unreachable,
)


def nearest_depot(problem: SupplyProblem, routes: list[Route]
                  ) -> tuple[list[Shipment], list[AreaResult], list[Unreachable], float]:
    """Serve areas in the order given from their nearest depots; no fairness."""
    near: dict[str, list[Route]] = defaultdict(list)
    for route in sorted(routes, key=lambda r: r.km):
        near[route.area].append(route)
    shipments: list[Shipment] = []
    results: list[AreaResult] = []
    unreachable: list[Unreachable] = []
    cost = 0.0
    km = {(r.depot, r.area): r.km for r in routes}
    for item in problem.items:
        held = {d.code: d.available(item.code) for d in problem.depots}  # reserves stay
        left = dict(held)
        wanting = [a for a in problem.areas if int(a.demand.get(item.code, 0)) > 0]
        got: dict[str, int] = defaultdict(int)
        shipped: dict[tuple[str, str], int] = defaultdict(int)
        for pass_priority in (True, False):
            for area in wanting:
                demand = int(area.demand[item.code])
                want = (min(int(area.priority_demand.get(item.code, 0)), demand)
                        if pass_priority else demand) - got[area.code]
                for route in near[area.code]:
                    if want <= 0:
                        break
                    take = min(want, left.get(route.depot, 0))
                    if take > 0:
                        left[route.depot] -= take
                        got[area.code] += take
                        shipped[(route.depot, area.code)] += take
                        want -= take
        for area in wanting:
            if not any(held.get(r.depot, 0) > 0 for r in near[area.code]):
                unreachable.append(Unreachable(area.code, item.code,
                                               int(area.demand[item.code]),
                                               "no depot with stock within reach"))
                continue
            priority = min(int(area.priority_demand.get(item.code, 0)),
                           int(area.demand[item.code]))
            results.append(AreaResult(area.code, item.code, int(area.demand[item.code]),
                                      priority, got[area.code], min(got[area.code], priority)))
        for (depot, to), qty in sorted(shipped.items()):
            shipments.append(Shipment(depot, to, item.code, qty, km[(depot, to)]))
            cost += qty * km[(depot, to)] * item.weight
    return shipments, results, unreachable, cost
