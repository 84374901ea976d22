"""What an allocation plan starts from, read in a handful of queries: needs, stock, routes,
shelter places and teams — and what earlier confirmed plans of the incident already cover."""
from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.clock import district_today
from app.incidents import reserves
from app.incidents.enums import DispatchStatus, IncidentStatus, PlanStatus
from app.incidents.models import (
    AllocationPlan,
    Dispatch,
    Incident,
    IncidentArea,
    Mobilisation,
    PlanAssignment,
    PlanPlacement,
    PlanShipment,
)
from app.incidents.services import assumptions
from app.resources.enums import ShelterStatus
from app.resources.models import Member, MobilisationLevel, MobilisationRule, Shelter
from app.resources.points import points_for
from app.stock.models import Depot, Item, LedgerEntry, StockLot, Vehicle
from app.stock.summary import norm_rows, resolve_norms
from optimizer.geo import great_circle_matrix
from optimizer.needs import Norm, People, needs

WHEELCHAIR = "wheelchair"


def time_limit() -> float:
    """Seconds each solve may take before it falls back to a labelled greedy plan."""
    return float(assumptions()["solver"]["time_limit_s"])


@dataclass
class DepotRow:
    id: int
    code: str
    lat: float | None
    lon: float | None
    stock: dict[str, int] = field(default_factory=dict)  # item code -> usable units


@dataclass
class Lot:
    id: int
    available: int
    expiry: date | None


