"""Allocation plans: needs → optimal, fair plan (proposed) → confirmed with stock reserved.

Solving happens in `optimizer` (pure); this module reads the inputs, stores the plan rows in
one transaction and, on confirmation, reserves every planned lot through the ledger in one
transaction. A confirmation that finds the stock moved rolls back whole and makes a fresh plan.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from datetime import time as dtime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import bulk_insert, unit_of_work, utcnow
from app.core.errors import Conflict, NotFound, StockMoved, ValidationFailed
from app.core.i18n import _
from app.core.lookup import actor
from app.incidents import notices
from app.incidents import services as incident_service
from app.incidents.allocation.inputs import Inputs, fingerprint, load_inputs
from app.incidents.allocation.solve import solve_all
from app.incidents.enums import PlanStatus
from app.incidents.models import (
    AllocationPlan,
    Dispatch,
    Incident,
    PlanAssignment,
    PlanLine,
    PlanLoad,
    PlanLoadLine,
    PlanPlacement,
    PlanShipment,
)
from app.resources.models import ReceivingPoint
from app.stock import services as stock


def make_plan(session: Session, code: str, *, pins: dict[str, Any] | None = None) -> int:
    """Solve the incident's outstanding needs; store the plan as proposed. Returns its number."""
    incident = incident_service.writable(session, code)
    pins = _check_pins(session, incident, pins)
    with unit_of_work(session):
        started = time.perf_counter()
        inputs = load_inputs(session, incident, pins)
        solved = solve_all(inputs)
        number = (session.scalar(select(func.max(AllocationPlan.number))
                                 .where(AllocationPlan.incident_id == incident.id)) or 0) + 1
        session.execute(update(AllocationPlan).where(
            AllocationPlan.incident_id == incident.id,
            AllocationPlan.status == PlanStatus.PROPOSED).values(status=PlanStatus.SUPERSEDED))
        plan = AllocationPlan(
            incident_id=incident.id, number=number, level=incident.level,
            solver_status=solved.statuses, solve_seconds=round(solved.seconds, 3),
            delivery_date=datetime.combine(inputs.delivery, dtime(), tzinfo=UTC),
            routes=pins, summary={**solved.summary, "inputs": inputs.fingerprint},
            explanations=solved.explanations, created_by=actor().label)
        session.add(plan)
        session.flush()
        for model, rows in ((PlanLine, solved.lines), (PlanShipment, solved.shipments),
                            (PlanPlacement, solved.placements),
                            (PlanAssignment, solved.assignments)):
            for row in rows:  # the solved rows are this plan's: no copy of a city's 240,000
                row["plan_id"] = plan.id
            bulk_insert(session, model, rows)
        _store_loads(session, plan, solved.loads)
        plan.summary = {**plan.summary,
                        "seconds_total": round(time.perf_counter() - started, 3)}
        return number


def _store_loads(session: Session, plan: AllocationPlan, loads: list[dict[str, Any]]) -> None:
    """The plan's vehicle loads and their lines (a few hundred rows at most)."""
    for row in loads:
        load = PlanLoad(plan_id=plan.id, depot_id=row["depot_id"], number=row["number"],
                        vehicle_id=row["vehicle_id"], weight_kg=row["weight_kg"],
                        volume_m3=row["volume_m3"])
        load.lines = [PlanLoadLine(**line) for line in row["lines"]]
        session.add(load)
    session.flush()


def _check_pins(session: Session, incident: Incident,
                pins: dict[str, Any] | None) -> dict[str, Any]:
    """Pinned and forbidden routes name a depot of the district and an affected area."""
    from app.areas.models import Area
    from app.stock.models import Depot

    pins = {"pinned": list((pins or {}).get("pinned", [])),
            "forbidden": list((pins or {}).get("forbidden", []))}
    areas = {ia.area.code for ia in incident.areas}
    for kind, routes in pins.items():
        for i, route in enumerate(routes):
            depot = session.scalar(select(Depot).join(Area, Area.id == Depot.area_id).where(
                Depot.code == route.get("depot"),
                Area.path.startswith(incident.district.path)))
            if depot is None:
                raise ValidationFailed(_("No depot '%(code)s' in this district.",
                                         code=route.get("depot")), field=f"{kind}[{i}].depot")
            if route.get("area") not in areas:
                raise ValidationFailed(_("'%(code)s' is not an affected area of this incident.",
                                         code=route.get("area")), field=f"{kind}[{i}].area")
            routes[i] = {"depot": depot.code, "area": route["area"]}
    both = ({(r["depot"], r["area"]) for r in pins["pinned"]}
            & {(r["depot"], r["area"]) for r in pins["forbidden"]})
    if both:
        raise ValidationFailed(_("A route cannot be both pinned and forbidden."), field="pinned")
    return pins


