"""Pick lists (one depot's loads) and manifests (one vehicle's loads) of an incident's open
dispatch orders: each load with its stops (nearest first) and the lots to load, each item's
lots taken first-expired-first (plain data for the print pages)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.core.actor import Principal
from app.core.errors import NotFound
from app.core.i18n import _, lang
from app.incidents.enums import OPEN_STATUSES
from app.incidents.models import Dispatch, Incident, PlanLoad, PlanLoadLine, PlanShipment
from app.incidents.views import vehicle_fields
from app.stock.models import Depot, Vehicle

Line = dict[str, Any]


def _open_orders(session: Session, incident: Incident, me: Principal) -> list[Dispatch]:
    rows = session.scalars(select(Dispatch).where(
        Dispatch.incident_id == incident.id, Dispatch.status.in_(OPEN_STATUSES)).options(
        selectinload(Dispatch.shipments).selectinload(PlanShipment.lot),
        selectinload(Dispatch.shipments).selectinload(PlanShipment.item),
        selectinload(Dispatch.depot).selectinload(Depot.area), selectinload(Dispatch.area),
        selectinload(Dispatch.plan)))
    return [d for d in rows if me.covers(d.area.path) or me.covers(d.depot.area.path)]


def _line(shipment: PlanShipment, quantity: int) -> Line:
    item, lot = shipment.item, shipment.lot
    return {"item": item.code, "item_name": item.name(lang()),
            "unit": item.unit_zh if lang() == "zh" else item.unit_en, "lot": lot.lot_number,
            "expiry_date": lot.expiry_date, "quantity": quantity}


def _lots(order: Dispatch) -> dict[int, list[list[Any]]]:
    """Per item, the order's lots first-expired-first, each with what is left to load."""
    out: dict[int, list[list[Any]]] = defaultdict(list)
    for s in sorted(order.shipments, key=lambda s: (s.lot.expiry_date or date.max,
                                                     s.lot.lot_number)):
        out[s.item_id].append([s, s.quantity])
    return out


def _take(left: list[list[Any]], quantity: int) -> list[Line]:
    """`quantity` units of an item from its lots, earliest expiry first."""
    lines = []
    for pair in left:
        if quantity <= 0:
            break
        n = min(pair[1], quantity)
        if n > 0:
            lines.append(_line(pair[0], n))
            pair[1] -= n
            quantity -= n
    return lines


def _stop(order: Dispatch, lines: list[Line]) -> dict[str, Any]:
    return {"code": order.code, "area": order.area.code, "area_name": order.area.name(lang()),
            "deliver_to": order.deliver_to, "contact_name": order.contact_name,
            "contact_phone": order.contact_phone, "km": order.km, "lines": lines}


def _sheet(load: PlanLoad | None, depot: Depot, stops: list[dict[str, Any]]) -> dict[str, Any]:
    vehicle = load.vehicle if load else None
    picks: dict[tuple[str, str], Line] = {}
    for stop in stops:
        for ln in stop["lines"]:
            key = (ln["item"], ln["lot"])
            picks[key] = {**ln, "quantity": picks[key]["quantity"] + ln["quantity"]
                          if key in picks else ln["quantity"]}
    return {"number": load.number if load else None, "depot": depot.code,
            "depot_name": depot.name(lang()), "depot_address": depot.address,
            **vehicle_fields(vehicle),
            "weight_kg": load.weight_kg if load else None,
            "volume_m3": load.volume_m3 if load else None,
            "stops": sorted(stops, key=lambda s: (s["km"], s["code"])),
            "picks": sorted(picks.values(), key=lambda ln: (
                ln["item"], ln["expiry_date"] or date.max, ln["lot"]))}


def sheets(session: Session, incident: Incident, me: Principal) -> list[dict[str, Any]]:
    """Every load of the incident's open orders the user sees (what no load carries last)."""
    orders = _open_orders(session, incident, me)
    keyed = {(d.plan_id, d.depot_id, d.area_id): d for d in orders}
    left = {d.id: _lots(d) for d in orders}
    loads = session.scalars(select(PlanLoad).where(
        PlanLoad.plan_id.in_({d.plan_id for d in orders})).options(
        selectinload(PlanLoad.lines).selectinload(PlanLoadLine.area),
        selectinload(PlanLoad.vehicle), selectinload(PlanLoad.depot))
        .order_by(PlanLoad.plan_id, PlanLoad.depot_id, PlanLoad.number)).all()
    by_id = {d.id: d for d in orders}
    out = []
    for load in loads:
        stops: dict[int, list[Line]] = defaultdict(list)
        for ln in load.lines:
            order = keyed.get((load.plan_id, load.depot_id, ln.area_id))
            if order is not None:
                stops[order.id] += _take(left[order.id][ln.item_id], ln.quantity)
        if stops:
            out.append(_sheet(load, load.depot, [_stop(by_id[i], lines)
                                                 for i, lines in stops.items()]))
    for order in orders:  # units no load carries (a plan made before loads were planned)
        rest = [_line(s, n) for lots in left[order.id].values() for s, n in lots if n > 0]
        if rest:
            out.append(_sheet(None, order.depot, [_stop(order, rest)]))
    return out


def pick_list(session: Session, incident: Incident, me: Principal,
              depot: str) -> dict[str, Any]:
    """One depot's loads of the incident's open orders."""
    found = session.scalar(select(Depot).where(Depot.code == depot))
    if found is None:
        raise NotFound(_("No depot with code '%(code)s'.", code=depot), field="depot")
    return {"depot": found, "loads": [s for s in sheets(session, incident, me)
                                      if s["depot"] == found.code]}


def manifest(session: Session, incident: Incident, me: Principal,
             vehicle: str) -> dict[str, Any]:
    """One vehicle's loads (by plate, code or id) of the incident's open orders."""
    conditions = [Vehicle.plate == vehicle, Vehicle.code == vehicle]
    if vehicle.isdigit():
        conditions.append(Vehicle.id == int(vehicle))
    found = session.scalar(select(Vehicle).where(or_(*conditions)).order_by(Vehicle.id))
    if found is None:
        raise NotFound(_("No vehicle '%(code)s'.", code=vehicle), field="vehicle")
    return {"vehicle": found, "loads": [s for s in sheets(session, incident, me)
                                        if s["vehicle"] == found.code]}
