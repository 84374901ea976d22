"""The shelter optimiser's semantics, pinned on small instances and checked on random ones."""
from __future__ import annotations

import random

import numpy as np
import pytest
from ortools.sat.python import cp_model

from optimizer import shelters
from optimizer.consolidate import connected_parts
from optimizer.geo import great_circle_km
from optimizer.shelters import (
    EvacuationArea,
    Shelter,
    ShelterParams,
    ShelterPlan,
    ShelterProblem,
    ShelterRoute,
    solve,
)


def problem(areas: dict[str, tuple[int, int]], places: dict[str, tuple[int, bool]],
            routes: list[tuple[str, str, float]], max_km: float = 5.0) -> ShelterProblem:
    """Areas: code -> (evacuees, need access); shelters: code -> (free places, accessible)."""
    return ShelterProblem(
        [EvacuationArea(a, None, None, n, acc) for a, (n, acc) in areas.items()],
        [Shelter(s, None, None, cap, ok) for s, (cap, ok) in places.items()],
        max_km, [ShelterRoute(a, s, km) for a, s, km in routes])


def placed(plan: ShelterPlan) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r.area, r.shelter): (r.people, r.need_access) for r in plan.assignments}


def test_wheelchair_users_get_the_accessible_shelter_when_places_are_scarce() -> None:
    # B is nearer the only accessible places, but A's two wheelchair users need them
    p = problem({"A": (5, 2), "B": (5, 0)}, {"ACC": (2, True), "PLAIN": (8, False)},
                [("A", "ACC", 4), ("A", "PLAIN", 4), ("B", "ACC", 1), ("B", "PLAIN", 4)])
    plan = solve(p)
    assert plan.status == "optimal"
    assert placed(plan)[("A", "ACC")] == (2, 2)
    assert (plan.placed, plan.access_placed, plan.access_shortfall) == (10, 2, [])


def test_a_wheelchair_user_goes_to_a_plain_shelter_only_as_a_last_resort() -> None:
    p = problem({"A": (3, 3)}, {"ACC": (1, True), "PLAIN": (5, False)},
                [("A", "ACC", 3), ("A", "PLAIN", 1)])
    plan = solve(p)
    assert placed(plan) == {("A", "ACC"): (1, 1), ("A", "PLAIN"): (2, 2)}
    assert plan.unplaced == []
    [short] = plan.access_shortfall
    assert (short.area, short.people, short.reason) == ("A", 2, "accessible shelters within "
                                                                "5 km are full")


def test_placing_everyone_beats_shorter_trips() -> None:
    # A could take the near shelter, but then B (which reaches only that one) is left out
    p = problem({"A": (5, 0), "B": (5, 0)}, {"NEAR": (5, False), "FAR": (5, False)},
                [("A", "NEAR", 1), ("A", "FAR", 4.9), ("B", "NEAR", 2)])
    assert placed(solve(p)) == {("A", "FAR"): (5, 0), ("B", "NEAR"): (5, 0)}


def test_wheelchair_access_outranks_headcount_so_greedy_may_place_more_people() -> None:
    # W could use either accessible shelter; X needs ACC1; Y reaches only ACC2. Giving X and W
    # the accessible places leaves Y out: objective 1 comes before objective 2.
    p = problem({"W": (1, 1), "X": (1, 1), "Y": (1, 0)},
                {"ACC1": (1, True), "ACC2": (1, True), "PLAIN": (1, False)},
                [("W", "ACC1", 1), ("W", "ACC2", 2), ("X", "ACC1", 1), ("X", "PLAIN", 1),
                 ("Y", "ACC2", 1)])
    plan = solve(p)
    base = solve(p, ShelterParams(time_limit_s=0))
    assert (plan.access_placed, plan.placed) == (2, 2)
    assert (base.access_placed, base.placed) == (1, 3)


def test_the_nearest_shelter_is_preferred() -> None:
    p = problem({"A": (40, 4)}, {"NEAR": (50, True), "FAR": (50, True)},
                [("A", "NEAR", 0.8), ("A", "FAR", 3.5)])
    plan = solve(p)
    assert placed(plan) == {("A", "NEAR"): (40, 4)}
    assert plan.person_km == pytest.approx(32.0)


