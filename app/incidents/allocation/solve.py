"""Turn plan inputs into optimiser problems, solve them, and turn the results into plan rows.

Pure of the database: Inputs in (already loaded), plain row dicts out.
"""
from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.incidents.allocation.inputs import Inputs, time_limit
from app.incidents.allocation.people import shelters, teams
from app.incidents.services import assumptions
from optimizer import distribution, loads, supplies


@dataclass
class Solved:
    statuses: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    explanations: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    loads: list[dict[str, Any]] = field(default_factory=list)  # with their "lines"


def solve_all(inputs: Inputs) -> Solved:
    """Supplies, shelters and teams, each solved and explained."""
    out = Solved()
    started = time.perf_counter()
    _supplies(inputs, out)
    _loads(inputs, out)
    shelters(inputs, out)
    teams(inputs, out)
    out.seconds = time.perf_counter() - started
    return out


def supply_problem(inputs: Inputs) -> supplies.SupplyProblem:
    """Outstanding demand per receiving node and item (its areas' needs less what is already
    under way), usable stock per depot, the allowed routes."""
    items = sorted({item for _, item in inputs.need})
    areas = []
    for node in inputs.nodes:
        demand, priority = {}, {}
        for item in items:
            required = prio = 0
            for area_id in node.members:
                r, p = inputs.need.get((area_id, item), (0, 0))
                required, prio = required + r, prio + p
            done = inputs.node_committed(node, item)
            if required - done > 0:
                demand[item] = required - done
                priority[item] = max(prio - done, 0)
        areas.append(supplies.AreaNeed(node.code, node.lat, node.lon, demand, priority))
    depots = [supplies.DepotStock(d.code, d.lat, d.lon, d.stock) for d in inputs.depots]
    routes = [supplies.Route(d, a, km, (d, a) in inputs.pinned_routes)
              for (d, a), km in inputs.routes.items()]
    specs = [supplies.ItemSpec(code, float(inputs.items[code].weight_kg)) for code in items]
    limit = assumptions()["solver"].get("max_depots_per_area")
    return supplies.SupplyProblem(specs, depots, areas, routes, max_distance_km=float("inf"),
                                  max_depots_per_area=int(limit) if limit else None)


def node_lines(inputs: Inputs, delivered: dict[tuple[str, str], int]
               ) -> dict[tuple[int, str], tuple[int, int, int]]:
    """Per affected area and item: (committed, planned, priority planned), sharing what each
    node has under way and what the plan sends it over its areas (distribution.share)."""
    out: dict[tuple[int, str], tuple[int, int, int]] = {}
    items = sorted({item for _, item in inputs.need})
    for node in inputs.nodes:
        for item in items:
            needs = [inputs.need.get((a, item), (0, 0)) for a in node.members]
            if not any(r for r, _ in needs):
                continue
            required, prio = [r for r, _ in needs], [p for _, p in needs]
            done = inputs.node_committed(node, item)
            before = distribution.share(done, required, prio)
            after = distribution.share(done + delivered.get((node.code, item), 0), required,
                                       prio)
            for area_id, b, a, p in zip(node.members, before, after, prio, strict=True):
                out[(area_id, item)] = (b.units, max(a.units - b.units, 0),
                                        max(min(a.units, p) - min(b.units, p), 0))
    return out


def points_summary(inputs: Inputs) -> list[dict[str, Any]]:
    """The receiving nodes of the plan: the point (if any) and the areas it serves."""
    codes = {ia.area_id: ia.area.code for ia in inputs.areas}
    return [{"area": n.code, "area_id": n.area_id, "point": n.point, "lat": n.lat,
             "lon": n.lon, "members": [codes[a] for a in n.members]} for n in inputs.nodes]


