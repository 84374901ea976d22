"""Dispatch orders: a confirmed plan's units on their way. An order is reserved, dispatched
(the depot handed it over: in transit), then delivered (received); or cancelled (released)
before its stock is issued. The moves are DISPATCH_MOVES (enums). The order's code is the
ledger reference of its reservation, issued exactly once: on the depot's dispatch when
STOCK_ISSUED_ON is "dispatch", else on delivery (the receipt)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.access import require_writer
from app.core.db import unit_of_work, utcnow
from app.core.errors import Conflict, NotFound
from app.core.i18n import _
from app.core.lookup import actor, ensure_in_scope
from app.incidents import notices
from app.incidents.enums import DISPATCH_MOVES, DispatchStatus
from app.incidents.models import Dispatch, PlanShipment
from app.stock import services as stock
from app.stock.services import Movement

ISSUED_ON = ("receipt", "dispatch")  # the STOCK_ISSUED_ON setting's values


def issued_on_dispatch() -> bool:
    """The STOCK_ISSUED_ON setting: the depot's dispatch issues the stock, not the receipt."""
    return current_app.config.get("STOCK_ISSUED_ON", "receipt") == "dispatch"


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


def _move(session: Session, dispatch: Dispatch, status: DispatchStatus) -> None:
    """Move one order along DISPATCH_MOVES, unless someone moved (or issued) it meanwhile."""
    was = dispatch.status
    if status not in DISPATCH_MOVES[was]:
        raise Conflict(_("Dispatch %(code)s is already %(status)s.", code=dispatch.code,
                         status=was.label()), field="dispatch")
    who, now = actor().label, utcnow()
    stamps = ({"dispatched_at": now, "dispatched_by": who} if status is DispatchStatus.DISPATCHED
              else {"closed_at": now, "closed_by": who})
    guard = [Dispatch.id == dispatch.id, Dispatch.status == was]
    if status is DispatchStatus.CANCELLED:
        guard.append(Dispatch.issued_at.is_(None))
    moved = session.execute(update(Dispatch).where(*guard).values(status=status, **stamps)
                            .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        session.expire(dispatch)
        raise Conflict(_("Dispatch %(code)s is already %(status)s.", code=dispatch.code,
                         status=dispatch.status.label()), field="dispatch")
    session.expire(dispatch, ["status", *stamps])


def _issue(session: Session, dispatch: Dispatch, reason: str) -> list[Movement]:
    """Issue the order's reservation through the ledger, unless it already was (exactly once:
    the order claims `issued_at` first). An exercise moves no stock."""
    if dispatch.incident.exercise:
        return []
    claimed = session.execute(
        update(Dispatch).where(Dispatch.id == dispatch.id, Dispatch.issued_at.is_(None))
        .values(issued_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    session.expire(dispatch, ["issued_at"])
    if claimed != 1:
        return []
    # the order's scope was checked (load): its depot may lie outside the receiver's area
    return stock.settle(session, dispatch.code, issue=True, reason=reason, scoped=False)


def _done(dispatch: Dispatch, moves: list[Movement]) -> dict[str, Any]:
    return {"dispatch": dispatch.code, "status": dispatch.status.value,
            "exercise": dispatch.incident.exercise, "issued": dispatch.issued_at is not None,
            "movements": [m.as_dict() for m in moves]}


def close_in(session: Session, dispatch: Dispatch, status: DispatchStatus,
             reason: str) -> dict[str, Any]:
    """Deliver or cancel one order inside the caller's transaction (a bulk action closes many
    in one): the caller checked the role and the order's scope. Delivering issues the stock
    unless the dispatch did; cancelling releases it, refused once it was issued."""
    code = dispatch.code
    if status is DispatchStatus.CANCELLED and dispatch.issued_at is not None:
        raise Conflict(_("Dispatch %(code)s cannot be cancelled: its stock left the depot "
                         "and was issued.", code=code), field="dispatch")
    _move(session, dispatch, status)
    audit.record(session, "update", "dispatches", code, f"dispatch {code} {status.value}",
                 {"status": status.value, "reason": reason})
    if status is DispatchStatus.DELIVERED:
        moves = _issue(session, dispatch, reason)
    else:
        moves = [] if dispatch.incident.exercise else stock.settle(
            session, code, issue=False, reason=reason, scoped=False)
        notices.dispatch_cancelled(session, dispatch)
    return _done(dispatch, moves)


def _close(session: Session, code: str, status: DispatchStatus, reason: str) -> dict[str, Any]:
    require_writer("dispatches")
    with unit_of_work(session):
        return close_in(session, load(session, code), status, reason)


def deliver(session: Session, code: str, reason: str = "") -> dict[str, Any]:
    """The units arrived in full: issue exactly what the order reserved (unless the dispatch
    did). A counted receipt with differences is receipts.receive."""
    return _close(session, code, DispatchStatus.DELIVERED, reason or _("delivered"))


def cancel(session: Session, code: str, reason: str = "") -> dict[str, Any]:
    """The order will not go (or came back before its stock was issued): release it."""
    return _close(session, code, DispatchStatus.CANCELLED, reason or _("cancelled"))


def dispatch_in(session: Session, dispatch: Dispatch) -> dict[str, Any]:
    """The depot handed one order over (in transit), in the caller's transaction; with
    STOCK_ISSUED_ON "dispatch" its stock is issued now."""
    _move(session, dispatch, DispatchStatus.DISPATCHED)
    code = dispatch.code
    audit.record(session, "update", "dispatches", code, f"dispatch {code} dispatched",
                 {"status": DispatchStatus.DISPATCHED.value})
    moves = _issue(session, dispatch, _("dispatched")) if issued_on_dispatch() else []
    return _done(dispatch, moves)


def dispatch_out(session: Session, code: str) -> dict[str, Any]:
    """The depot loaded the order and handed it over: it is in transit."""
    require_writer("dispatches")
    with unit_of_work(session):
        return dispatch_in(session, load(session, code))
