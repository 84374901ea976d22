"""Evacuees from areas to shelters: wheelchair access first, then everyone, then distance.

Lexicographic objectives on the (area, shelter) pairs within reach:
1. most wheelchair users placed in accessible shelters;
2. most people placed (a wheelchair user goes to a non-accessible shelter only as a last resort);
3. fewest person-km;
4. fewest (area, shelter) pairs, so an area's people stay together, without worsening 1-3.

1-3 are one min-cost flow whose costs make each objective outweigh the next (`_weights` has
the proof); 4 is CP-SAT over the flows optimal for 1-3 (optimizer.consolidate), hinted with
the flow plan and time-bounded; parts too large for it keep the flow plan, still optimal for
1-3. If the time bound is reached before the flow is solved, a labelled nearest-shelter greedy
plan is returned. Pure: dataclasses in, dataclasses out.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from optimizer.consolidate import Consolidation, FlowNet, consolidate
from optimizer.geo import great_circle_matrix

M_PER_KM = 1000  # flow costs are whole metres per person


class HasPlace(Protocol):
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


@dataclass(frozen=True)
class EvacuationArea:
    code: str
    lat: float | None
    lon: float | None
    evacuees: int
    need_access: int = 0  # of the evacuees, how many need wheelchair access


@dataclass(frozen=True)
class Shelter:
    code: str
    lat: float | None
    lon: float | None
    capacity: int  # free places: capacity - occupancy, worked out by the caller
    accessible: bool = False


@dataclass(frozen=True)
class ShelterRoute:
    area: str
    shelter: str
    km: float


@dataclass(frozen=True)
class ShelterProblem:
    areas: Sequence[EvacuationArea]
    shelters: Sequence[Shelter]
    max_distance_km: float = 5.0
    routes: Sequence[ShelterRoute] | None = None  # None: great-circle pairs within the distance


@dataclass(frozen=True)
class ShelterParams:
    time_limit_s: float = 30.0
    consolidate_max_pairs: int = 20_000  # larger connected parts keep the flow plan
    consolidate_time_s: float | None = None  # a budget of its own for step 4 (None: the rest)
    workers: int = 8


@dataclass(frozen=True)
class Placement:
    area: str
    shelter: str
    people: int
    need_access: int  # of these people, how many need wheelchair access
    km: float


@dataclass(frozen=True)
class Unplaced:
    area: str
    people: int
    need_access: int
    reason: str


@dataclass(frozen=True)
class AccessShortfall:
    """Wheelchair users of an area not in an accessible shelter (placed elsewhere or not)."""

    area: str
    people: int
    reason: str


@dataclass(frozen=True)
class ShelterPlan:
    status: str  # "optimal" (objectives 1-3 proven), or "greedy" when the time bound was hit
    assignments: list[Placement]
    unplaced: list[Unplaced]
    person_km: float
    solve_seconds: float
    placed: int = 0
    access_placed: int = 0  # wheelchair users in accessible shelters
    access_shortfall: list[AccessShortfall] = field(default_factory=list)
    consolidation: str = "skipped"  # "proven", "improved", "unproven", "skipped" or "greedy"
    consolidation_note: str = ""


@dataclass
class Reach:
    """Every (area, shelter) pair within reach, as index arrays, whatever the capacity."""

    area: np.ndarray
    shelter: np.ndarray
    km: np.ndarray

    def where(self, keep: np.ndarray) -> Reach:
        return Reach(self.area[keep], self.shelter[keep], self.km[keep])


def reach(problem: ShelterProblem) -> Reach:
    """The explicit routes, or great-circle pairs, within the maximum distance."""
    if problem.routes is not None:
        a_ix = {a.code: i for i, a in enumerate(problem.areas)}
        s_ix = {s.code: i for i, s in enumerate(problem.shelters)}
        best: dict[tuple[int, int], float] = {}
        for r in problem.routes:
            if r.area not in a_ix or r.shelter not in s_ix:
                raise ValueError(f"route {r.area}-{r.shelter} names an unknown area or shelter")
            key = (a_ix[r.area], s_ix[r.shelter])
            best[key] = min(r.km, best.get(key, r.km))
        rows = [(a, s, km) for (a, s), km in best.items() if km <= problem.max_distance_km]
        return Reach(np.array([r[0] for r in rows], dtype=np.int64),
                     np.array([r[1] for r in rows], dtype=np.int64),
                     np.round(np.array([r[2] for r in rows], dtype=np.float64), 3))
    return Reach(*pairs_within(coordinates(problem.areas), coordinates(problem.shelters),
                               problem.max_distance_km))


Points = tuple[np.ndarray, np.ndarray, np.ndarray]  # lat, lon (degrees), has both


def coordinates(points: Sequence[HasPlace]) -> Points:
    """Latitudes and longitudes as arrays, and which points have both."""
    lat = np.array([np.nan if p.lat is None else p.lat for p in points], dtype=np.float64)
    lon = np.array([np.nan if p.lon is None else p.lon for p in points], dtype=np.float64)
    return lat, lon, ~(np.isnan(lat) | np.isnan(lon))


def pairs_within(here: Points, there: Points, limit: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, km) for every point i of `here` and j of `there` at most `limit` km apart,
    by great-circle distance in blocks of rows (10^7 pairs in about a second)."""
    (alat, alon, a_ok), (blat, blon, b_ok) = here, there
    rows_all, cols = np.nonzero(a_ok)[0], np.nonzero(b_ok)[0]
    parts = [(rows_all[:0], cols[:0], np.zeros(0))]
    to_lat, to_lon = blat[cols].tolist(), blon[cols].tolist()
    for start in range(0, len(rows_all) if len(cols) else 0, 2000):
        rows = rows_all[start:start + 2000]
        km = great_circle_matrix(alat[rows].tolist(), alon[rows].tolist(), to_lat, to_lon)
        i, j = np.nonzero(km <= limit)
        parts.append((rows[i], cols[j], np.round(km[i, j], 3)))
    i, j, km = (np.concatenate([p[k] for p in parts]) for k in range(3))
    return i, j, km


