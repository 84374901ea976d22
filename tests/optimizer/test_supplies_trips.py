"""Protected reserves, the trips stage (fewest depot -> area trips, then least cost, with the
fair amounts fixed) and the depot limit per area, checked against brute force."""
from __future__ import annotations

import itertools
import random
import time
from collections import defaultdict

import numpy as np
import pytest
from ortools.graph.python import max_flow, min_cost_flow

from optimizer.scenario import BadScenario, read_supplies
from optimizer.supplies import (
    AreaNeed,
    DepotStock,
    ItemSpec,
    Route,
    SolveParams,
    SupplyPlan,
    SupplyProblem,
    solve,
)


def random_problem(seed: int, depots: tuple[int, int] = (3, 4), areas: tuple[int, int] = (3, 4),
                   items: tuple[int, int] = (2, 3), density: float = 0.6,
                   reserves: bool = False, limit: int | None = None) -> SupplyProblem:
    """Whole km and weights, so transport costs are exact."""
    rng = random.Random(seed)
    specs = [ItemSpec(f"i{k}", float(rng.choice([1, 2]))) for k in range(rng.randint(*items))]
    stock = [DepotStock(f"D{d}", None, None, {i.code: rng.randint(0, 60) for i in specs},
                        {i.code: rng.randint(0, 30) for i in specs
                         if reserves and rng.random() < 0.5})
             for d in range(rng.randint(*depots))]
    need = []
    for a in range(rng.randint(*areas)):
        demand = {i.code: rng.randint(0, 50) for i in specs}
        need.append(AreaNeed(f"A{a}", None, None, demand,
                             {c: rng.randint(0, q) for c, q in demand.items()}))
    routes = [Route(d.code, a.code, float(rng.randint(1, 20))) for d in stock for a in need
              if rng.random() < density]
    return SupplyProblem(specs, stock, need, routes, max_distance_km=100,
                         max_depots_per_area=limit)


def shipped(plan: SupplyPlan, key: str = "depot") -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for s in plan.shipments:
        out[getattr(s, key), s.item] += s.quantity
    return out


def levels(plan: SupplyPlan) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r.area, r.item): (r.delivered, r.priority_delivered) for r in plan.areas}


# ---- reserves ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(20))
def test_a_reserve_is_never_shipped(seed: int) -> None:
    p = random_problem(seed, depots=(1, 4), areas=(1, 5), reserves=True, density=0.8)
    for params in (SolveParams(), SolveParams(consolidate=False), SolveParams(time_limit_s=0)):
        plan = solve(p, params)
        sent = shipped(plan)
        for depot in p.depots:
            for item in depot.stock:
                assert sent.get((depot.code, item), 0) <= depot.available(item), params
        kept = {(r.depot, r.item): r for r in plan.reserve_kept}
        for depot in p.depots:
            for item, units in depot.reserve.items():
                if units:
                    row = kept[depot.code, item]
                    assert row.units == min(units, depot.stock.get(item, 0))
                    assert row.left == depot.stock.get(item, 0) - sent.get((depot.code, item), 0)
                    assert row.left >= row.units


def test_a_reserve_at_or_above_the_stock_leaves_that_depot_out() -> None:
    p = SupplyProblem([ItemSpec("water")],
                      [DepotStock("NEAR", None, None, {"water": 50}, {"water": 50}),
                       DepotStock("FAR", None, None, {"water": 50}, {"water": 20})],
                      [AreaNeed("A", None, None, {"water": 100})],
                      [Route("NEAR", "A", 1), Route("FAR", "A", 9)], max_distance_km=100)
    plan = solve(p)
    assert [(s.depot, s.quantity) for s in plan.shipments] == [("FAR", 30)]
    assert [(r.depot, r.units, r.left) for r in plan.reserve_kept] == [("FAR", 20, 20),
                                                                       ("NEAR", 50, 50)]
    without = solve(SupplyProblem(p.items, [DepotStock(d.code, None, None, d.stock)
                                            for d in p.depots], p.areas, p.routes, 100))
    assert sum(s.quantity for s in without.shipments) == 100  # the reserve is what held it