def _supplies(inputs: Inputs, out: Solved) -> None:
    problem = supply_problem(inputs)
    solver = assumptions()["solver"]
    plan = supplies.solve(problem, supplies.SolveParams(
        time_limit_s=time_limit(), workers=os.cpu_count() or 1,
        # pinned routes are used first (no transport cost) and the trips stage keeps them
        consolidate=bool(solver.get("supply_trips", True)),
        consolidate_time_s=float(solver["supply_trips_time_s"])))
    out.statuses["supplies"] = plan.status
    area_ids = {node.code: node.area_id for node in inputs.nodes}
    depot_ids = {d.code: d.id for d in inputs.depots}
    out.shipments = _lots_for(inputs, plan.shipments, area_ids, depot_ids)
    shared = node_lines(inputs, {(r.area, r.item): r.delivered for r in plan.areas})
    in_reach = _in_reach(inputs)
    explainer = _Explainer(inputs)
    for (area_id, item), (required, priority) in sorted(inputs.need.items()):
        node = inputs.node_of[area_id]
        committed, planned, priority_planned = shared.get((area_id, item), (0, 0, 0))
        line = {"area_id": area_id, "item_id": inputs.items[item].id, "required": required,
                "priority": priority, "committed": committed,
                "in_reach": in_reach.get((node, item), 0), "planned": planned,
                "priority_planned": priority_planned, "reason": {}}
        if committed + planned < required:
            line["reason"] = explainer.reason(node, item, required - committed,
                                              line["in_reach"])
        out.lines.append(line)
    out.summary["supplies"] = {
        # over every need line, reached or not; the optimiser's levels cover reached ones only
        "worst_priority_coverage": _worst(out.lines, "priority", "priority_planned"),
        "worst_coverage": _worst(out.lines, "required", "planned"),
        "reached_worst_priority_coverage": round(
            supplies.worst_coverage(plan.areas, priority=True), 4),
        "reached_worst_coverage": round(supplies.worst_coverage(plan.areas), 4),
        "cost": plan.cost, "shipments": len(plan.shipments), "trips": plan.trips,
        "trips_status": plan.consolidation.status,
        "trips_gap": plan.consolidation.gap,
        "short_lines": sum(1 for line in out.lines if line["reason"]),
        "unreachable": len(plan.unreachable), "solve_seconds": plan.solve_seconds,
        "in_reach": _in_reach_overall(inputs)}
    out.summary["reserves"] = reserve_summary(inputs)
    out.summary["points"] = points_summary(inputs)


def _loads(inputs: Inputs, out: Solved) -> None:
    """Each depot's orders (its shipments, per receiving area) packed onto its vehicles; runs
    beyond its fleet are loads with no vehicle, listed as a vehicle shortfall."""
    started = time.perf_counter()
    settings = assumptions()
    standard = loads.Vehicle("", float(settings["vehicles"]["standard_payload_kg"]),
                             float(settings["vehicles"]["standard_volume_m3"]))
    sizes = {str(i.id): loads.Size(float(i.weight_kg), float(i.volume_m3))
             for i in inputs.items.values()}
    orders: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for s in out.shipments:
        cell = orders[s["depot_id"]][s["area_id"]]
        cell[str(s["item_id"])] = cell.get(str(s["item_id"]), 0) + s["quantity"]
    budget = float(settings["solver"].get("loads_time_s", 0.5))
    code_of = {d.id: d.code for d in inputs.depots}
    statuses: dict[str, int] = defaultdict(int)
    short = []
    depots = sorted(orders, key=lambda d: code_of[d])
    heavy = {d: sum(sizes[i].kg * q for o in orders[d].values() for i, q in o.items())
             for d in depots}
    to_pack = sum(heavy.values())  # the budget is shared by weight among the depots left
    for depot_id in depots:
        fleet = inputs.vehicles.get(depot_id, [])
        by_code = {v.code: v.id for v in fleet}
        problem = loads.LoadProblem(
            [loads.Vehicle(v.code, v.payload_kg, v.volume_m3) for v in fleet],
            [loads.Order(str(area), dict(cell)) for area, cell in sorted(orders[depot_id].items())],
            sizes, standard)
        left = budget - (time.perf_counter() - started)
        plan = loads.pack(problem, max(left * heavy[depot_id] / max(to_pack, 1e-9), 0.0))
        to_pack -= heavy[depot_id]
        statuses[plan.status] += 1
        for number, load in enumerate(plan.loads, start=1):
            out.loads.append({
                "depot_id": depot_id, "number": number,
                "vehicle_id": by_code.get(load.vehicle) if load.vehicle else None,
                "weight_kg": load.kg, "volume_m3": load.m3,
                "lines": [{"area_id": int(ln.order), "item_id": int(ln.item),
                           "quantity": ln.quantity} for ln in load.lines]})
        if plan.runs_short:
            short.append({"depot": code_of[depot_id], "vehicles": len(fleet),
                          "capacity_kg": round(sum(v.payload_kg for v in fleet), 1),
                          "needed_kg": round(heavy[depot_id], 1), "runs_short": plan.runs_short,
                          "kg_short": plan.kg_short,
                          "run_kg": max((v.payload_kg for v in fleet),
                                        default=standard.payload_kg),
                          "code": "no_vehicles" if not fleet else "fleet_short"})
    out.explanations["vehicles"] = short
    out.summary["loads"] = {
        "loads": len(out.loads), "with_vehicle": sum(1 for x in out.loads if x["vehicle_id"]),
        "runs_short": sum(r["runs_short"] for r in short), "depots_short": len(short),
        "statuses": dict(statuses), "seconds": round(time.perf_counter() - started, 3)}