@dataclass
class _People:
    need: np.ndarray  # wheelchair users per area
    other: np.ndarray  # everyone else per area
    capacity: np.ndarray  # free places per shelter (never negative)
    accessible: np.ndarray


def _people(problem: ShelterProblem) -> _People:
    need = np.array([min(max(a.need_access, 0), max(a.evacuees, 0)) for a in problem.areas],
                    dtype=np.int64)
    total = np.array([max(a.evacuees, 0) for a in problem.areas], dtype=np.int64)
    return _People(need, total - need,
                   np.array([max(s.capacity, 0) for s in problem.shelters], dtype=np.int64),
                   np.array([s.accessible for s in problem.shelters], dtype=bool))


def _metres(km: np.ndarray) -> np.ndarray:
    metres: np.ndarray = np.rint(km * M_PER_KM).astype(np.int64)
    return metres


def _weights(cost: np.ndarray, n_shelters: int, n_area_nodes: int) -> tuple[int, int]:
    """Costs W1 (a wheelchair user outside an accessible shelter) and W2 (anyone unplaced).

    A flow minimising W1*(wheelchair users not in accessible shelters) + W2*(unplaced) +
    person-metres is lexicographically optimal when no residual cycle can trade a gain in a
    higher objective for a loss in a lower one. A simple cycle passes the sink once, so it
    changes the placed count by at most 1; its metres change by at most k = (forward placement
    arcs, each entering a distinct shelter and leaving a distinct area node) x longest arc.
    W2 > k makes placing one more person worth any km; W1 > W2 + k makes one more wheelchair
    user in an accessible shelter worth one less placed person and any km.
    """
    k = int(cost.max(initial=0)) * max(1, min(n_shelters, n_area_nodes))
    return 2 * k + 2, k + 1


def _flow(people: _People, pairs: Reach) -> FlowNet:
    """Wheelchair users and others per pair: objectives 1-3 as one min-cost flow."""
    na, ns = len(people.need), len(people.capacity)
    sink = 2 * na + ns
    metres = _metres(pairs.km)
    w1, w2 = _weights(metres, len(np.unique(pairs.shelter)), 2 * na)
    accessible = people.accessible[pairs.shelter]
    room = people.capacity[pairs.shelter]
    supplies = np.concatenate([people.need, people.other])
    tail = np.concatenate([pairs.area, na + pairs.area, 2 * na + np.arange(ns),
                           np.arange(2 * na)])
    head = np.concatenate([2 * na + pairs.shelter, 2 * na + pairs.shelter,
                           np.full(ns + 2 * na, sink)])
    # the unplaced arcs give everyone a way to the sink, at the price of objectives 1-2
    capacity = np.concatenate([np.minimum(people.need[pairs.area], room),
                               np.minimum(people.other[pairs.area], room), people.capacity,
                               supplies])
    cost = np.concatenate([metres + np.where(accessible, 0, w1), metres, np.zeros(ns),
                           np.full(na, w1 + w2), np.full(na, w2)]).astype(np.int64)
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(tail, head, capacity, cost)
    mcf.set_nodes_supplies(np.arange(2 * na), supplies)
    mcf.set_node_supply(sink, -int(supplies.sum()))
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return FlowNet(tail, head, capacity, cost, np.asarray(mcf.flows(arcs), dtype=np.int64),
                   na, ns, pairs.area, pairs.shelter, accessible, metres)


