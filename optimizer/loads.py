"""Vehicle loads of one depot: its orders packed onto its vehicles, never over payload or
load space, on CP-SAT.

Each vehicle makes one run (one load). An order (the items for one receiving point) may be
split over vehicles when it does not fit on one. Lexicographic, as one weighted objective:
1. load as much as the fleet can carry (the least weight left behind);
2. the fewest order-vehicle pairs (stops: an order stays on one vehicle where it can);
3. the fewest vehicles.
A first-fit-decreasing plan is the hint, and what is kept if CP-SAT finds nothing better in
its time. What the fleet cannot carry is packed, first fit, into further runs of the
depot's largest vehicle (or of the standard vehicle given when the depot has none): loads
with no vehicle, which the caller reports as a vehicle shortfall. Pure: dataclasses in,
dataclasses out.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

KG = 1000  # weights in grams, volumes in cm³ (sizes rounded up): whole numbers for CP-SAT
M3 = 1_000_000


@dataclass(frozen=True)
class Vehicle:
    code: str
    payload_kg: float
    volume_m3: float


@dataclass(frozen=True)
class Size:
    kg: float  # per unit
    m3: float


@dataclass(frozen=True)
class Order:
    key: str  # where it goes (the receiving point's area)
    items: dict[str, int]


@dataclass(frozen=True)
class LoadProblem:
    vehicles: Sequence[Vehicle]
    orders: Sequence[Order]
    sizes: dict[str, Size]
    standard: Vehicle  # what a run beyond the fleet is assumed to be, when it has none


@dataclass(frozen=True)
class LoadLine:
    order: str
    item: str
    quantity: int


@dataclass(frozen=True)
class Load:
    vehicle: str | None  # None: beyond the depot's fleet
    lines: list[LoadLine]
    kg: float
    m3: float


@dataclass(frozen=True)
class LoadPlan:
    loads: list[Load]
    status: str  # "optimal", "feasible" (CP-SAT's best in time), "greedy" or "trivial"
    runs_short: int = 0  # loads with no vehicle of the depot
    kg_short: float = 0.0


def pack(problem: LoadProblem, seconds: float = 0.2) -> LoadPlan:
    cells = [(o.key, item, int(q)) for o in problem.orders for item, q in sorted(o.items.items())
             if q > 0]
    if not cells:
        return LoadPlan([], "trivial")
    vehicles = sorted(problem.vehicles, key=lambda v: (-v.payload_kg, v.code))
    trivial = _one_vehicle(cells, vehicles, problem.sizes) if vehicles else None
    if trivial is not None:
        status, placed = "trivial", trivial
    else:
        status, placed = "greedy", _first_fit(cells, vehicles, problem.sizes)
        if vehicles and seconds > 0.005:
            solved = _solve(cells, vehicles, problem.sizes, placed, seconds)
            # a solver stopped early may not even reach its hint: never load less than it
            if solved and _units(solved[1]) >= _units(placed):
                status, placed = solved
    loads = _loads(cells, placed, vehicles, problem.sizes)
    left = _left(cells, placed)
    spare = vehicles[0] if vehicles else problem.standard
    extra = _runs(left, spare, problem.sizes)
    kg_short = sum(r.kg for r in extra)
    return LoadPlan(loads + extra, status, len(extra), round(kg_short, 1))


_Placed = dict[tuple[int, int], int]  # (cell, vehicle) -> units


def _units(placed: _Placed) -> int:
    return sum(placed.values())


def _w(sizes: dict[str, Size], item: str) -> tuple[int, int]:
    s = sizes[item]
    return max(math.ceil(s.kg * KG - 1e-9), 0), max(math.ceil(s.m3 * M3 - 1e-9), 0)


def _one_vehicle(cells: list[tuple[str, str, int]], vehicles: list[Vehicle],
                 sizes: dict[str, Size]) -> _Placed | None:
    """Everything on the smallest single vehicle that carries it: then 1 vehicle, one stop
    per order, nothing left: optimal at once."""
    kg = sum(_w(sizes, i)[0] * q for _, i, q in cells)
    m3 = sum(_w(sizes, i)[1] * q for _, i, q in cells)
    fits = [j for j, v in enumerate(vehicles)
            if kg <= v.payload_kg * KG and m3 <= v.volume_m3 * M3]
    if not fits:
        return None
    j = min(fits, key=lambda j: (vehicles[j].payload_kg, vehicles[j].code))
    return {(c, j): q for c, (_, _, q) in enumerate(cells)}


def _first_fit(cells: list[tuple[str, str, int]], vehicles: list[Vehicle],
               sizes: dict[str, Size]) -> _Placed:
    """Orders heaviest first, each onto the first vehicle with room, split where needed."""
    room = [[int(v.payload_kg * KG), int(v.volume_m3 * M3)] for v in vehicles]
    placed: _Placed = {}
    order_kg: dict[str, int] = {}
    for key, item, q in cells:
        order_kg[key] = order_kg.get(key, 0) + _w(sizes, item)[0] * q
    ranked = sorted(range(len(cells)), key=lambda c: (-order_kg[cells[c][0]], cells[c][0], c))
    for c in ranked:
        _, item, left = cells[c]
        kg, m3 = _w(sizes, item)
        for j, r in enumerate(room):
            if left == 0:
                break
            fit = min(left, r[0] // kg if kg else left, r[1] // m3 if m3 else left)
            if fit > 0:
                placed[(c, j)] = placed.get((c, j), 0) + fit
                r[0] -= fit * kg
                r[1] -= fit * m3
                left -= fit
    return placed


def _solve(cells: list[tuple[str, str, int]], vehicles: list[Vehicle], sizes: dict[str, Size],
           hint: _Placed, seconds: float) -> tuple[str, _Placed] | None:
    model = cp_model.CpModel()
    keys = sorted({k for k, _, _ in cells})
    nv = len(vehicles)
    q = {(c, j): model.new_int_var(0, cells[c][2], "") for c in range(len(cells))
         for j in range(nv)}
    z = {(k, j): model.new_bool_var("") for k in keys for j in range(nv)}
    u = [model.new_bool_var("") for _ in range(nv)]
    for c, (key, _, qty) in enumerate(cells):
        model.add(sum(q[c, j] for j in range(nv)) <= qty)
        for j in range(nv):
            model.add(q[c, j] <= qty * z[key, j])
    for j, v in enumerate(vehicles):
        model.add(sum(_w(sizes, cells[c][1])[0] * q[c, j] for c in range(len(cells)))
                  <= int(v.payload_kg * KG) * u[j])
        model.add(sum(_w(sizes, cells[c][1])[1] * q[c, j] for c in range(len(cells)))
                  <= int(v.volume_m3 * M3))
        for k in keys:
            model.add_implication(z[k, j], u[j])
    total = sum(_w(sizes, i)[0] * qty for _, i, qty in cells)
    loaded = sum(_w(sizes, cells[c][1])[0] * q[c, j] for c in range(len(cells))
                 for j in range(nv))
    stops = sum(z.values())
    m2 = nv + 1
    m1 = m2 * (len(keys) * nv + 1) + nv + 1
    model.minimize(m1 * (total - loaded) + m2 * stops + sum(u))
    for (c, j), var in q.items():
        model.add_hint(var, hint.get((c, j), 0))
    used_hint = {(cells[c][0], j) for (c, j), n in hint.items() if n > 0}
    for (k, j), var in z.items():
        model.add_hint(var, (k, j) in used_hint)
    for j, var in enumerate(u):
        model.add_hint(var, any(jj == j for _, jj in used_hint))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    placed = {key: int(solver.value(var)) for key, var in q.items() if solver.value(var) > 0}
    return ("optimal" if status == cp_model.OPTIMAL else "feasible"), placed


def _loads(cells: list[tuple[str, str, int]], placed: _Placed, vehicles: list[Vehicle],
           sizes: dict[str, Size]) -> list[Load]:
    """One load per vehicle used, in the fleet's order."""
    by_vehicle: dict[int, list[LoadLine]] = {}
    for (c, j), n in sorted(placed.items()):
        if n > 0:
            by_vehicle.setdefault(j, []).append(LoadLine(cells[c][0], cells[c][1], n))
    return [_load(vehicles[j].code, lines, sizes) for j, lines in sorted(by_vehicle.items())]