def test_an_area_is_not_split_when_it_does_not_have_to_be() -> None:
    # every trip is 1 km, so 1-3 allow many plans; the chosen one keeps each area together
    areas = {f"A{i}": (10, 1) for i in range(4)}
    places = {f"S{j}": (10, True) for j in range(4)}
    p = problem(areas, places, [(a, s, 1.0) for a in areas for s in places])
    plan = solve(p)
    assert plan.consolidation == "proven"
    assert sorted(r.area for r in plan.assignments) == ["A0", "A1", "A2", "A3"]
    assert all(r.people == 10 for r in plan.assignments)


def test_an_area_too_big_for_one_shelter_is_split_no_more_than_needed() -> None:
    p = problem({"A": (15, 0)}, {"S1": (10, False), "S2": (10, False), "S3": (10, False)},
                [("A", "S1", 2), ("A", "S2", 2), ("A", "S3", 2)])
    plan = solve(p)
    assert len(plan.assignments) == 2 and plan.consolidation == "proven"


def test_parts_beyond_the_pair_limit_keep_the_flow_plan_and_say_so() -> None:
    areas = {f"A{i}": (10, 0) for i in range(3)}
    places = {f"S{j}": (10, False) for j in range(3)}
    p = problem(areas, places, [(a, s, 1.0) for a in areas for s in places])
    plan = solve(p, ShelterParams(consolidate_max_pairs=0))
    assert plan.status == "optimal" and plan.placed == 30  # still optimal for 1-3
    assert plan.consolidation == "skipped" and "CP-SAT limit 0" in plan.consolidation_note


def test_people_beyond_reach_are_reported_unplaced_with_a_reason() -> None:
    here = (32.05, 118.79)
    p = ShelterProblem(
        [EvacuationArea("FAR", 33.0, 118.79, 7, 1), EvacuationArea("NEAR", *here, 30, 2),
         EvacuationArea("BY_FULL", 32.30, 118.79, 4, 0)],
        [Shelter("S", 32.06, 118.79, 20, True), Shelter("FULL", 32.30, 118.80, 0, True)])
    plan = solve(p)
    why = {u.area: (u.people, u.need_access, u.reason) for u in plan.unplaced}
    assert why == {"FAR": (7, 1, "no shelter within 5 km"),
                   "NEAR": (10, 0, "shelters within 5 km are full"),
                   "BY_FULL": (4, 0, "no shelter with free places within 5 km")}
    assert placed(plan) == {("NEAR", "S"): (20, 2)}
    short = {s.area: s.reason for s in plan.access_shortfall}
    assert short == {"FAR": "no accessible shelter within 5 km"}


def test_great_circle_pairs_match_the_geo_helper() -> None:
    rng = random.Random(3)
    areas = [EvacuationArea(f"A{i}", 32 + rng.random() / 5, 118.7 + rng.random() / 5, 1)
             for i in range(30)]
    places = [Shelter(f"S{j}", 32 + rng.random() / 5, 118.7 + rng.random() / 5, 1)
              for j in range(20)]
    reach = shelters.reach(ShelterProblem(areas, places, max_distance_km=8))
    got = {(int(a), int(s)): float(km) for a, s, km in zip(reach.area, reach.shelter, reach.km,
                                                          strict=True)}
    want = {(i, j): round(great_circle_km(a.lat, a.lon, s.lat, s.lon), 3)  # type: ignore[arg-type]
            for i, a in enumerate(areas) for j, s in enumerate(places)
            if great_circle_km(a.lat, a.lon, s.lat, s.lon) <= 8}  # type: ignore[arg-type]
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(want[k], abs=1e-3) for k in want)


def test_consolidation_out_of_time_keeps_the_flow_plan_and_says_so() -> None:
    from optimizer import consolidate
    from optimizer.shelters import _flow, _people

    p = problem({"A": (10, 0), "B": (10, 0)}, {"S1": (10, False), "S2": (10, False)},
                [(a, s, 1.0) for a in "AB" for s in ("S1", "S2")])
    net = _flow(_people(p), shelters.reach(p))
    done = consolidate.consolidate(net, deadline=0.0, max_pairs=100)
    assert done.status == "unproven" and "time bound" in done.note
    n = net.n_pairs
    assert done.access.tolist() == net.flow[:n].tolist()
    assert done.other.tolist() == net.flow[n:2 * n].tolist()


def test_connected_parts_join_areas_through_shared_shelters() -> None:
    # areas 0-1 share shelter 3; area 2 has shelter 4 alone (nodes: areas 0-2, shelters 3-4)
    label = connected_parts(np.array([0, 1, 2]), np.array([3, 3, 4]), 5)
    assert label[0] == label[1] == label[3] and label[2] == label[4] != label[0]