def greedy_placement(people: _People, pairs: Reach) -> tuple[np.ndarray, np.ndarray]:
    """Nearest shelter first: wheelchair users into accessible shelters, then everyone else,
    then wheelchair users still waiting into any shelter. The baseline and the fallback."""
    order = np.lexsort((pairs.km, pairs.area))
    left = people.capacity.copy()
    acc, oth = np.zeros(len(pairs.km), dtype=np.int64), np.zeros(len(pairs.km), dtype=np.int64)
    waiting = [people.need.copy(), people.other.copy()]
    for placed, who, accessible_only in ((acc, 0, True), (oth, 1, False), (acc, 0, False)):
        for p, a, s in zip(order.tolist(), pairs.area[order].tolist(),
                           pairs.shelter[order].tolist(), strict=True):
            if accessible_only and not people.accessible[s]:
                continue
            take = min(int(waiting[who][a]), int(left[s]))
            if take > 0:
                placed[p] += take
                waiting[who][a] -= take
                left[s] -= take
    return acc, oth


def solve(problem: ShelterProblem, params: ShelterParams = ShelterParams()) -> ShelterPlan:
    """The lexicographically best plan; a labelled greedy plan if the time bound is reached."""
    started = time.monotonic()
    deadline = started + params.time_limit_s
    people = _people(problem)
    pairs = reach(problem)
    usable = pairs.where(people.capacity[pairs.shelter] > 0)
    # the flow solver cannot be interrupted: the bound is checked before it starts
    if time.monotonic() < deadline:
        status = "optimal"
        net = _flow(people, usable)
        budget = deadline if params.consolidate_time_s is None else min(
            deadline, time.monotonic() + params.consolidate_time_s)
        merged = consolidate(net, budget, params.consolidate_max_pairs, params.workers)
    else:
        status = "greedy"
        merged = Consolidation(*greedy_placement(people, usable), "greedy",
                               "time bound reached: nearest-shelter plan")
    return _plan(problem, people, pairs, usable, merged, status, time.monotonic() - started)


def _plan(problem: ShelterProblem, people: _People, pairs: Reach, usable: Reach,
          merged: Consolidation, status: str, seconds: float) -> ShelterPlan:
    acc, oth = merged.access, merged.other
    rows = [Placement(problem.areas[int(usable.area[p])].code,
                      problem.shelters[int(usable.shelter[p])].code,
                      int(acc[p] + oth[p]), int(acc[p]), float(usable.km[p]))
            for p in np.nonzero(acc + oth)[0]]
    rows.sort(key=lambda r: (r.area, r.km, r.shelter))
    na = len(problem.areas)
    placed_acc = np.bincount(usable.area, weights=acc, minlength=na).astype(np.int64)
    placed_oth = np.bincount(usable.area, weights=oth, minlength=na).astype(np.int64)
    in_accessible = np.bincount(usable.area, weights=acc * people.accessible[usable.shelter],
                                minlength=na).astype(np.int64)
    why = _Reasons(problem, people, pairs)
    unplaced, shortfall = [], []
    for i, area in enumerate(problem.areas):
        left_acc = int(people.need[i] - placed_acc[i])
        left = left_acc + int(people.other[i] - placed_oth[i])
        if left > 0:
            unplaced.append(Unplaced(area.code, left, left_acc, why.unplaced(i)))
        if people.need[i] > in_accessible[i]:
            shortfall.append(AccessShortfall(area.code, int(people.need[i] - in_accessible[i]),
                                             why.no_access(i)))
    return ShelterPlan(status, rows, unplaced, round(float(((acc + oth) * usable.km).sum()), 3),
                       round(seconds, 4), int((acc + oth).sum()), int(in_accessible.sum()),
                       shortfall, merged.status, merged.note)


class _Reasons:
    """Why people were left out, in the words a coordinator uses."""

    def __init__(self, problem: ShelterProblem, people: _People, pairs: Reach) -> None:
        self.within = f"within {problem.max_distance_km:g} km"
        na = len(problem.areas)
        free = people.capacity[pairs.shelter] > 0
        acc = people.accessible[pairs.shelter]
        self.any, self.free = np.bincount(pairs.area, minlength=na), np.zeros(na, dtype=bool)
        self.free[pairs.area[free]] = True
        self.any_acc = np.zeros(na, dtype=bool)
        self.any_acc[pairs.area[acc]] = True
        self.free_acc = np.zeros(na, dtype=bool)
        self.free_acc[pairs.area[acc & free]] = True

    def unplaced(self, area: int) -> str:
        if not self.any[area]:
            return f"no shelter {self.within}"
        if not self.free[area]:
            return f"no shelter with free places {self.within}"
        return f"shelters {self.within} are full"

    def no_access(self, area: int) -> str:
        if not self.any_acc[area]:
            return f"no accessible shelter {self.within}"
        if not self.free_acc[area]:
            return f"no accessible shelter with free places {self.within}"
        return f"accessible shelters {self.within} are full"