class Distances:
    """Great-circle km (to the metre) from every placed depot to every placed affected area.

    One matrix rather than a dict of pairs: a city incident has millions of pairs.
    """

    def __init__(self, depots: list[str], areas: list[str], km: np.ndarray,
                 routed: np.ndarray) -> None:
        self.depots, self.km, self.routed = depots, km, routed  # depots x areas
        self.depot_ix = {code: i for i, code in enumerate(depots)}
        self.area_ix = {code: i for i, code in enumerate(areas)}
        self.by_code = np.argsort(np.array(depots, dtype=object)).astype(np.intp)

    def get(self, depot: str, area: str) -> float | None:
        d, a = self.depot_ix.get(depot), self.area_ix.get(area)
        return None if d is None or a is None else float(self.km[d, a])

    def nearest_unrouted(self, among: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per area, the nearest depot of `among` (a mask) with no route to it, ties to the
        lower code: its index (-1 if none) and km."""
        km = np.where(among[:, None] & ~self.routed, self.km, np.inf)[self.by_code]
        best = km.argmin(axis=0)
        best_km = km[best, np.arange(km.shape[1])]
        return np.where(np.isfinite(best_km), self.by_code[best], -1), best_km


@dataclass(frozen=True)
class VehicleRow:
    id: int
    code: str
    payload_kg: float
    volume_m3: float


@dataclass
class Node:
    """Where a plan sends supplies: a receiving point, serving one or more affected areas (the
    grids of a community), or an affected area with no point, which receives on its own."""

    code: str  # the area code of the point's area (or of the affected area itself)
    area_id: int  # shipments and dispatch orders go to this area
    lat: float | None
    lon: float | None
    members: list[int]  # the affected areas it receives for, in incident order
    point: dict[str, Any] | None = None  # code, id, kind, address, contact of the point


@dataclass
class Inputs:
    incident: Incident
    delivery: date
    areas: list[IncidentArea]
    items: dict[str, Item]
    need: dict[tuple[int, str], tuple[int, int]]  # (area id, item) -> (required, priority)
    committed: dict[tuple[int, str], int]  # units already reserved or delivered
    depots: list[DepotRow]
    lots: dict[tuple[int, str], list[Lot]]  # (depot id, item) -> lots, first-expired first
    routes: dict[tuple[str, str], float]  # (depot code, area code) -> km, pinned at 0
    distances: Distances  # every placed depot to every placed area, in or out of reach
    shelters: list[dict[str, Any]]
    placed: dict[int, tuple[int, int]]  # area id -> (people, need_access) already placed
    busy_teams: set[int]
    assigned: list[tuple[int, int]]  # (team id, area id) of confirmed plans
    level_rules: list[tuple[str, str | None]]  # (team kind, speciality) the level calls
    members: dict[int, int]  # team id -> active members
    fingerprint: str
    # (depot id, item) -> units of the protected reserve the plan leaves (not in depots' stock)
    reserve_kept: dict[tuple[int, str], int] = field(default_factory=dict)
    reserve_policy: reserves.Policy | None = None
    pinned_routes: frozenset[tuple[str, str]] = frozenset()  # (depot, node) the plan must use
    nodes: list[Node] = field(default_factory=list)
    node_of: dict[int, str] = field(default_factory=dict)  # affected area id -> node code
    vehicles: dict[int, list[VehicleRow]] = field(default_factory=dict)  # depot id -> fleet

    def node_committed(self, node: Node, item: str) -> int:
        """Units already under way to a node: to its point's area or, from plans made before
        it had a point, to its areas directly."""
        keys = {node.area_id, *node.members}
        return sum(self.committed.get((a, item), 0) for a in keys)


def load_inputs(session: Session, incident: Incident, pins: dict[str, Any]) -> Inputs:
    delivery = max(district_today(), incident.started_at.date())
    areas = list(incident.areas)
    items = {i.code: i for i in session.scalars(select(Item))}
    rows = norm_rows(session)
    # Only the ancestors with norms of their own decide an area's norms: resolve once per set.
    local = {str(norm.area_id) for norm, _ in rows if norm.area_id is not None}
    resolved: dict[tuple[str, ...], list[Norm]] = {}
    need: dict[tuple[int, str], tuple[int, int]] = {}
    # Shelter and bedding go to the people who left home; water, food and the rest to everyone hit.
    for_displaced = set(assumptions()["needs_basis"]["displaced_categories"])
    for ia in areas:
        path = ia.area.path
        key = tuple(x for x in path.strip("/").split("/") if x in local)
        if key not in resolved:
            resolved[key] = resolve_norms(rows, path)
        everyone = needs(resolved[key], _people(ia, ia.affected), incident.duration_days)
        displaced = needs(resolved[key], _people(ia, ia.displaced), incident.duration_days)
        for code, n in everyone.items():
            if code in items and items[code].category.value in for_displaced:
                n = displaced[code]
            if code in items and n.total > 0:
                need[(ia.area_id, code)] = (int(n.total), int(min(n.priority, n.total)))
    depots, lots = _stock(session, incident.district.path, delivery)
    rule = reserves.policy(session, incident)
    kept = _keep_reserves(session, rule, depots)
    nodes, node_of = _nodes(session, areas)
    node_pins = _pins_to_nodes(pins, areas, node_of)
    routes, distances = _routes(depots, nodes, incident.max_distance_km, node_pins)
    pinned = frozenset(key for r in node_pins["pinned"]
                       if (key := (r["depot"], r["area"])) in routes)
    placed, busy, assigned = _people_and_teams_committed(session, incident)
    return Inputs(incident, delivery, areas, items, need, _committed(session, incident),
                  depots, lots, routes, distances, _shelters(session, incident), placed, busy,
                  assigned, _level_rules(session, incident), _members(session, incident),
                  fingerprint(session, incident), kept, rule,
                  pinned, nodes, node_of, _vehicles(session, depots))


def _vehicles(session: Session, depots: list[DepotRow]) -> dict[int, list[VehicleRow]]:
    fleet: dict[int, list[VehicleRow]] = defaultdict(list)
    for v in session.scalars(select(Vehicle).where(Vehicle.active.is_(True),
                                                   Vehicle.depot_id.in_([d.id for d in depots]))
                             .order_by(Vehicle.code)):
        fleet[v.depot_id].append(VehicleRow(v.id, v.code, v.payload_kg, v.volume_m3))
    return dict(fleet)


def _nodes(session: Session, areas: list[IncidentArea]) -> tuple[list[Node], dict[int, str]]:
    """Group the affected areas by the receiving point each receives through."""
    points = points_for(session, [ia.area for ia in areas])
    nodes: dict[str, Node] = {}
    node_of: dict[int, str] = {}
    for ia in areas:
        point = points.get(ia.area_id)
        if point is None:
            key = ia.area.code
            node = nodes.setdefault(key, Node(key, ia.area_id, ia.area.lat, ia.area.lon, []))
        else:
            key = point.area.code
            if key not in nodes:
                lat, lon = point.location
                nodes[key] = Node(key, point.area_id, lat, lon, [], {
                    "id": point.id, "code": point.code, "kind": point.kind.value,
                    "address": point.full_address, "contact_name": point.contact_name,
                    "contact_phone": point.contact_phone})
            node = nodes[key]
        node.members.append(ia.area_id)
        node_of[ia.area_id] = key
    return list(nodes.values()), node_of


def _pins_to_nodes(pins: dict[str, Any], areas: list[IncidentArea],
                   node_of: dict[int, str]) -> dict[str, Any]:
    """Pinned and forbidden routes name affected areas; plans route to their points."""
    node_by_code = {ia.area.code: node_of[ia.area_id] for ia in areas}
    return {kind: [{"depot": r["depot"], "area": node_by_code.get(r["area"], r["area"])}
                   for r in pins.get(kind, [])] for kind in ("pinned", "forbidden")}


def _keep_reserves(session: Session, rule: reserves.Policy,
                   depots: list[DepotRow]) -> dict[tuple[int, str], int]:
    """Take the protected reserves the plan must leave out of the depots' usable stock."""
    available = {(d.id, item): units for d in depots for item, units in d.stock.items()}
    kept = reserves.kept(session, rule, available)
    for d in depots:
        for item in list(d.stock):
            d.stock[item] -= kept.get((d.id, item), 0)
            if d.stock[item] <= 0:
                del d.stock[item]
    return kept


def _members(session: Session, incident: Incident) -> dict[int, int]:
    called = select(Mobilisation.team_id).where(Mobilisation.incident_id == incident.id)
    return {t: int(n) for t, n in session.execute(
        select(Member.team_id, func.count()).where(Member.active.is_(True),
                                                   Member.team_id.in_(called))
        .group_by(Member.team_id))}


def _level_rules(session: Session, incident: Incident) -> list[tuple[str, str | None]]:
    rows = session.execute(
        select(MobilisationRule.team_kind, MobilisationRule.speciality)
        .join(MobilisationLevel, MobilisationLevel.id == MobilisationRule.level_id)
        .where(MobilisationLevel.district_id == incident.district_id,
               MobilisationLevel.level == incident.level))
    return [(k.value, s.value if s else None) for k, s in rows]


def _people(ia: IncidentArea, count: int) -> People:
    """`count` of the area's residents, with its households and vulnerable groups pro rata."""
    area = ia.area
    ratio = count / area.population if area.population else 0.0
    groups = {k: math.ceil(v * ratio) for k, v in area.vulnerable.items()}
    return People(count, math.ceil(area.households * ratio), groups)


def _stock(session: Session, prefix: str,
           delivery: date) -> tuple[list[DepotRow], dict[tuple[int, str], list[Lot]]]:
    """Usable stock per depot: not reserved, not expired by the delivery date."""
    depots = {d.id: DepotRow(d.id, d.code, d.lat, d.lon) for d in session.scalars(
        select(Depot).join(Area, Area.id == Depot.area_id)
        .where(Area.path.startswith(prefix), Depot.active.is_(True)).order_by(Depot.code))}
    lots: dict[tuple[int, str], list[Lot]] = defaultdict(list)
    usable = StockLot.expiry_date.is_(None) | (StockLot.expiry_date >= delivery)
    for lot_id, depot_id, item, available, expiry in session.execute(
            select(StockLot.id, StockLot.depot_id, Item.code,
                   StockLot.on_hand - StockLot.reserved, StockLot.expiry_date)
            .join(Item, Item.id == StockLot.item_id)
            .where(StockLot.depot_id.in_(depots), usable,
                   StockLot.on_hand > StockLot.reserved)
            .order_by(StockLot.expiry_date.is_(None), StockLot.expiry_date,
                      StockLot.received_on, StockLot.id)):
        lots[(depot_id, item)].append(Lot(lot_id, int(available), expiry))
        stock = depots[depot_id].stock
        stock[item] = stock.get(item, 0) + int(available)
    return list(depots.values()), dict(lots)


def _routes(depots: list[DepotRow], nodes: list[Node], reach: float,
            pins: dict[str, Any]) -> tuple[dict[tuple[str, str], float], Distances]:
    """Depot-node pairs within reach, less the forbidden ones; pinned ones always, used first."""
    placed_depots = [d for d in depots if d.lat is not None and d.lon is not None]
    placed_areas = [n for n in nodes if n.lat is not None and n.lon is not None]
    if not placed_depots or not placed_areas:
        return {}, Distances([], [], np.zeros((0, 0)), np.zeros((0, 0), dtype=bool))
    km = np.round(great_circle_matrix(
        [d.lat for d in placed_depots], [d.lon for d in placed_depots],
        [a.lat for a in placed_areas], [a.lon for a in placed_areas]), 3)
    distances = Distances([d.code for d in placed_depots], [a.code for a in placed_areas], km,
                          routed=km <= reach)
    pinned = _pairs(distances, pins.get("pinned", []))
    distances.routed[_pairs(distances, pins.get("forbidden", []))] = False
    distances.routed[pinned] = True
    route_km = km.copy()
    route_km[pinned] = 0.0
    d_ix, a_ix = np.nonzero(distances.routed)  # depot by depot, as pairs were always listed
    return {(placed_depots[d].code, placed_areas[a].code): dist for d, a, dist in zip(
        d_ix.tolist(), a_ix.tolist(), route_km[d_ix, a_ix].tolist(), strict=True)}, distances


def _pairs(distances: Distances, routes: list[dict[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Matrix indices of the pinned or forbidden routes between placed depots and areas."""
    found = [(distances.depot_ix[r["depot"]], distances.area_ix[r["area"]]) for r in routes
             if r["depot"] in distances.depot_ix and r["area"] in distances.area_ix]
    return (np.array([d for d, _ in found], dtype=np.intp),
            np.array([a for _, a in found], dtype=np.intp))


def _committed(session: Session, incident: Incident) -> dict[tuple[int, str], int]:
    rows = session.execute(
        select(PlanShipment.area_id, Item.code, func.sum(PlanShipment.quantity))
        .join(Dispatch, Dispatch.id == PlanShipment.dispatch_id)
        .join(Item, Item.id == PlanShipment.item_id)
        .where(Dispatch.incident_id == incident.id,
               Dispatch.status != DispatchStatus.CANCELLED)
        .group_by(PlanShipment.area_id, Item.code))
    return {(a, i): int(q) for a, i, q in rows}


def _active_confirmed(incident: Incident) -> Any:
    """Confirmed plans of active incidents that hold places and teams for this incident's view:
    real incidents hold them for everyone; an exercise holds them only for itself."""
    return (select(AllocationPlan.id).join(Incident, Incident.id == AllocationPlan.incident_id)
            .where(AllocationPlan.status == PlanStatus.CONFIRMED,
                   Incident.status == IncidentStatus.ACTIVE,
                   Incident.exercise.is_(False) | (Incident.id == incident.id)))


def _shelters(session: Session, incident: Incident) -> list[dict[str, Any]]:
    held = dict(session.execute(
        select(PlanPlacement.shelter_id, func.sum(PlanPlacement.people))
        .where(PlanPlacement.plan_id.in_(_active_confirmed(incident)))
        .group_by(PlanPlacement.shelter_id)).all())
    out = []
    for s in session.scalars(select(Shelter).join(Area, Area.id == Shelter.area_id).where(
            Area.path.startswith(incident.district.path),
            Shelter.status != ShelterStatus.CLOSED).order_by(Shelter.code)):
        free = 0 if s.status is ShelterStatus.FULL else s.capacity - s.occupancy
        out.append({"id": s.id, "code": s.code, "lat": s.lat, "lon": s.lon,
                    "free": max(free - int(held.get(s.id, 0)), 0),
                    "accessible": WHEELCHAIR in (s.facilities or [])})
    return out


def _people_and_teams_committed(
        session: Session, incident: Incident
) -> tuple[dict[int, tuple[int, int]], set[int], list[tuple[int, int]]]:
    own = select(AllocationPlan.id).where(AllocationPlan.incident_id == incident.id,
                                          AllocationPlan.status == PlanStatus.CONFIRMED)
    placed = {a: (int(p), int(n)) for a, p, n in session.execute(
        select(PlanPlacement.area_id, func.sum(PlanPlacement.people),
               func.sum(PlanPlacement.need_access))
        .where(PlanPlacement.plan_id.in_(own)).group_by(PlanPlacement.area_id))}
    busy = set(session.scalars(select(PlanAssignment.team_id).where(
        PlanAssignment.plan_id.in_(_active_confirmed(incident)))))
    assigned = [(t, a) for t, a in session.execute(
        select(PlanAssignment.team_id, PlanAssignment.area_id)
        .where(PlanAssignment.plan_id.in_(own)))]
    return placed, busy, assigned


def fingerprint(session: Session, incident: Incident) -> str:
    """Changes when stock, shelters, the areas or the level change: a plan made before is stale."""
    ledger = session.scalar(select(func.max(LedgerEntry.id))) or 0
    shelters = session.scalar(select(func.max(Shelter.updated_at)))
    people = sorted((ia.area_id, ia.affected, ia.displaced, ia.need_access)
                    for ia in incident.areas)
    released = sorted((r.depot_id or 0) for r in incident.releases)
    raw = (f"{incident.level}|{ledger}|{shelters}|{people}|{incident.max_distance_km}|"
           f"{released}")
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
