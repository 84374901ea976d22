"""Findings for the outbox: drill reminders, drills left unrecorded, areas overdue on a
requirement, corrective actions past due."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.drills.models import Drill
from app.notifications.services import OPEN_DRILLS, Draft, _both, _l, _local, _named, _week


def _reminder_days() -> list[int]:
    from app.drills.services import settings
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
    from app.drills.services import local_date

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
    from app.drills.compliance import Standing, compliance

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
    from app.drills.actions import past_due

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
