"""Findings for the outbox: expiring and expired stock, stock below minimum, qualifications,
drill reminders, drills left unrecorded, drill compliance, corrective actions past due and
contingency plans due for review.

Each finder returns plain `Draft`s; `record` writes the ones whose dedup key is new, so a job
that runs twice (or a missed run fired after a restart) never writes a notification twice.
The dedup key also sets how often a standing finding comes back: once per day (an action past
due, a drill left unrecorded), once per ISO week (a requirement overdue, a plan to review).

Subjects are written in both languages at once: English msgids (marked with `_l` for the
catalogue) and their Simplified Chinese translation read from the app's own catalogue, so a
job needs no Flask app or request.
"""
from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from sqlalchemy import ColumnElement, Select, false, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.models import (
    Area,
    ContingencyPlan,
    Depot,
    DepotMinimum,
    Drill,
    Item,
    Member,
    Notification,
    Qualification,
    StockLot,
    Team,
)
from app.models.enums import DrillStatus

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


# ---- bilingual subjects -------------------------------------------------------------------
SUBJECT_MAX = 300  # Notification.subject_zh / subject_en
PLAN_REVIEW_WINDOW = 30  # days before a plan's review date that it is reported
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def _l(text: str) -> str:
    """Mark an English msgid for the catalogue; `_both` translates it when writing."""
    return text


@cache
def _zh() -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), ["zh"])


def _both(msgid: str, **values: Any) -> tuple[str, str]:
    """(Chinese, English) of a msgid; a value given as a (zh, en) pair is picked per language.

    A msgid not yet in the catalogue falls back to English, as the pages do.
    """
    def fill(text: str, pick: int) -> str:
        if not values:
            return text
        return text % {k: v[pick] if isinstance(v, tuple) else v for k, v in values.items()}

    return (_clip(fill(_zh().gettext(msgid), 0)), _clip(fill(msgid, 1)))


def _clip(text: str, limit: int = SUBJECT_MAX) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _named(obj: Any) -> tuple[str, str]:
    """An object's (Chinese, English) name; English falls back to Chinese."""
    return (obj.name("zh"), obj.name("en"))


def _local(moment: datetime) -> str:
    from app.services.drills import local_tz
    return moment.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M")


def _week(day: date) -> str:
    year, week, _day = day.isocalendar()
    return f"{year}-W{week:02d}"


# ---- kinds, as the notifications page groups them -----------------------------------------
KIND_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "drill_reminder": (_l("Drill reminder"), ("drill_reminder", "reminder")),
    "drill_overdue": (_l("Overdue drill"), ("drill_overdue",)),
    "compliance": (_l("Drill compliance"), ("compliance_overdue", "compliance_due_soon")),
    "action": (_l("Corrective action"), ("action_overdue",)),
    "plan": (_l("Plan review"), ("plan_review",)),
    "stock": (_l("Stock alert"), ("stock_expiring", "stock_expired", "stock_below_minimum")),
    "qualification": (_l("Qualification alert"), ("qualification_expiring",
                                             "qualification_expired")),
}


def group_of(kind: str) -> str | None:
    """The page's group of a notification kind (None for a kind no group lists)."""
    return next((g for g, (_label, kinds) in KIND_GROUPS.items() if kind in kinds), None)


# ---- drills -------------------------------------------------------------------------------
OPEN_DRILLS = (DrillStatus.PLANNED, DrillStatus.CONFIRMED)


def _reminder_days() -> list[int]:
    from app.services.drills import settings
    return sorted(int(d) for d in settings()["reminders"]["days_before"])


