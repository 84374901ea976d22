"""The supply optimiser's semantics, pinned on small instances."""
from __future__ import annotations

import random

import pytest

from optimizer import greedy
from optimizer.supplies import (
    AreaNeed,
    DepotStock,
    ItemSpec,
    Route,
    SolveParams,
    SupplyProblem,
    routes_for,
    solve,
    worst_coverage,
)

W = [ItemSpec("water", 1.0)]


def problem(depots: dict[str, int], areas: dict[str, tuple[int, int]],
            routes: list[tuple[str, str, float]]) -> SupplyProblem:
    return SupplyProblem(
        W, [DepotStock(d, None, None, {"water": s}) for d, s in depots.items()],
        [AreaNeed(a, None, None, {"water": dem}, {"water": pri})
         for a, (dem, pri) in areas.items()],
        [Route(d, a, km) for d, a, km in routes], max_distance_km=100)


def delivered(plan) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {r.area: r.delivered for r in plan.areas}


def test_a_scarce_item_is_shared_so_the_worst_off_gets_as_much_as_possible() -> None:
    p = problem({"D": 100}, {"NEAR": (100, 0), "FAR": (100, 0)},
                [("D", "NEAR", 1), ("D", "FAR", 20)])
    plan = solve(p)
    assert plan.status == "optimal"
    assert delivered(plan) == {"NEAR": 50, "FAR": 50}
    shipments, results, _, _ = greedy.nearest_depot(p, routes_for(p))
    assert worst_coverage(results) == 0.0  # greedy gives the near area everything


def test_vulnerable_demand_is_served_first() -> None:
    p = problem({"D": 100}, {"A": (100, 80), "B": (100, 0)}, [("D", "A", 5), ("D", "B", 5)])
    plan = solve(p)
    got = {r.area: (r.delivered, r.priority_delivered) for r in plan.areas}
    assert got == {"A": (80, 80), "B": (20, 0)}


def test_priority_coverage_is_levelled_before_totals() -> None:
    p = problem({"D": 60}, {"A": (100, 40), "B": (100, 80), "C": (100, 0)},
                [("D", "A", 1), ("D", "B", 1), ("D", "C", 1)])
    plan = solve(p)
    # 60 units for 120 of priority demand: both get half of theirs; C gets nothing
    assert delivered(plan) == {"A": 20, "B": 40, "C": 0}


def test_a_bottleneck_group_freezes_while_others_keep_rising() -> None:
    # D1 serves only A; D2 serves B and C. A rises to 10 %, B and C stop at 5 %.
    p = problem({"D1": 10, "D2": 10}, {"A": (100, 0), "B": (100, 0), "C": (100, 0)},
                [("D1", "A", 1), ("D2", "B", 1), ("D2", "C", 1)])
    assert delivered(solve(p)) == {"A": 10, "B": 5, "C": 5}


def test_shared_depots_level_across_areas() -> None:
    # D1 (10) reaches only A; D2 (100) reaches A and B: both end at 55
    p = problem({"D1": 10, "D2": 100}, {"A": (100, 0), "B": (100, 0)},
                [("D1", "A", 1), ("D2", "A", 1), ("D2", "B", 1)])
    assert delivered(solve(p)) == {"A": 55, "B": 55}


def test_no_area_gets_more_than_its_demand_and_surplus_stays() -> None:
    p = problem({"D": 1000}, {"A": (30, 10), "B": (70, 0)}, [("D", "A", 1), ("D", "B", 1)])
    plan = solve(p)
    assert delivered(plan) == {"A": 30, "B": 70}
    assert sum(s.quantity for s in plan.shipments) == 100


def test_the_cheapest_routes_carry_the_fair_amounts() -> None:
    p = problem({"NEAR": 50, "FAR": 50}, {"A": (40, 0)}, [("NEAR", "A", 2), ("FAR", "A", 9)])
    plan = solve(p)
    assert [(s.depot, s.quantity) for s in plan.shipments] == [("NEAR", 40)]
    assert plan.cost == pytest.approx(80.0)


def test_areas_no_stocked_depot_reaches_are_reported_not_levelled() -> None:
    p = problem({"D": 10, "EMPTY": 0}, {"A": (10, 0), "LOST": (10, 5)},
                [("D", "A", 1), ("EMPTY", "LOST", 1)])
    plan = solve(p)
    assert [(u.area, u.item) for u in plan.unreachable] == [("LOST", "water")]
    assert delivered(plan) == {"A": 10}


def test_great_circle_routes_respect_the_maximum_distance() -> None:
    p = SupplyProblem(W, [DepotStock("D", 32.04, 118.78, {"water": 10})],
                      [AreaNeed("IN", 32.05, 118.79, {"water": 5}),
                       AreaNeed("OUT", 33.0, 118.78, {"water": 5})], max_distance_km=30)
    plan = solve(p)
    assert delivered(plan) == {"IN": 5}
    assert [u.area for u in plan.unreachable] == ["OUT"]


def test_hitting_the_time_bound_falls_back_to_a_labelled_greedy_plan() -> None:
    p = problem({"D": 100}, {"A": (100, 0), "B": (100, 0)}, [("D", "A", 1), ("D", "B", 2)])
    plan = solve(p, SolveParams(time_limit_s=0.0))
    assert plan.status == "greedy"
    assert delivered(plan) == {"A": 100, "B": 0}


