"""What a community's staff see first on an incident, on a phone: the orders coming to their
community (to receive, each with its receipt form), those already received; and, for the
coordinator, the receipts that differ from what was sent."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core.actor import Principal
from app.core.i18n import lang
from app.core.vocabulary import AreaLevel
from app.incidents.enums import OPEN_STATUSES, DispatchStatus
from app.incidents.models import Dispatch, DispatchReceipt, Incident, PlanShipment
from app.incidents.receipts import receipt_dict
from app.stock.models import Depot, Item

LOCAL = (AreaLevel.COMMUNITY, AreaLevel.GRID)  # users who receive, rather than coordinate


def _orders(session: Session, *criteria: Any) -> list[Dispatch]:
    return list(session.scalars(
        select(Dispatch).join(Area, Area.id == Dispatch.area_id).where(*criteria).options(
            selectinload(Dispatch.area), selectinload(Dispatch.point),
            selectinload(Dispatch.receipt), selectinload(Dispatch.depot).selectinload(Depot.area),
            selectinload(Dispatch.shipments).selectinload(PlanShipment.item))
        .order_by(Dispatch.status, Dispatch.id)))


def card(order: Dispatch, may_receive: bool) -> dict[str, Any]:
    """One order as the receiving point sees it: what is on its way per item, who to call."""
    lg = lang()
    items: dict[str, dict[str, Any]] = {}
    for s in order.shipments:
        row = items.setdefault(s.item.code, {"item": s.item.code, "name": s.item.name(lg),
                                             "unit": s.item.unit_zh if lg == "zh"
                                             else s.item.unit_en, "sent": 0})
        row["sent"] += s.quantity
    receipt = receipt_dict(order.receipt)
    if receipt and order.receipt:  # the page formats the moment in its language
        receipt["received_at"] = order.receipt.received_at
    got = {ln["item"]: ln["received"] for ln in receipt["lines"]} if receipt else {}
    depot = order.depot
    return {"code": order.code, "status": order.status.value,
            "status_label": order.status.label(lg), "open": order.status in OPEN_STATUSES,
            "may_receive": may_receive and order.status in OPEN_STATUSES,
            "area": order.area.code, "area_name": order.area.name(lg),
            "depot": depot.code, "depot_name": depot.name(lg),
            "depot_contact": depot.contact_name, "depot_phone": depot.contact_phone,
            "deliver_to": order.deliver_to, "contact_name": order.contact_name,
            "contact_phone": order.contact_phone,
            "items": [{**r, "received": got.get(r["item"], r["sent"])}
                      for _, r in sorted(items.items())],
            "receipt": receipt}


def community_block(session: Session, incident: Incident, me: Principal, area: Area,
                    may_receive: bool) -> dict[str, Any] | None:
    """For a community's (or a grid's) user: the orders into their area, to receive first,
    then received; None for users who coordinate (street, district)."""
    if area.level not in LOCAL:
        return None
    cards = [card(o, may_receive) for o in _orders(
        session, Dispatch.incident_id == incident.id, Area.path.startswith(me.area_path),
        Dispatch.status != DispatchStatus.CANCELLED)]
    return {"code": area.code, "name": area.name(lang()),
            "to_receive": [c for c in cards if c["open"]],
            "received": [c for c in cards if not c["open"]]}


def one_card(session: Session, code: str, may_receive: bool) -> dict[str, Any]:
    """One order's card after an action on it (the part htmx swaps)."""
    return card(_orders(session, Dispatch.code == code)[0], may_receive)


def differences(session: Session, incident: Incident) -> list[dict[str, Any]]:
    """Every receipt line of the incident that differs from what was sent, for coordinators."""
    names: set[str] = set()
    rows = []
    for receipt, area in session.execute(
            select(DispatchReceipt, Area).join(Dispatch, Dispatch.id == DispatchReceipt.dispatch_id)
            .join(Area, Area.id == Dispatch.area_id)
            .where(Dispatch.incident_id == incident.id, DispatchReceipt.differs)
            .order_by(DispatchReceipt.received_at)):
        for ln in receipt.lines:
            if ln["sent"] != ln["received"]:
                rows.append({"order": receipt.code, "area": area.code,
                             "area_name": area.name(lang()), **ln, "reason": receipt.reason,
                             "received_by": receipt.received_by})
                names.add(ln["item"])
    items = {i.code: i.name(lang()) for i in session.scalars(
        select(Item).where(Item.code.in_(names)))}
    return [{**r, "item_name": items.get(r["item"], r["item"])} for r in rows]
