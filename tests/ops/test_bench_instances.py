"""The benchmark's instance generator: reproducible, the advertised sizes, realistic enough."""
from __future__ import annotations

import pytest

from bench.instances import ITEMS, ROAD_FACTOR, Scale, generate
from optimizer.geo import great_circle_km
from optimizer.greedy import nearest_depot
from optimizer.supplies import routes_for, solve, worst_coverage

TINY = Scale("tiny", areas=60, depots=6, items=12, nearest=4)


def test_the_same_seed_gives_the_same_instance_and_another_seed_another() -> None:
    assert generate(TINY, seed=7) == generate(TINY, seed=7)
    assert generate(TINY, seed=7) != generate(TINY, seed=8)


def test_an_instance_has_the_advertised_sizes_and_routes_to_the_nearest_depots() -> None:
    p = generate(TINY, seed=3)
    assert (len(p.areas), len(p.depots), len(p.items)) == (60, 6, 12)
    assert len({a.code for a in p.areas}) == 60
    assert p.routes is not None and len(p.routes) == 60 * 4
    assert len(routes_for(p)) == len(p.routes)  # the distance cap keeps every route
    first = p.areas[0]
    km = {d.code: great_circle_km(d.lat, d.lon, first.lat, first.lon)  # type: ignore[arg-type]
          for d in p.depots}
    mine = [r for r in p.routes if r.area == first.code]
    for r in mine:  # road km from the great circle, to depots no farther than the others
        assert r.km == pytest.approx(km[r.depot] * ROAD_FACTOR, abs=0.01)
    chosen = {r.depot for r in mine}
    assert max(km[d] for d in chosen) <= min(km[d] for d in km if d not in chosen)


def test_demand_follows_the_norms_and_some_items_are_scarce() -> None:
    p = generate(TINY, seed=5)
    for a in p.areas:
        assert all(0 <= a.priority_demand.get(i, 0) <= q for i, q in a.demand.items())
        # three days of drinking water, 3 L a day, for the displaced: at most 3,000 residents
        assert 0 < a.demand["WATER-DRINK"] <= 3 * 3 * 3000
    ratio = {spec.code: sum(d.stock.get(spec.code, 0) for d in p.depots)
             / sum(a.demand.get(spec.code, 0) for a in p.areas) for spec, _ in ITEMS}
    assert sum(r < 1 for r in ratio.values()) == len(ITEMS) // 2
    assert all(0.25 <= r <= 2.0 for r in ratio.values())


@pytest.mark.parametrize("seed", [1, 2])
def test_on_a_generated_instance_the_worst_off_do_no_worse_than_under_greedy(seed: int) -> None:
    p = generate(Scale("small", areas=120, depots=8, nearest=5), seed=seed)
    plan = solve(p)
    assert plan.status == "optimal"
    _, base, _, _ = nearest_depot(p, routes_for(p))
    for spec in p.items:
        ours = [r for r in plan.areas if r.item == spec.code]
        theirs = [r for r in base if r.item == spec.code]
        assert worst_coverage(ours) >= worst_coverage(theirs)
        assert worst_coverage(ours, priority=True) >= worst_coverage(theirs, priority=True)
