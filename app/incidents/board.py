"""The dispatch board's use cases: what settling a selection of orders, closing an incident
or confirming a plan would move (plain numbers for a confirmation), and the bulk action
itself, all or nothing in one transaction."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.i18n import _
from app.incidents import dispatches
from app.incidents import services as incidents
from app.incidents.enums import OPEN_STATUSES, DispatchStatus, MobilisationStatus, is_open
from app.incidents.models import AllocationPlan, Dispatch, Incident, PlanLoad, PlanShipment
from app.stock.models import Depot

ACTIONS = {"deliver": DispatchStatus.DELIVERED, "cancel": DispatchStatus.CANCELLED}
MAX_SELECTION = 5000


@dataclass(frozen=True)
class Moves:
    """What settling some orders moves: orders, units, items, lots and depots."""

    action: str
    orders: int
    units: int
    items: int
    lots: int
    depots: int
    exercise: bool
    dispatches: list[str] = field(default_factory=list)
    teams: int = 0  # closing: the teams that stand down

    def as_dict(self) -> dict[str, Any]:
        """The numbers as plain data (API, CLI, templates)."""
        return asdict(self)


def numbers(orders: list[Dispatch], action: str, exercise: bool) -> Moves:
    """The numbers of settling these orders (their shipments are what each reserved)."""
    lines = [s for d in orders for s in d.shipments]
    return Moves(action, len(orders), sum(s.quantity for s in lines),
                 len({s.item_id for s in lines}), len({s.lot_id for s in lines}),
                 len({d.depot_id for d in orders}), exercise, [d.code for d in orders])


def _status(action: str) -> DispatchStatus:
    if action not in ACTIONS:
        raise ValidationFailed(_("Choose deliver or cancel."), field="action")
    return ACTIONS[action]


def _with_lines() -> Any:
    return (selectinload(Dispatch.shipments),
            selectinload(Dispatch.depot).selectinload(Depot.area), selectinload(Dispatch.area))


def selected(session: Session, incident: Incident, codes: list[str]) -> list[Dispatch]:
    """The chosen open orders of the incident, in the actor's scope, or a refusal naming the
    first that is unknown, out of scope or no longer open."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not wanted:
        raise ValidationFailed(_("Choose at least one dispatch order."), field="dispatches")
    if len(wanted) > MAX_SELECTION:
        raise ValidationFailed(_("At most %(n)s orders at once.", n=MAX_SELECTION),
                               field="dispatches")
    found = {d.code: d for d in session.scalars(select(Dispatch).where(
        Dispatch.incident_id == incident.id, Dispatch.code.in_(wanted)).options(*_with_lines()))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(_("No dispatch order %(codes)s in incident %(incident)s.",
                         codes=", ".join(missing[:5]), incident=incident.code),
                       field="dispatches")
    orders = [found[c] for c in wanted]
    for order in orders:
        dispatches.ensure_visible(order, "dispatches")
    for order in orders:
        if not is_open(order.status):
            raise Conflict(_("Dispatch %(code)s is already %(status)s: nothing was changed.",
                             code=order.code, status=order.status.label()), field="dispatches")
    return orders


def preview(session: Session, code: str, codes: list[str], action: str) -> dict[str, Any]:
    """What a bulk deliver or cancel of these orders would move (nothing moves)."""
    _status(action)
    require_writer("dispatches")
    incident = incidents.load(session, code)
    return numbers(selected(session, incident, codes), action, incident.exercise).as_dict()


def settle_many(session: Session, code: str, codes: list[str], action: str,
                reason: str = "") -> dict[str, Any]:
    """Deliver or cancel the chosen orders all or nothing, in one transaction (audited)."""
    status = _status(action)
    require_writer("dispatches")
    with unit_of_work(session):
        incident = incidents.load(session, code)
        orders = selected(session, incident, codes)
        moves = numbers(orders, action, incident.exercise)
        why = reason or (_("delivered") if action == "deliver" else _("cancelled"))
        for order in orders:
            dispatches.close_in(session, order, status, why)
        audit.record(session, "update", "incidents", code,
                     f"{action} {moves.orders} dispatch orders of {code}",
                     {"action": action, "dispatches": moves.dispatches, "reason": reason})
    return moves.as_dict()


def open_orders(session: Session, incident: Incident) -> list[Dispatch]:
    """The incident's orders still to settle, with what each reserved."""
    return list(session.scalars(select(Dispatch).where(
        Dispatch.incident_id == incident.id, Dispatch.status.in_(OPEN_STATUSES))
        .options(*_with_lines()).order_by(Dispatch.id)))


def closing(session: Session, code: str) -> dict[str, Any]:
    """What closing the incident releasing its open orders would do (nothing moves)."""
    incident = incidents.load(session, code)
    moves = numbers(open_orders(session, incident), "cancel", incident.exercise)
    teams = sum(m.status is MobilisationStatus.CALLED for m in incident.mobilisations)
    return {**moves.as_dict(), "teams": teams, "incident": code}


def confirming(session: Session, plan: AllocationPlan,
               orders: int | None = None) -> dict[str, Any]:
    """What confirming a proposed plan reserves and opens (nothing moves); `orders`, the
    plan's depot → area routes, when the caller counted them already (summary.drill_counts)."""
    mine = PlanShipment.plan_id == plan.id
    units, items, lots, depots = session.execute(select(
        func.coalesce(func.sum(PlanShipment.quantity), 0),
        func.count(distinct(PlanShipment.item_id)), func.count(distinct(PlanShipment.lot_id)),
        func.count(distinct(PlanShipment.depot_id))).where(mine)).one()
    if orders is None:
        pairs = select(PlanShipment.depot_id, PlanShipment.area_id).where(mine).distinct()
        orders = session.scalar(select(func.count()).select_from(pairs.subquery()))
    vehicles = session.scalar(select(func.count(distinct(PlanLoad.vehicle_id)))
                              .where(PlanLoad.plan_id == plan.id))
    return {"plan": plan.number, "units": int(units), "items": int(items), "lots": int(lots),
            "depots": int(depots), "orders": int(orders or 0), "vehicles": int(vehicles or 0),
            "exercise": plan.incident.exercise}
