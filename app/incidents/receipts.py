"""Receipts at the receiving point: the receiving community's staff (or a coordinator) count
what arrived against what was sent, per item. A difference needs a reason, is recorded and
told to the coordinators; the ledger issues what left the depot (a shortfall on arrival is
recorded, not put back in stock). Receiving delivers the order and issues its reservation
unless the depot's dispatch did."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from app.core.access import require_writer
from app.core.db import unit_of_work, utcnow
from app.core.errors import ValidationFailed
from app.core.i18n import _, lang
from app.core.lookup import actor, ensure_in_scope
from app.incidents import dispatches, notices
from app.incidents.enums import DispatchStatus
from app.incidents.models import Dispatch, DispatchReceipt


def sent_by_item(dispatch: Dispatch) -> dict[str, int]:
    """Units the order carries, per item code (its lots added up), in item order."""
    sent: dict[str, int] = defaultdict(int)
    for shipment in dispatch.shipments:
        sent[shipment.item.code] += shipment.quantity
    return dict(sorted(sent.items()))


def counted(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """(item, units received) pairs as given at a door; an item given twice is refused."""
    received: dict[str, int] = {}
    for item, n in pairs:
        if item in received:
            raise ValidationFailed(_("%(item)s is given twice.", item=item), field="lines")
        received[item] = n
    return received


def _lines(sent: dict[str, int], received: dict[str, int],
           names: dict[str, str]) -> list[dict[str, Any]]:
    """Sent against received per item (errors name the item as people know it); an item not
    given arrived in full."""
    unknown = sorted(set(received) - set(sent))
    if unknown:
        raise ValidationFailed(_("The order carries no %(items)s.", items=", ".join(unknown)),
                               field="lines")
    out = []
    for item, n in sent.items():
        got = received.get(item, n)
        if isinstance(got, bool) or not isinstance(got, int) or got < 0:
            raise ValidationFailed(_("Received units of %(item)s must be a whole number, 0 "
                                     "or more.", item=names.get(item, item)), field="lines")
        if got > n:
            raise ValidationFailed(_("%(n)s units of %(item)s were received, but only %(sent)s "
                                     "were sent: count again, or record the extra as a stock "
                                     "receipt.", n=got, item=names.get(item, item), sent=n),
                                   field="lines")
        out.append({"item": item, "sent": n, "received": got})
    return out


def receive(session: Session, code: str, received: dict[str, int],
            reason: str = "") -> dict[str, Any]:
    """The receiving point counted the order: record it, deliver it, issue it (once)."""
    require_writer("dispatches")
    with unit_of_work(session):
        order = dispatches.load(session, code)
        ensure_in_scope(order.area, "dispatch")  # the receiving side, not the depot's
        names = {s.item.code: s.item.name(lang()) for s in order.shipments}
        lines = _lines(sent_by_item(order), received, names)
        differs = any(ln["sent"] != ln["received"] for ln in lines)
        reason = reason.strip()
        if differs and not reason:
            raise ValidationFailed(_("Say why what was received differs from what was sent."),
                                   field="reason")
        done = dispatches.close_in(session, order, DispatchStatus.DELIVERED,
                                   reason or _("received in full"))
        receipt = DispatchReceipt(dispatch_id=order.id, code=order.code, lines=lines,
                                  differs=differs, reason=reason, received_at=utcnow(),
                                  received_by=actor().label)
        session.add(receipt)
        session.flush()
        if differs:
            notices.receipt_differs(session, order, lines, reason)
        return {**done, "receipt": receipt_dict(receipt)}


def receipt_dict(receipt: DispatchReceipt | None) -> dict[str, Any] | None:
    """A receipt for the API and the pages: lines sent/received, who, when, why."""
    if receipt is None:
        return None
    return {"lines": receipt.lines, "differs": receipt.differs, "reason": receipt.reason,
            "received_at": receipt.received_at.isoformat(), "received_by": receipt.received_by}