SCENARIO = {"items": [{"code": "WATER"}],
            "depots": [{"code": "D1", "stock": {"WATER": 10}},
                       {"code": "D2", "stock": {"WATER": 10}},
                       {"code": "D3", "stock": {"WATER": 10}, "reserve": {"WATER": 4}}],
            "areas": [{"code": "A", "demand": {"WATER": 5}}],
            "routes": [{"depot": "D3", "area": "A", "km": 1}]}


@pytest.mark.parametrize(("reserve", "error"), [
    ({"WATER": 11}, "depots[2].reserve.WATER: must not exceed stock (10)"),
    ({"WATER": -1}, "depots[2].reserve.WATER: must be a whole number ≥ 0"),
    ({"WATER": 1.5}, "depots[2].reserve.WATER: must be a whole number ≥ 0"),
    ({"SOAP": 1}, "depots[2].reserve.SOAP: unknown item (not in items)"),
    ([1], "depots[2].reserve: must be an object of item: whole number"),
])
def test_the_scenario_reader_rejects_a_bad_reserve_naming_the_field(reserve: object,
                                                                     error: str) -> None:
    bad = {**SCENARIO, "depots": [*SCENARIO["depots"][:2], {**SCENARIO["depots"][2],
                                                           "reserve": reserve}]}
    with pytest.raises(BadScenario) as caught:
        read_supplies(bad)
    assert str(caught.value) == error


@pytest.mark.parametrize("limit", [0, -1, 1.5, True, "2"])
def test_the_scenario_reader_rejects_a_bad_depot_limit(limit: object) -> None:
    with pytest.raises(BadScenario, match=r"^max_depots_per_area: must be a whole number"):
        read_supplies({**SCENARIO, "max_depots_per_area": limit})


def test_the_scenario_reader_takes_reserves_and_the_depot_limit() -> None:
    p = read_supplies({**SCENARIO, "max_depots_per_area": 2})
    assert p.max_depots_per_area == 2
    assert [d.reserve for d in p.depots] == [{}, {}, {"WATER": 4}]
    assert read_supplies(SCENARIO).max_depots_per_area is None


# ---- the trips stage -----------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(20))
def test_consolidation_keeps_every_fair_level(seed: int) -> None:
    p = random_problem(100 + seed, depots=(2, 6), areas=(2, 10), reserves=True)
    first = solve(p, SolveParams(consolidate=False))
    plan = solve(p)
    assert plan.consolidation.status in ("optimal", "feasible")
    assert levels(plan) == levels(first)
    got = shipped(plan, "area")
    assert {k: v for k, v in got.items()} == {(r.area, r.item): r.delivered for r in first.areas
                                              if r.delivered}
    assert plan.trips <= first.trips == plan.consolidation.trips_before
    assert plan.trips == len({(s.depot, s.area) for s in plan.shipments})
    allowed = {(r.depot, r.area) for r in p.routes or []}
    assert all((s.depot, s.area) in allowed for s in plan.shipments)


def _feasible(p: SupplyProblem, pairs: tuple[tuple[str, str], ...],
              target: dict[tuple[str, str], int]) -> bool:
    """Can only these pairs carry the fixed amounts? A max-flow per item."""
    depots = [d.code for d in p.depots]
    areas = [a.code for a in p.areas]
    for item in p.items:
        want = sum(target.get((a, item.code), 0) for a in areas)
        if not want:
            continue
        mf = max_flow.SimpleMaxFlow()
        source, sink = len(depots) + len(areas), len(depots) + len(areas) + 1
        for i, d in enumerate(p.depots):
            mf.add_arc_with_capacity(source, i, d.available(item.code))
        for d, a in pairs:
            mf.add_arc_with_capacity(depots.index(d), len(depots) + areas.index(a), 10**6)
        for j, a in enumerate(areas):
            mf.add_arc_with_capacity(len(depots) + j, sink, target.get((a, item.code), 0))
        if mf.solve(source, sink) != mf.OPTIMAL or mf.optimal_flow() < want:
            return False
    return True