def drill_reminder_findings(session: Session, now: datetime) -> list[Draft]:
    """Reminders N days before each planned or confirmed drill (N from the drill settings,
    7 and 1 by default), to the drill's area and each participating team's home area.

    A reminder is due from `start - N days` until the drill starts, so a run missed while the
    scheduler was down still sends it, once; after the start nothing is sent. Only the
    nearest window is reported: a drill planned 12 hours ahead gets its 1-day reminder, not a
    late 7-day one as well. The start time is in the key: a drill moved to another date is
    reminded of again.
    """
    days = _reminder_days()
    if not days:
        return []
    now = now.astimezone(UTC)
    rows = session.scalars(
        select(Drill).where(Drill.status.in_(OPEN_DRILLS), Drill.starts_at > now,
                            Drill.starts_at <= now + timedelta(days=max(days)))
        .options(selectinload(Drill.teams), selectinload(Drill.venue_shelter))
        .order_by(Drill.starts_at, Drill.id)).all()
    drafts = []
    for drill in rows:
        window = min(d for d in days if now >= drill.starts_at - timedelta(days=d))
        when = _local(drill.starts_at)
        venue = (drill.venue("zh"), drill.venue("en"))
        if venue[0] or venue[1]:
            zh, en = _both(_l("Drill in %(days)s day(s): %(title)s, %(when)s, %(venue)s"),
                           days=window, title=drill.title, when=when, venue=venue)
        else:
            zh, en = _both(_l("Drill in %(days)s day(s): %(title)s, %(when)s"),
                           days=window, title=drill.title, when=when)
        teams = ", ".join(t.code for t in drill.teams)
        body = f"{drill.code} · {when}" + (f" · {teams}" if teams else "")
        stamp = drill.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
        for area_id in dict.fromkeys([drill.area_id, *(t.home_area_id for t in drill.teams)]):
            drafts.append(Draft("drill_reminder", area_id, zh, en, body,
                                f"drill:{drill.code}:{window}d:{stamp}:area:{area_id}"))
    return drafts


def overdue_drill_findings(session: Session, now: datetime) -> list[Draft]:
    """Planned or confirmed drills that have ended and were not recorded as done: record
    them or cancel them. Once per drill per (local) day."""
    from app.services.drills import local_date

    now = now.astimezone(UTC)
    today = local_date(now)
    drafts = []
    for drill in session.scalars(select(Drill).where(Drill.status.in_(OPEN_DRILLS),
                                                     Drill.ends_at < now)
                                 .order_by(Drill.starts_at, Drill.id)):
        when = _local(drill.starts_at)
        zh, en = _both(_l("Drill %(code)s (%(title)s, %(when)s) is over but not recorded: "
                          "record it or cancel it"), code=drill.code, title=drill.title,
                       when=when)
        drafts.append(Draft("drill_overdue", drill.area_id, zh, en, f"{drill.code} · {when}",
                            f"drill_overdue:{drill.code}:{today}"))
    return drafts


def compliance_findings(session: Session, today: date) -> list[Draft]:
    """Areas behind on a drill requirement: OVERDUE once per (rule, area) per ISO week,
    DUE_SOON once per (rule, area, next due date). Needs an actor: the system one sees all."""
    from app.services.compliance import Standing, compliance

    drafts = []
    for row in compliance(session, today):
        req, area = row.requirement, row.area
        names = {"area": _named(area), "requirement": _named(req)}
        if row.standing is Standing.OVERDUE:
            if row.last_done is None:
                zh, en = _both(_l("Drill overdue in %(area)s: %(requirement)s (no drill on "
                                  "record)"), **names)
            else:
                zh, en = _both(_l("Drill overdue in %(area)s: %(requirement)s (last drill "
                                  "%(last)s)"), last=row.last_done.isoformat(), **names)
            drafts.append(Draft("compliance_overdue", area.id, zh, en,
                                f"{req.code} · {area.code}",
                                f"compliance_overdue:{req.id}:{area.id}:{_week(today)}"))
        elif row.standing is Standing.DUE_SOON:
            zh, en = _both(_l("Drill due by %(due)s in %(area)s: %(requirement)s"),
                           due=row.next_due.isoformat(), **names)
            drafts.append(Draft("compliance_due_soon", area.id, zh, en,
                                f"{req.code} · {area.code} · {row.next_due}",
                                f"compliance_due_soon:{req.id}:{area.id}:{row.next_due}"))
    return drafts


