"""The trips stage on its own arrays: its lower bound never exceeds the true fewest trips
(brute force), its plans always keep the fixed amounts, and a large part, whose model holds
only each area's nearest candidates, still gets a plan with no more trips than the flow plan
and never calls it proven unless it meets the bound."""
from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from ortools.graph.python import max_flow

from optimizer import trips


def trip_problem(seed: int, depots: int, areas: int, items: int, density: float,
                 limit: int | None = None) -> trips.TripProblem:
    """Feasible by construction: the amounts are what a random flow delivers, and some
    items have no stock to spare (every unit in reach is needed)."""
    rng = np.random.default_rng(seed)
    pd, pa = np.nonzero(rng.random((depots, areas)) < density)
    for a in set(range(areas)) - set(pa.tolist()):  # every area has a route
        pd, pa = np.r_[pd, rng.integers(depots)], np.r_[pa, a]
    flow = rng.integers(0, 12, (len(pd), items)) * (rng.random((len(pd), items)) < 0.5)
    target = np.zeros((areas, items), dtype=np.int64)
    np.add.at(target, pa, flow)
    available = np.zeros((depots, items), dtype=np.int64)
    np.add.at(available, pd, flow)
    spare = rng.random(items) < 0.5
    available += rng.integers(0, 15, (depots, items)) * spare[None, :]
    cost = rng.integers(1, 30, len(pd))[:, None] * rng.integers(1, 4, items)[None, :]
    return trips.TripProblem(available, target, pd, pa, cost.astype(np.int64),
                             flow.astype(np.int64), limit)


def carries(p: trips.TripProblem, chosen: np.ndarray) -> bool:
    """Can these pairs deliver every area's amount of every item (max-flow per item)?"""
    nd, na = len(p.available), len(p.target)
    for k in range(p.target.shape[1]):
        mf = max_flow.SimpleMaxFlow()
        for d in range(nd):
            mf.add_arc_with_capacity(nd + na, d, int(p.available[d, k]))
        for r in np.nonzero(chosen)[0].tolist():
            mf.add_arc_with_capacity(int(p.pair_depot[r]), nd + int(p.pair_area[r]),
                                     int(p.caps[r, k]))
        for a in range(na):
            mf.add_arc_with_capacity(nd + a, nd + na + 1, int(p.target[a, k]))
        mf.solve(nd + na, nd + na + 1)
        if mf.optimal_flow() < int(p.target[:, k].sum()):
            return False
    return True


def fewest_trips(p: trips.TripProblem) -> int:
    n = len(p.pair_depot)
    for size in range(n + 1):
        for subset in itertools.combinations(range(n), size):
            chosen = np.zeros(n, dtype=bool)
            chosen[list(subset)] = True
            if carries(p, chosen):
                return size
    raise AssertionError("the flow plan itself carries the amounts")


def keeps_amounts(p: trips.TripProblem, quantity: np.ndarray) -> bool:
    got = np.zeros_like(p.target)
    np.add.at(got, p.pair_area, quantity)
    sent = np.zeros_like(p.available)
    np.add.at(sent, p.pair_depot, quantity)
    return bool((quantity >= 0).all() and (quantity <= p.caps).all()
                and np.array_equal(got, p.target) and (sent <= p.available).all())


def trips_of(quantity: np.ndarray) -> int:
    return int((quantity.sum(axis=1) > 0).sum())


@pytest.mark.parametrize("seed", range(16))
def test_the_bound_never_exceeds_the_fewest_trips_and_small_parts_reach_them(seed: int) -> None:
    p = trip_problem(seed, depots=3, areas=3, items=2, density=0.8)
    best = fewest_trips(p)
    assert trips.lower_bound(p) <= best
    result = trips.consolidate(p, time.monotonic() + 10)
    assert keeps_amounts(p, result.quantity)
    assert result.status == "optimal" and trips_of(result.quantity) == best


def test_depots_that_must_ship_raise_the_bound_above_the_per_area_one() -> None:
    # water: D1 18, D2 1, D3 1, and A and B need 10 each: all 20 units are needed, so every
    # depot ships (3 trips at least), though each area alone could be served by D1
    p = trips.TripProblem(np.array([[18], [1], [1]]), np.array([[10], [10]]),
                          np.array([0, 0, 1, 2, 1, 2]), np.array([0, 1, 0, 0, 1, 1]),
                          np.ones((6, 1), dtype=np.int64),
                          np.array([[10], [8], [0], [0], [1], [1]]))
    assert trips.lower_bound(p) == 3
    assert fewest_trips(p) == 4
    result = trips.consolidate(p, time.monotonic() + 10)
    assert trips_of(result.quantity) == 4 and result.status == "optimal"


@pytest.mark.parametrize("limit", [None, 3])
def test_a_large_part_gets_a_plan_from_its_nearest_candidates(limit: int | None) -> None:
    p = trip_problem(7, depots=40, areas=60, items=6, density=0.9, limit=limit)
    per_area = np.bincount(p.pair_area)
    assert per_area.min() > trips.CANDIDATES  # the model cannot hold every pair
    result = trips.consolidate(p, time.monotonic() + 3)
    assert keeps_amounts(p, result.quantity)
    assert trips_of(result.quantity) < trips_of(p.flow)
    bound = trips.lower_bound(p)
    assert bound <= trips_of(result.quantity)
    if result.status == "optimal":
        assert trips_of(result.quantity) == bound
    else:
        assert result.gap == pytest.approx(1 - bound / trips_of(result.quantity), abs=1e-6)


def test_an_opened_pair_stays_a_trip_and_carries_what_it_can_cheaply() -> None:
    # A needs 10 water and 10 food; D0 holds both (one trip would do), D1 only water, and the
    # coordinator pinned D1 -> A (no transport cost)
    p = trips.TripProblem(np.array([[40, 40], [40, 0]]), np.array([[10, 10]]),
                          np.array([0, 1]), np.array([0, 0]),
                          np.array([[5, 5], [0, 0]], dtype=np.int64),
                          np.array([[0, 10], [10, 0]]), opened=np.array([False, True]))
    result = trips.consolidate(p, time.monotonic() + 5)
    assert keeps_amounts(p, result.quantity)
    assert result.quantity[1].tolist() == [10, 0]  # the pinned route carries the water
    assert trips_of(result.quantity) == 2 and result.status == "optimal"
    free = trips.consolidate(trips.TripProblem(p.available, p.target, p.pair_depot,
                                               p.pair_area, p.unit_cost, p.flow),
                             time.monotonic() + 5)
    assert trips_of(free.quantity) == 1  # without the pin D0 carries both
