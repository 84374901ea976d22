"""Invariants of the supply optimiser on random small instances (Hypothesis)."""
from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer import greedy
from optimizer.supplies import (
    AreaNeed,
    DepotStock,
    ItemSpec,
    Route,
    SupplyProblem,
    routes_for,
    solve,
    worst_coverage,
)

CI = settings(max_examples=60, derandomize=True, deadline=None, database=None)
ITEMS = ["water", "food"]


@st.composite
def supply_problems(draw: st.DrawFn) -> SupplyProblem:
    n_items = draw(st.integers(1, 2))
    items = [ItemSpec(code, draw(st.sampled_from([0.5, 1.0, 12.0])))
             for code in ITEMS[:n_items]]
    depots = [DepotStock(f"D{i}", None, None,
                         {it.code: draw(st.integers(0, 120)) for it in items})
              for i in range(draw(st.integers(1, 3)))]
    areas = []
    for j in range(draw(st.integers(1, 4))):
        demand = {it.code: draw(st.integers(0, 100)) for it in items}
        priority = {c: draw(st.integers(0, d)) for c, d in demand.items()}
        areas.append(AreaNeed(f"A{j}", None, None, demand, priority))
    pairs = [(d.code, a.code) for d in depots for a in areas]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    routes = [Route(d, a, draw(st.integers(1, 60)) / 2) for d, a in chosen]
    return SupplyProblem(items, depots, areas, routes, max_distance_km=100)


@CI
@given(supply_problems())
def test_a_plan_ships_whole_units_within_stock_need_and_routes(p: SupplyProblem) -> None:
    plan = solve(p)
    allowed = {(r.depot, r.area) for r in routes_for(p)}
    stock = {(d.code, item): qty for d in p.depots for item, qty in d.stock.items()}
    need = {(a.code, item): qty for a in p.areas for item, qty in a.demand.items()}
    sent: dict[tuple[str, str], int] = defaultdict(int)
    received: dict[tuple[str, str], int] = defaultdict(int)
    for s in plan.shipments:
        assert isinstance(s.quantity, int) and s.quantity > 0
        assert (s.depot, s.area) in allowed
        sent[s.depot, s.item] += s.quantity
        received[s.area, s.item] += s.quantity
    assert all(qty <= stock[key] for key, qty in sent.items())
    assert all(qty <= need[key] for key, qty in received.items())
    for r in plan.areas:
        assert r.delivered == received.get((r.area, r.item), 0)
        assert r.priority_delivered <= min(r.delivered, r.priority_demand)


@CI
@given(supply_problems())
def test_the_worst_off_area_never_fares_worse_than_under_the_greedy_baseline(
        p: SupplyProblem) -> None:
    plan = solve(p)
    assert plan.status == "optimal"
    _, baseline, _, _ = greedy.nearest_depot(p, routes_for(p))
    for item in {r.item for r in plan.areas}:
        ours = [r for r in plan.areas if r.item == item]
        theirs = [r for r in baseline if r.item == item]
        assert (worst_coverage(ours, priority=True)
                >= worst_coverage(theirs, priority=True) - 1e-9)
        if not any(r.priority_demand for r in ours):
            assert worst_coverage(ours) >= worst_coverage(theirs) - 1e-9
