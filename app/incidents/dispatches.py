"""Dispatch orders: a confirmed plan's units on their way; delivered (issued) or cancelled
(released). The order's code is the ledger reference of its reservation."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.access import require_writer
from app.core.db import unit_of_work, utcnow
from app.core.errors import Conflict, NotFound
from app.core.i18n import _
from app.core.lookup import actor, ensure_in_scope
from app.incidents import notices
from app.incidents.enums import DispatchStatus
from app.incidents.models import Dispatch, PlanShipment
from app.stock import services as stock


def load(session: Session, code: str) -> Dispatch:
    found = session.scalar(select(Dispatch).where(Dispatch.code == code).options(
        selectinload(Dispatch.shipments).selectinload(PlanShipment.lot)))
    if found is None:
        raise NotFound(_("No dispatch order '%(code)s'.", code=code), field="dispatch")
    ensure_visible(found)
    return found


def ensure_visible(found: Dispatch, field: str = "dispatch") -> None:
    """Refuse an order neither delivering into nor leaving from the actor's areas."""
    if not (actor().covers(found.area.path) or actor().covers(found.depot.area.path)):
        ensure_in_scope(found.area, field)


def _close(session: Session, code: str, status: DispatchStatus, reason: str) -> dict[str, Any]:
    require_writer("dispatches")
    with unit_of_work(session):
        return close_in(session, load(session, code), status, reason)


def close_in(session: Session, dispatch: Dispatch, status: DispatchStatus,
             reason: str) -> dict[str, Any]:
    """Deliver or cancel one order inside the caller's transaction (a bulk action closes many
    in one): the caller checked the role and the order's scope."""
    code = dispatch.code
    closed = session.execute(
        update(Dispatch).where(Dispatch.id == dispatch.id,
                               Dispatch.status == DispatchStatus.RESERVED)
        .values(status=status, closed_at=utcnow(), closed_by=actor().label)
        .execution_options(synchronize_session=False)).rowcount
    if closed != 1:
        raise Conflict(_("Dispatch %(code)s is already %(status)s.", code=code,
                         status=dispatch.status.label()), field="dispatch")
    audit.record(session, "update", "dispatches", code, f"dispatch {code} {status.value}",
                 {"status": status.value, "reason": reason})
    exercise = dispatch.incident.exercise
    moves = [] if exercise else stock.settle(
        session, dispatch.code, issue=status is DispatchStatus.DELIVERED, reason=reason)
    if status is DispatchStatus.CANCELLED:
        notices.dispatch_cancelled(session, dispatch)
    return {"dispatch": code, "status": status.value, "exercise": exercise,
            "movements": [m.as_dict() for m in moves]}


def deliver(session: Session, code: str, reason: str = "") -> dict[str, Any]:
    """The units arrived: issue exactly what the order reserved."""
    return _close(session, code, DispatchStatus.DELIVERED, reason or _("delivered"))


def cancel(session: Session, code: str, reason: str = "") -> dict[str, Any]:
    """The order will not go: release its reservation back to the depot."""
    return _close(session, code, DispatchStatus.CANCELLED, reason or _("cancelled"))
