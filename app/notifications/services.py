"""The outbox and the inbox: notifications written once, read by the areas they concern.

Findings come from each feature's `findings.py` (stock, qualifications, drills, corrective
actions, plans). Each finder returns plain `Draft`s; `record` writes the ones whose dedup key
is new, so a job that runs twice (or a missed run fired after a restart) never writes a
notification twice.
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
from datetime import date, datetime
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from sqlalchemy import ColumnElement, Select, false, func, or_, select, update
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.actor import Principal
from app.core.db import unit_of_work, utcnow
from app.core.errors import Forbidden, NotFound
from app.core.i18n import _
from app.drills.enums import DrillStatus
from app.notifications.models import Notification

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
    from app.drills.services import local_tz
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
    "incident": (_l("Incident"), ("incident_declared", "incident_level_changed",
                                  "incident_closed", "team_called")),
    "dispatch": (_l("Orders and arrivals"), ("depot_orders", "expected_arrivals",
                                            "shelter_arrivals", "dispatch_cancelled",
                                            "receipt_differs")),
}


def group_of(kind: str) -> str | None:
    """The page's group of a notification kind (None for a kind no group lists)."""
    return next((g for g, (_label, kinds) in KIND_GROUPS.items() if kind in kinds), None)


# ---- drills -------------------------------------------------------------------------------
OPEN_DRILLS = (DrillStatus.PLANNED, DrillStatus.CONFIRMED)


# ---- reading --------------------------------------------------------------------------------
def reader(who: Principal) -> tuple[str, bool]:
    """The one visibility rule, for every door: a reader sees the notifications of the areas
    in their subtree, and the district-wide ones (no area) when they answer for the whole
    district (their own area is the district, whatever their role; or a system actor)."""
    return who.area_path, who.area_path.count("/") <= 2  # "" or "/<district id>/"


def visible_to(area_path: str, district_wide: bool) -> ColumnElement[bool]:
    """Notifications a user sees: those of areas in their subtree, and the district-wide ones
    (no area) when their own area is the whole district."""
    in_subtree = Notification.area_id.in_(select(Area.id).where(Area.path.startswith(area_path)))
    return or_(in_subtree, Notification.area_id.is_(None) if district_wide else false())


def listing(area_path: str, district_wide: bool, *, unread_only: bool = False,
            group: str | None = None, within: str | None = None) -> Select[Any]:
    """The reader's notifications, newest first, optionally unread only, of one group, or of
    one area's subtree only (`within`, a path inside the reader's subtree)."""
    stmt = select(Notification).where(
        visible_to(within, False) if within else visible_to(area_path, district_wide))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if group in KIND_GROUPS:
        stmt = stmt.where(Notification.kind.in_(KIND_GROUPS[group][1]))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def mark_one(session: Session, who: Principal, notification_id: int) -> Notification:
    """Mark one notification read (for everyone in its area); 404 unknown, 403 not visible."""
    with unit_of_work(session):
        note = session.get(Notification, notification_id)
        if note is None:
            raise NotFound(_("No notification %(id)s.", id=notification_id),
                           field="notification_id")
        if session.scalar(select(Notification.id).where(
                Notification.id == notification_id, visible_to(*reader(who)))) is None:
            raise Forbidden(_("This record belongs to an area outside your responsibility."),
                            field="notification_id")
        if note.read_at is None:
            note.read_at = utcnow()
    return note


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
