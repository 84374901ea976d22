"""Findings for the outbox: expiring and expired stock, stock below minimum, qualifications.

Each finder returns plain `Draft`s; `record` writes the ones whose dedup key is new, so a job
that runs twice (or a missed run fired after a restart) never writes a notification twice.
"""
from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Depot,
    DepotMinimum,
    Item,
    Member,
    Notification,
    Qualification,
    StockLot,
    Team,
)

STOCK_WINDOWS = (7, 30)  # days before expiry: the nearest window a lot falls in is reported
QUALIFICATION_WINDOW = 60


@dataclass(frozen=True)
class Draft:
    kind: str
    area_id: int | None
    subject_zh: str
    subject_en: str
    body: str
    dedup_key: str


def record(session: Session, drafts: Iterable[Draft]) -> list[int]:
    """Insert the drafts whose dedup key is not yet in the outbox; return the new ids."""
    drafts = list({d.dedup_key: d for d in drafts}.values())
    if not drafts:
        return []
    known = set(session.scalars(select(Notification.dedup_key).where(
        Notification.dedup_key.in_([d.dedup_key for d in drafts]))))
    fresh = [Notification(kind=d.kind, area_id=d.area_id, subject_zh=d.subject_zh,
                          subject_en=d.subject_en, body=d.body, dedup_key=d.dedup_key)
             for d in drafts if d.dedup_key not in known]
    session.add_all(fresh)
    session.flush()
    return [n.id for n in fresh]


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


def qualification_findings(session: Session, today: date) -> list[Draft]:
    """Qualifications of active members expiring within 60 days, or expired."""
    rows = session.execute(
        select(Qualification.id, Qualification.name, Qualification.expires_on, Member.name,
               Team.code, Team.home_area_id)
        .join(Member, Member.id == Qualification.member_id).join(Team, Team.id == Member.team_id)
        .where(Member.active.is_(True), Qualification.expires_on.is_not(None),
               Qualification.expires_on <= today + timedelta(days=QUALIFICATION_WINDOW))
        .order_by(Qualification.expires_on, Qualification.id)).all()
    drafts = []
    for qual_id, qual, expires, member, team, area_id in rows:
        if expires is None:  # excluded by the query; narrows the type
            continue
        what = f"{qual} of {member} ({team})"
        if expires < today:
            drafts.append(Draft("qualification_expired", area_id, f"资质已过期：{what}",
                                f"Qualification expired: {what}", f"expired on {expires}",
                                f"qualification_expired:{qual_id}"))
        else:
            drafts.append(Draft("qualification_expiring", area_id, f"资质即将到期：{what}",
                                f"Qualification expiring: {what}", f"expires on {expires}",
                                f"qualification_expiring:{qual_id}:{expires}"))
    return drafts


def email_pending(session: Session, settings: dict[str, Any],
                  connect: Callable[..., Any] | None = None) -> int:
    """Email unsent notifications when READYGRID_SMTP_HOST is set; mark them sent."""
    host, to = settings.get("SMTP_HOST"), settings.get("NOTIFY_EMAIL")
    if not host or not to:
        return 0
    pending = session.scalars(select(Notification).where(Notification.sent_at.is_(None))
                              .order_by(Notification.id)).all()
    if not pending:
        return 0
    with (connect or smtplib.SMTP)(host, int(settings.get("SMTP_PORT", 25)), timeout=30) as smtp:
        if settings.get("SMTP_USER"):
            smtp.starttls()
            smtp.login(settings["SMTP_USER"], settings.get("SMTP_PASSWORD", ""))
        for note in pending:
            msg = EmailMessage()
            msg["From"] = settings.get("SMTP_FROM", "readygrid@localhost")
            msg["To"] = to
            msg["Subject"] = note.subject_zh
            msg.set_content(f"{note.subject_en}\n\n{note.body}".strip())
            smtp.send_message(msg)
            note.sent_at = utcnow()
    return len(pending)