def _left(cells: list[tuple[str, str, int]], placed: _Placed) -> list[tuple[str, str, int]]:
    got: dict[int, int] = {}
    for (c, _j), n in placed.items():
        got[c] = got.get(c, 0) + n
    return [(k, i, q - got.get(c, 0)) for c, (k, i, q) in enumerate(cells) if q > got.get(c, 0)]


def _runs(left: list[tuple[str, str, int]], vehicle: Vehicle,
          sizes: dict[str, Size]) -> list[Load]:
    """What is left, packed first fit into runs of one vehicle size (no vehicle named)."""
    runs: list[Load] = []
    while left:
        placed = _first_fit(left, [vehicle], sizes)
        if not placed:  # a single unit larger than the vehicle: it goes alone
            placed = {(0, 0): 1}
        lines = [LoadLine(left[c][0], left[c][1], n) for (c, _j), n in sorted(placed.items())]
        runs.append(_load(None, lines, sizes))
        left = _left(left, placed)
    return runs


def _load(vehicle: str | None, lines: list[LoadLine], sizes: dict[str, Size]) -> Load:
    kg = sum(sizes[ln.item].kg * ln.quantity for ln in lines)
    m3 = sum(sizes[ln.item].m3 * ln.quantity for ln in lines)
    return Load(vehicle, sorted(lines, key=lambda ln: (ln.order, ln.item)), round(kg, 1),
                round(m3, 3))