def action_findings(session: Session, today: date) -> list[Draft]:
    """Open corrective actions past their due date, with the days overdue and the owner.
    Once per action per day: an action still open is in the next day's reminders again."""
    from app.services.actions import past_due

    drafts = []
    for action in past_due(session, today):
        zh, en = _both(_l("Corrective action %(code)s is %(days)s day(s) overdue (owner: "
                          "%(owner)s): %(title)s"), code=action.code,
                       days=(today - action.due_on).days, owner=action.owner,
                       title=action.title)
        drafts.append(Draft("action_overdue", action.area_id, zh, en,
                            f"{action.code} · {action.due_on} · {action.owner}",
                            f"action_overdue:{action.id}:{today}"))
    return drafts


def plan_findings(session: Session, today: date) -> list[Draft]:
    """Contingency plans flagged for revision (with the reasons) or whose review date is
    within 30 days or past. Once per plan per ISO week."""
    horizon = today + timedelta(days=PLAN_REVIEW_WINDOW)
    plans = session.scalars(
        select(ContingencyPlan).where(or_(ContingencyPlan.needs_revision.is_(True),
                                          ContingencyPlan.review_due <= horizon))
        .order_by(ContingencyPlan.code)).all()
    drafts = []
    for plan in plans:
        title = (plan.title("zh"), plan.title("en"))
        if plan.needs_revision:
            zh, en = _both(_l("Plan %(code)s needs revision: %(title)s"), code=plan.code,
                           title=title)
        elif plan.review_due is not None and plan.review_due < today:
            zh, en = _both(_l("Plan %(code)s review overdue since %(due)s: %(title)s"),
                           code=plan.code, due=plan.review_due.isoformat(), title=title)
        else:
            zh, en = _both(_l("Plan %(code)s review due by %(due)s: %(title)s"),
                           code=plan.code, due=str(plan.review_due), title=title)
        body = "\n".join([*(f"- {r}" for r in plan.revision_reasons),
                          *([f"review due {plan.review_due}"] if plan.review_due else [])])
        drafts.append(Draft("plan_review", plan.area_id, zh, en, body,
                            f"plan_review:{plan.id}:{_week(today)}"))
    return drafts


# ---- reading --------------------------------------------------------------------------------
def visible_to(area_path: str, district_wide: bool) -> ColumnElement[bool]:
    """Notifications a user sees: those of areas in their subtree, and the district-wide ones
    (no area) when their own area is the whole district."""
    in_subtree = Notification.area_id.in_(select(Area.id).where(Area.path.startswith(area_path)))
    return or_(in_subtree, Notification.area_id.is_(None) if district_wide else false())


def listing(area_path: str, district_wide: bool, *, unread_only: bool = False,
            group: str | None = None) -> Select[Any]:
    """The reader's notifications, newest first, optionally unread only or of one group."""
    stmt = select(Notification).where(visible_to(area_path, district_wide))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if group in KIND_GROUPS:
        stmt = stmt.where(Notification.kind.in_(KIND_GROUPS[group][1]))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(session: Session, area_path: str, district_wide: bool) -> int:
    """One COUNT query: the badge next to the notifications link."""
    return int(session.scalar(select(func.count()).select_from(Notification).where(
        visible_to(area_path, district_wide), Notification.read_at.is_(None))) or 0)


def mark_read(session: Session, area_path: str, district_wide: bool,
              ids: Iterable[int] | None = None) -> int:
    """Mark the reader's unread notifications (all, or those ids) as read; returns how many.
    Ids outside the reader's areas are ignored."""
    where = [visible_to(area_path, district_wide), Notification.read_at.is_(None)]
    if ids is not None:
        wanted = list(ids)
        where.append(Notification.id.in_(wanted) if wanted else false())
    result = session.execute(update(Notification).where(*where).values(read_at=utcnow())
                             .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)