@pytest.mark.parametrize("seed", range(25))
def test_random_instances_never_oversell_and_beat_greedy_on_the_worst_off(seed: int) -> None:
    rng = random.Random(seed)
    depots = {f"D{i}": rng.randint(0, 300) for i in range(rng.randint(1, 6))}
    areas = {}
    for i in range(rng.randint(1, 12)):
        demand = rng.randint(1, 200)
        areas[f"A{i}"] = (demand, rng.randint(0, demand))
    routes = [(d, a, rng.uniform(1, 30)) for d in depots for a in areas if rng.random() < 0.5]
    p = problem(depots, areas, routes)
    plan = solve(p)
    shipped: dict[str, int] = {}
    for s in plan.shipments:
        shipped[s.depot] = shipped.get(s.depot, 0) + s.quantity
        assert (s.depot, s.area) in {(d, a) for d, a, _ in routes}
    assert all(shipped[d] <= depots[d] for d in shipped)
    for r in plan.areas:
        assert 0 <= r.delivered <= r.demand
        assert r.delivered == sum(s.quantity for s in plan.shipments if s.area == r.area)
    _, base, _, _ = greedy.nearest_depot(p, routes_for(p))
    assert worst_coverage(plan.areas, priority=True) >= worst_coverage(base, priority=True) - 0.02


def test_units_left_over_by_rounding_still_go_out() -> None:
    p = problem({"D": 10}, {"A": (10, 0), "B": (10, 0), "C": (10, 0)},
                [("D", "A", 1), ("D", "B", 1), ("D", "C", 1)])
    assert sorted(delivered(solve(p)).values()) == [3, 3, 4]


@pytest.mark.parametrize("seed", range(15))
def test_nothing_that_could_be_delivered_is_left_in_a_depot(seed: int) -> None:
    # Deliverable amounts form a polymatroid: a fair plan that is also efficient delivers
    # exactly the maximum flow from depots to demand.
    from ortools.graph.python import max_flow

    rng = random.Random(1000 + seed)
    depots = {f"D{i}": rng.randint(0, 50) for i in range(rng.randint(1, 5))}
    areas = {f"A{i}": (d, rng.randint(0, d)) for i in range(rng.randint(1, 9))
             for d in [rng.randint(1, 40)]}
    routes = [(d, a, rng.uniform(1, 9)) for d in depots for a in areas if rng.random() < 0.6]
    flow = max_flow.SimpleMaxFlow()
    names = ["s", "t", *depots, *areas]
    ix = {n: i for i, n in enumerate(names)}
    for d, s in depots.items():
        flow.add_arc_with_capacity(ix["s"], ix[d], s)
    for d, a, _ in routes:
        flow.add_arc_with_capacity(ix[d], ix[a], 10**6)
    for a, (dem, _) in areas.items():
        flow.add_arc_with_capacity(ix[a], ix["t"], dem)
    assert flow.solve(ix["s"], ix["t"]) == flow.OPTIMAL
    assert sum(delivered(solve(problem(depots, areas, routes))).values()) == flow.optimal_flow()


@pytest.mark.parametrize("seed", range(15))
def test_the_worst_off_coverage_matches_the_max_min_linear_programme(seed: int) -> None:
    from ortools.linear_solver import pywraplp

    rng = random.Random(2000 + seed)
    depots = {f"D{i}": rng.randint(0, 80) for i in range(rng.randint(1, 5))}
    areas = {f"A{i}": (rng.randint(5, 60), 0) for i in range(rng.randint(1, 9))}
    routes = [(d, a, 1.0) for d in depots for a in areas if rng.random() < 0.6]
    plan = solve(problem(depots, areas, routes))
    reached = {r.area: r for r in plan.areas}
    if not reached:
        return
    lp = pywraplp.Solver.CreateSolver("GLOP")
    t = lp.NumVar(0, 1, "t")
    x = {(d, a): lp.NumVar(0, lp.infinity(), f"x{d}{a}") for d, a, _ in routes if a in reached}
    for d, stock in depots.items():
        lp.Add(sum(v for (dd, _), v in x.items() if dd == d) <= stock)
    for a, (dem, _) in areas.items():
        if a in reached:
            got = sum(v for (_, aa), v in x.items() if aa == a)
            lp.Add(got <= dem)
            lp.Add(got >= t * dem)
    lp.Maximize(t)
    assert lp.Solve() == lp.OPTIMAL
    best = t.solution_value()
    worst = worst_coverage(plan.areas)
    # whole units: within one unit of the smallest demand below the real-valued optimum
    assert best - 1 / min(r.demand for r in plan.areas) - 1e-9 <= worst <= best + 1e-9


def test_items_solved_in_worker_processes_give_the_same_plan(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    import optimizer.supplies as supplies

    rng = random.Random(7)
    items = [ItemSpec(f"i{k}", 1.0 + k) for k in range(3)]
    depots = [DepotStock(f"D{d}", None, None, {i.code: rng.randint(0, 400) for i in items})
              for d in range(5)]
    areas = [AreaNeed(f"A{a}", None, None, {i.code: rng.randint(1, 90) for i in items},
                      {i.code: rng.randint(0, 20) for i in items}) for a in range(30)]
    routes = [Route(d.code, a.code, rng.uniform(1, 20)) for d in depots for a in areas
              if rng.random() < 0.5]
    p = SupplyProblem(items, depots, areas, routes, max_distance_km=100)
    # the per-item stage is compared; the trips stage after it is bounded by time, not steps
    here = solve(p, SolveParams(consolidate=False))
    monkeypatch.setattr(supplies, "PARALLEL_MIN_ARCS", 0)
    apart = solve(p, SolveParams(workers=2, consolidate=False))
    assert apart.status == "optimal"
    assert (apart.areas, apart.shipments, apart.cost) == (here.areas, here.shipments, here.cost)