def _cheapest(p: SupplyProblem, pairs: tuple[tuple[str, str], ...],
              target: dict[tuple[str, str], int]) -> int:
    """The least transport cost using only these pairs (min-cost flow per item)."""
    km = {(r.depot, r.area): int(r.km) for r in p.routes or []}
    depots = [d.code for d in p.depots]
    areas = [a.code for a in p.areas]
    total = 0
    for item in p.items:
        want = sum(target.get((a, item.code), 0) for a in areas)
        mcf = min_cost_flow.SimpleMinCostFlow()
        source, sink = len(depots) + len(areas), len(depots) + len(areas) + 1
        for i, d in enumerate(p.depots):
            mcf.add_arc_with_capacity_and_unit_cost(source, i, d.available(item.code), 0)
        for d, a in pairs:
            mcf.add_arc_with_capacity_and_unit_cost(depots.index(d), len(depots) + areas.index(a),
                                                    10**6, km[d, a] * int(item.weight))
        for j, a in enumerate(areas):
            mcf.add_arc_with_capacity_and_unit_cost(len(depots) + j, sink,
                                                    target.get((a, item.code), 0), 0)
        mcf.set_node_supply(source, want)
        mcf.set_node_supply(sink, -want)
        assert mcf.solve() == mcf.OPTIMAL
        total += mcf.optimal_cost()
    return total


def brute_force(p: SupplyProblem, target: dict[tuple[str, str], int]) -> tuple[int, int]:
    """The fewest depot -> area pairs that can carry the fixed amounts (keeping the depot
    limit), and the least cost with that many: every subset of pairs, smallest first."""
    limit = p.max_depots_per_area
    pairs = sorted({(r.depot, r.area) for r in p.routes or []})
    served = {a for (a, _), q in target.items() if q}
    for size in range(len(served), len(pairs) + 1):
        costs = []
        for subset in itertools.combinations(pairs, size):
            if {a for _, a in subset} < served:
                continue
            if limit is not None and any(sum(1 for _, b in subset if b == a) > limit
                                         for a in served):
                continue
            if _feasible(p, subset, target):
                costs.append(_cheapest(p, subset, target))
        if costs:
            return size, min(costs)
    raise AssertionError("no subset carries the amounts")


@pytest.mark.parametrize("seed", range(12))
def test_trips_are_the_fewest_brute_force_finds_then_the_cheapest(seed: int) -> None:
    p = random_problem(300 + seed, reserves=seed % 2 == 1)
    plan = solve(p, SolveParams(time_limit_s=20))
    target = {(r.area, r.item): r.delivered for r in plan.areas}
    assert plan.consolidation.status == "optimal"
    assert plan.consolidation.gap == 0.0
    trips, cost = brute_force(p, target)
    # pairs carrying nothing are not trips; a plan with a useless route counts it out
    assert plan.trips == trips
    assert plan.cost == pytest.approx(cost)


@pytest.mark.parametrize("seed", range(12))
def test_one_depot_per_area_is_kept_whenever_it_can_be(seed: int) -> None:
    p = random_problem(500 + seed, limit=1, density=0.7)
    plan = solve(p, SolveParams(time_limit_s=20))
    free = solve(SupplyProblem(p.items, p.depots, p.areas, p.routes, 100))
    assert levels(plan) == levels(free)  # the limit never moves a fair level
    target = {(r.area, r.item): r.delivered for r in plan.areas}
    sources: dict[str, set[str]] = defaultdict(set)
    for s in plan.shipments:
        sources[s.area].add(s.depot)
    try:
        trips, _ = brute_force(p, target)
    except AssertionError:  # the limit cannot be kept: the plan says where it is broken
        assert plan.consolidation.over_limit
        assert {o.area for o in plan.consolidation.over_limit} == {
            a for a, d in sources.items() if len(d) > 1}
        return
    assert all(len(d) <= 1 for d in sources.values())
    assert plan.consolidation.over_limit == []
    assert plan.trips == trips