def reserve_summary(inputs: Inputs) -> dict[str, Any]:
    """What the plan leaves in the depots as protected reserve, and under which rule."""
    code_of = {d.id: d.code for d in inputs.depots}
    per_item: dict[str, int] = defaultdict(int)
    for (_depot, item), units in inputs.reserve_kept.items():
        per_item[item] += units
    rule = inputs.reserve_policy
    return {"kept": dict(sorted(per_item.items())),
            "by_depot": [{"depot": code_of[d], "item": item, "units": units}
                         for (d, item), units in sorted(inputs.reserve_kept.items(),
                                                        key=lambda kv: (code_of[kv[0][0]],
                                                                        kv[0][1]))],
            "release_pct": rule.release_pct if rule else 0,
            "release_source": rule.source if rule else "",
            "released_all": bool(rule and rule.released_all),
            "released": sorted(code_of[d] for d in (rule.released if rule else ())
                               if d in code_of)}


def _worst(lines: list[dict[str, Any]], need: str, got: str) -> float:
    """The smallest share of a need met (earlier plans' deliveries count), 1.0 if none."""
    shares = [min((ln[got] + ln["committed"]) / ln[need], 1.0) for ln in lines if ln[need] > 0]
    return round(min(shares), 4) if shares else 1.0


def _lots_for(inputs: Inputs, shipments: list[supplies.Shipment], area_ids: dict[str, int],
              depot_ids: dict[str, int]) -> list[dict[str, Any]]:
    """Split each depot-level shipment over lots, first-expired-first-out."""
    left = {key: [[lot.id, lot.available] for lot in lots] for key, lots in inputs.lots.items()}
    rows = []
    for s in sorted(shipments, key=lambda s: (s.depot, s.item, s.area)):
        depot_id = depot_ids[s.depot]
        need = s.quantity
        km = inputs.distances.get(s.depot, s.area)
        for lot in left.get((depot_id, s.item), []):
            take = min(need, lot[1])
            if take <= 0:
                continue
            lot[1] -= take
            need -= take
            rows.append({"depot_id": depot_id, "area_id": area_ids[s.area],
                         "item_id": inputs.items[s.item].id, "lot_id": lot[0], "quantity": take,
                         "km": km if km is not None else s.km,
                         "dispatch_id": None})
            if need == 0:
                break
        if need:  # the optimiser never ships more than the lots hold
            raise AssertionError(f"lots of {s.item} in {s.depot} short by {need}")
    return rows


def _in_reach_overall(inputs: Inputs) -> dict[str, int]:
    """Per item: units held by the depots that may serve some affected area, each counted
    once (the per-area figures share depots, so they do not add up)."""
    serving = {depot for depot, _ in inputs.routes}
    out: dict[str, int] = {}
    for depot in inputs.depots:
        if depot.code in serving:
            for item, units in depot.stock.items():
                out[item] = out.get(item, 0) + int(units)
    return out


