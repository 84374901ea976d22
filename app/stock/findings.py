"""Findings for the outbox: lots expiring or expired, depots below their minimum."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.notifications.services import STOCK_WINDOWS, Draft
from app.stock.models import Depot, DepotMinimum, Item, StockLot


def stock_findings(session: Session, today: date) -> list[Draft]:
    """Lots with stock that expire within 30 or 7 days or have expired, and minimum shortfalls."""
    return _expiring_lots(session, today) + _below_minimum(session, today)


def _expiring_lots(session: Session, today: date) -> list[Draft]:
    horizon = today + timedelta(days=max(STOCK_WINDOWS))
    rows = session.execute(
        select(StockLot.id, StockLot.lot_number, StockLot.expiry_date, StockLot.on_hand,
               Depot.code, Depot.area_id, Item.code)
        .join(Depot, Depot.id == StockLot.depot_id).join(Item, Item.id == StockLot.item_id)
        .where(StockLot.on_hand > 0, StockLot.expiry_date.is_not(None),
               StockLot.expiry_date <= horizon)
        .order_by(StockLot.expiry_date, StockLot.id)).all()
    drafts = []
    for lot_id, number, expiry, on_hand, depot, area_id, item in rows:
        if expiry is None:  # excluded by the query; narrows the type
            continue
        what = f"{item} lot {number} at {depot} ({on_hand} on hand)"
        if expiry < today:
            drafts.append(Draft("stock_expired", area_id, f"库存已过期：{what}",
                                f"Expired stock: {what}", f"expired on {expiry}",
                                f"stock_expired:{lot_id}"))
            continue
        window = min(w for w in STOCK_WINDOWS if expiry <= today + timedelta(days=w))
        drafts.append(Draft("stock_expiring", area_id, f"{window}天内到期：{what}",
                            f"Expiring within {window} days: {what}", f"expires on {expiry}",
                            f"stock_expiring:{lot_id}:{window}:{today}"))
    return drafts


def _below_minimum(session: Session, today: date) -> list[Draft]:
    usable = StockLot.expiry_date.is_(None) | (StockLot.expiry_date >= today)
    held = {(d, i): int(q) for d, i, q in session.execute(
        select(StockLot.depot_id, StockLot.item_id, func.sum(StockLot.on_hand - StockLot.reserved))
        .where(usable).group_by(StockLot.depot_id, StockLot.item_id))}
    overrides = {(d, i): m for d, i, m in session.execute(
        select(DepotMinimum.depot_id, DepotMinimum.item_id, DepotMinimum.minimum))}
    items = session.execute(select(Item.id, Item.code, Item.min_per_depot)
                            .order_by(Item.code)).all()
    drafts = []
    for depot_id, depot, area_id in session.execute(
            select(Depot.id, Depot.code, Depot.area_id).where(Depot.active.is_(True))
            .order_by(Depot.code)):
        for item_id, item, default in items:
            minimum = overrides.get((depot_id, item_id), default)
            available = held.get((depot_id, item_id), 0)
            if minimum and available < minimum:
                what = f"{item} at {depot}: {available} available, minimum {minimum}"
                drafts.append(Draft("stock_below_minimum", area_id, f"低于最低库存：{what}",
                                    f"Below minimum: {what}", "",
                                    f"stock_below_minimum:{depot_id}:{item_id}:{today}"))
    return drafts