def get_plan(session: Session, code: str, number: int | None = None) -> AllocationPlan:
    """A plan of an incident (the newest if no number is given)."""
    incident = incident_service.load(session, code)
    stmt = select(AllocationPlan).where(AllocationPlan.incident_id == incident.id)
    stmt = (stmt.where(AllocationPlan.number == number) if number is not None
            else stmt.order_by(AllocationPlan.number.desc()).limit(1))
    plan = session.scalar(stmt)
    if plan is None:
        raise NotFound(_("Incident %(code)s has no plan %(n)s.", code=code,
                         n=number if number is not None else ""), field="plan")
    return plan


def is_stale(session: Session, plan: AllocationPlan) -> bool:
    """True when stock, shelters, the areas or the level changed since the plan was made."""
    return plan.summary.get("inputs") != fingerprint(session, plan.incident)


def confirm(session: Session, code: str, number: int) -> list[str]:
    """Reserve a proposed plan's stock and open its dispatch orders, all in one transaction.

    Two coordinators confirming at once never reserve the same units: the loser's conditional
    updates match nothing, its transaction rolls back, a fresh plan is made and a 409 says so.
    Returns the codes of the dispatch orders.
    """
    incident_service.writable(session, code)
    pins = get_plan(session, code, number).routes
    try:
        with unit_of_work(session):
            plan = get_plan(session, code, number)
            claimed = session.execute(
                update(AllocationPlan)
                .where(AllocationPlan.id == plan.id,
                       AllocationPlan.status == PlanStatus.PROPOSED)
                .values(status=PlanStatus.CONFIRMED, confirmed_at=utcnow(),
                        confirmed_by=actor().label)
                .execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                raise Conflict(_("Plan %(n)s is no longer proposed (confirmed or replaced "
                                 "already); reload the incident.", n=number), field="plan")
            orders = _open_dispatches(session, plan)
            notices.plan_confirmed(session, plan, list(session.scalars(
                select(Dispatch).where(Dispatch.code.in_(orders)))))
            audit.record(session, "update", "allocation_plans", f"{code}/{number}",
                         f"confirmed plan {number} of {code}: {len(orders)} dispatch orders",
                         {"status": "confirmed", "dispatches": orders})
            return orders
    except StockMoved as exc:
        fresh = make_plan(session, code, pins=pins)
        raise Conflict(_("%(why)s Nothing was reserved; plan %(n)s was made from the stock "
                         "as it is now: review it and confirm again.", why=exc.detail,
                         n=fresh), field="plan", fresh_plan=fresh) from None


def _open_dispatches(session: Session, plan: AllocationPlan) -> list[str]:
    incident = plan.incident
    groups: dict[tuple[int, int], list[PlanShipment]] = defaultdict(list)
    for shipment in plan.shipments:
        groups[(shipment.depot_id, shipment.area_id)].append(shipment)
    codes, picks = [], []
    # the point each receiving area takes delivery at, as the plan was made (if it still is)
    points = {n["area_id"]: n["point"] for n in plan.summary.get("points", []) if n["point"]}
    live = set(session.scalars(select(ReceivingPoint.id).where(
        ReceivingPoint.id.in_([p["id"] for p in points.values()]))))
    for i, ((depot_id, area_id), shipments) in enumerate(sorted(groups.items()), start=1):
        point = points.get(area_id) or {}
        dispatch = Dispatch(code=f"{incident.code}-P{plan.number}-{i:03d}",
                            incident_id=incident.id, plan_id=plan.id, depot_id=depot_id,
                            area_id=area_id, km=shipments[0].km,
                            point_id=point.get("id") if point.get("id") in live else None,
                            deliver_to=point.get("address", ""),
                            contact_name=point.get("contact_name", ""),
                            contact_phone=point.get("contact_phone", ""))
        session.add(dispatch)
        session.flush()
        session.execute(update(PlanShipment)
                        .where(PlanShipment.id.in_([s.id for s in shipments]))
                        .values(dispatch_id=dispatch.id)
                        .execution_options(synchronize_session=False))
        picks += [(s.lot_id, s.quantity, dispatch.code) for s in shipments]
        codes.append(dispatch.code)
    if not incident.exercise:  # an exercise never touches stock
        stock.reserve_lots(session, picks, needed_by=plan.delivery_date.date(),
                           reason=f"{incident.code} plan {plan.number}")
    return codes


def inputs_for(session: Session, code: str) -> Inputs:
    """The inputs the next plan would start from (for the needs table before any plan)."""
    incident = incident_service.load(session, code)
    return load_inputs(session, incident, {})