def _in_reach(inputs: Inputs) -> dict[tuple[str, str], int]:
    """Per area and item: units held by the depots that may serve it (shared with others)."""
    items = sorted({item for d in inputs.depots for item in d.stock})
    if not inputs.routes or not items:
        return {}
    depot_ix = {d.code: i for i, d in enumerate(inputs.depots)}
    stock = np.array([[d.stock.get(item, 0) for item in items] for d in inputs.depots],
                     dtype=np.int64)
    areas = list(dict.fromkeys(area for _, area in inputs.routes))
    area_ix = {a: i for i, a in enumerate(areas)}
    by_depot = np.fromiter((depot_ix[d] for d, _ in inputs.routes), np.intp, len(inputs.routes))
    by_area = np.fromiter((area_ix[a] for _, a in inputs.routes), np.intp, len(inputs.routes))
    held = np.zeros((len(areas), len(items)), dtype=np.int64)
    np.add.at(held, by_area, stock[by_depot])
    rows, cols = np.nonzero(held)
    return {(areas[a], items[k]): int(held[a, k])
            for a, k in zip(rows.tolist(), cols.tolist(), strict=True)}


_POPCOUNT = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.int64)


class _Explainer:
    """Why an area gets less than it needs, as data the pages render in either language."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.depots_of: dict[str, set[str]] = defaultdict(set)
        self.areas_of: dict[str, set[str]] = defaultdict(set)
        for depot, area in inputs.routes:
            self.depots_of[area].add(depot)
            self.areas_of[depot].add(area)
        self.stock = {d.code: d.stock for d in inputs.depots}
        code_of = {d.id: d.code for d in inputs.depots}
        self.kept = {(code_of[d], item): units
                     for (d, item), units in inputs.reserve_kept.items()}
        self.beyond: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # item -> per area, lazily
        self.sharing = self._sharing()

    def _sharing(self) -> dict[str, int]:
        """For each area, how many other affected areas the same depots can serve."""
        areas = sorted(self.depots_of)
        depots = sorted(self.areas_of)
        if not areas:
            return {}
        a_ix, d_ix = {a: i for i, a in enumerate(areas)}, {d: i for i, d in enumerate(depots)}
        # Each depot's areas as a bit set; an area's sharers are the union over its depots.
        # (A city has 10,000 areas: an areas x areas product would take seconds.)
        served = np.zeros((len(depots), len(areas)), dtype=bool)
        for depot, area in self.inputs.routes:
            served[d_ix[depot], a_ix[area]] = True
        bits = np.packbits(served, axis=1)
        return {a: int(_POPCOUNT[np.bitwise_or.reduce(
            bits[[d_ix[d] for d in self.depots_of[a]]], axis=0)].sum()) - 1 for a in areas}

    def _beyond(self, area: str, item: str) -> dict[str, Any] | None:
        """The nearest depot holding the item that may not serve the area, if any."""
        distances = self.inputs.distances
        a = distances.area_ix.get(area)
        if a is None:  # the area has no location
            return None
        if item not in self.beyond:
            holding = np.array([self.stock[d].get(item, 0) > 0 for d in distances.depots],
                               dtype=bool)
            self.beyond[item] = distances.nearest_unrouted(holding)
        depots, km = self.beyond[item]
        if depots[a] < 0:
            return None
        depot = distances.depots[depots[a]]
        return {"depot": depot, "quantity": self.stock[depot][item], "km": float(km[a])}

    def reason(self, area: str, item: str, outstanding: int, in_reach: int) -> dict[str, Any]:
        beyond = self._beyond(area, item)
        unit = self.inputs.items[item]
        reserve = sum(self.kept.get((d, item), 0) for d in self.depots_of.get(area, ()))
        return {"code": "unreachable" if in_reach == 0 else "scarce", "needed": outstanding,
                "reserve": reserve,
                "in_reach": in_reach, "reach_km": self.inputs.incident.max_distance_km,
                "sharing": self.sharing.get(area, 0), "beyond": beyond, "unit_zh": unit.unit_zh,
                "unit_en": unit.unit_en}