def test_an_impossible_depot_limit_keeps_the_fair_amounts_and_says_where() -> None:
    p = SupplyProblem([ItemSpec("water")],
                      [DepotStock("D1", None, None, {"water": 30}),
                       DepotStock("D2", None, None, {"water": 30})],
                      [AreaNeed("A", None, None, {"water": 60}),
                       AreaNeed("B", None, None, {"water": 10})],
                      [Route("D1", "A", 1), Route("D2", "A", 1), Route("D2", "B", 1),
                       Route("D1", "B", 5)], max_distance_km=100, max_depots_per_area=1)
    plan = solve(p)
    free = solve(SupplyProblem(p.items, p.depots, p.areas, p.routes, 100))
    assert levels(plan) == levels(free)
    assert {r.area: r.delivered for r in plan.areas}["A"] > 30  # more than one depot holds
    assert [(o.area, o.depots, o.limit) for o in plan.consolidation.over_limit] == [("A", 2, 1)]
    assert len({s.depot for s in plan.shipments if s.area == "B"}) == 1  # kept where it can


def test_items_travel_together_on_one_trip() -> None:
    # the cheapest per item sends water from W and food from F; one trip carries both
    p = SupplyProblem([ItemSpec("water"), ItemSpec("food")],
                      [DepotStock("W", None, None, {"water": 10, "food": 10}),
                       DepotStock("F", None, None, {"water": 10, "food": 10})],
                      [AreaNeed("A", None, None, {"water": 10, "food": 10})],
                      [Route("W", "A", 5), Route("F", "A", 5)], max_distance_km=100)
    plan = solve(p)
    assert plan.trips == 1 and len(plan.shipments) == 2
    assert plan.consolidation.status == "optimal"
    off = solve(p, SolveParams(consolidate=False))
    assert off.consolidation.status == "off"
    assert off.trips == off.consolidation.trips_before


def test_a_first_stage_out_of_time_reports_greedy_trips() -> None:
    p = random_problem(7)
    plan = solve(p, SolveParams(time_limit_s=0))
    assert plan.status == "greedy" and plan.consolidation.status == "greedy"
    assert plan.trips == len({(s.depot, s.area) for s in plan.shipments})


def big_problem(seed: int = 1, n_depots: int = 50, n_areas: int = 110, n_items: int = 10,
                nearest: int = 8) -> SupplyProblem:
    """Areas with routes to their nearest depots, about half the items scarce."""
    rng = np.random.default_rng(seed)
    items = [ItemSpec(f"I{k}", float(rng.choice([0.3, 1.0, 2.5, 8.0]))) for k in range(n_items)]
    dxy, axy = rng.uniform(0, 40, (n_depots, 2)), rng.uniform(0, 40, (n_areas, 2))
    demand = rng.integers(0, 400, (n_areas, n_items))
    share = rng.dirichlet(np.ones(n_depots), n_items).T
    stock = (share * demand.sum(axis=0) * rng.uniform(0.3, 1.5, n_items)).astype(int)
    depots = [DepotStock(f"D{d:02}", None, None,
                         {it.code: int(stock[d, k]) for k, it in enumerate(items)},
                         {it.code: int(stock[d, k] // 10) for k, it in enumerate(items)})
              for d in range(n_depots)]
    areas = [AreaNeed(f"A{a:03}", None, None,
                      {it.code: int(demand[a, k]) for k, it in enumerate(items)},
                      {it.code: int(demand[a, k] // 5) for k, it in enumerate(items)})
             for a in range(n_areas)]
    routes = [Route(f"D{d:02}", f"A{a:03}", round(float(np.hypot(*(dxy[d] - axy[a]))) * 1.3, 2))
              for a in range(n_areas)
              for d in np.argsort(np.hypot(*(dxy - axy[a]).T))[:nearest].tolist()]
    return SupplyProblem(items, depots, areas, routes, max_distance_km=1e9)


def test_fifty_depots_110_areas_ten_items_consolidate_within_the_time_limit() -> None:
    p = big_problem()
    first = solve(p, SolveParams(consolidate=False))
    started = time.monotonic()
    plan = solve(p, SolveParams(time_limit_s=5.0))
    assert time.monotonic() - started < 5.5
    assert plan.consolidation.status in ("optimal", "feasible")
    assert plan.consolidation.seconds < 5.0
    assert 0.0 <= plan.consolidation.gap <= 1.0
    assert levels(plan) == levels(first)
    assert plan.trips < first.trips * 0.8  # the flow plan splits areas over many depots