def test_hitting_the_time_bound_falls_back_to_a_labelled_greedy_plan() -> None:
    p = problem({"A": (5, 1), "B": (5, 0)}, {"S": (6, True)}, [("A", "S", 2), ("B", "S", 1)])
    plan = solve(p, ShelterParams(time_limit_s=0.0))
    assert plan.status == "greedy" and plan.consolidation == "greedy"
    assert placed(plan) == {("A", "S"): (5, 1), ("B", "S"): (1, 0)}


def lexicographic_optimum(p: ShelterProblem) -> tuple[int, int, int, int]:
    """Objectives 1-4 (access placed, placed, person-metres, pairs) by staged CP-SAT solves."""
    reach = [(r.area, r.shelter, round(r.km * 1000)) for r in p.routes or []
             if r.km <= p.max_distance_km]
    room = {s.code: s.capacity for s in p.shelters}
    ok = {s.code: s.accessible for s in p.shelters}
    m = cp_model.CpModel()
    acc = {(a, s): m.new_int_var(0, 10**4, "") for a, s, _ in reach}
    oth = {(a, s): m.new_int_var(0, 10**4, "") for a, s, _ in reach}
    for area in p.areas:
        m.add(sum(v for (a, _), v in acc.items() if a == area.code) <= area.need_access)
        m.add(sum(v for (a, _), v in oth.items() if a == area.code)
              <= area.evacuees - area.need_access)
    for code, cap in room.items():
        m.add(sum(acc[k] + oth[k] for k in acc if k[1] == code) <= cap)
    use = {k: m.new_bool_var("") for k in acc}
    for k, u in use.items():
        m.add(acc[k] + oth[k] <= 10**4 * u)
    goals = [sum(v for (_, s), v in acc.items() if ok[s]),
             sum(acc.values()) + sum(oth.values()),
             -sum(km * (acc[(a, s)] + oth[(a, s)]) for a, s, km in reach),
             -sum(use.values())]
    best = []
    for goal in goals:
        m.maximize(goal)
        solver = cp_model.CpSolver()
        assert solver.solve(m) == cp_model.OPTIMAL
        best.append(round(solver.objective_value))
        m.add(goal == best[-1])
    return best[0], best[1], -best[2], -best[3]


def random_problem(seed: int) -> ShelterProblem:
    rng = random.Random(seed)
    areas: dict[str, tuple[int, int]] = {}
    for i in range(rng.randint(1, 8)):
        n = rng.randint(0, 40)
        areas[f"A{i}"] = (n, rng.randint(0, n))
    places = {f"S{j}": (rng.randint(0, 50), rng.random() < 0.4)
              for j in range(rng.randint(1, 5))}
    routes = [(a, s, rng.choice([1.0, 2.0, round(rng.uniform(0.1, 6), 2)]))
              for a in areas for s in places if rng.random() < 0.6]
    return problem(areas, places, routes)


@pytest.mark.parametrize("seed", range(30))
def test_random_instances_keep_limits_and_are_lexicographically_optimal(seed: int) -> None:
    p = random_problem(seed)
    plan = solve(p)
    assert plan.status == "optimal"
    rooms = {s.code: s.capacity for s in p.shelters}
    km = {(r.area, r.shelter): r.km for r in p.routes or [] if r.km <= p.max_distance_km}
    for r in plan.assignments:
        assert r.km == km[(r.area, r.shelter)] and 0 <= r.need_access <= r.people
    for s, cap in rooms.items():
        assert sum(r.people for r in plan.assignments if r.shelter == s) <= cap
    for a in p.areas:
        mine = [r for r in plan.assignments if r.area == a.code]
        left = [u for u in plan.unplaced if u.area == a.code]
        assert sum(r.people for r in mine) + sum(u.people for u in left) == a.evacuees
        assert sum(r.need_access for r in mine) + sum(u.need_access for u in left) == a.need_access
    person_metres = round(sum(r.people * r.km * 1000 for r in plan.assignments))
    best = lexicographic_optimum(p)
    assert (plan.access_placed, plan.placed, person_metres) == best[:3]
    assert plan.consolidation == "proven" and len(plan.assignments) == best[3]
    base = solve(p, ShelterParams(time_limit_s=0))
    assert plan.access_placed >= base.access_placed
    assert (plan.access_placed, plan.placed) >= (base.access_placed, base.placed)
