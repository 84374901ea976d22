"""Drills' scheduled jobs: reminders before drills, drills left unrecorded, areas overdue on a
requirement, corrective actions past due."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from app.core.db import utcnow
from app.drills.findings import (
    action_findings,
    compliance_findings,
    drill_reminder_findings,
    overdue_drill_findings,
)
from app.drills.services import local_date
from app.notifications import services as notifications
from app.notifications.jobs import Job, deliver, job_transaction


def check_drill_reminders(now: datetime | None = None, *, url: str | None = None) -> list[int]:
    """Hourly: reminders 7 days and 1 day (drill settings) before planned or confirmed drills,
    to the drill's area and each participating team's home area."""
    now = now or datetime.now(UTC)
    with job_transaction(url) as session:
        ids = notifications.record(session,
                                   drill_reminder_findings(session, now))
    return deliver(url, "check_drill_reminders", ids)


def check_drills(today: date | None = None, *, url: str | None = None,
                 now: datetime | None = None) -> list[int]:
    """Daily: drills that ended without being recorded (record or cancel them), and areas
    overdue or due soon on a drill requirement.

    `now` defaults to the current time, or to the start of `today` (local) when a day is
    given, so a check "as of" a date reports the drills that ended before it.
    """
    from app.drills.services import local_tz

    if now is None:
        now = (datetime.combine(today, time(0), tzinfo=local_tz()) if today
               else datetime.now(UTC))
    today = today or local_date(now)
    with job_transaction(url) as session:
        ids = notifications.record(
            session, overdue_drill_findings(session, now)
            + compliance_findings(session, today))
    return deliver(url, "check_drills", ids)


def check_actions(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: open corrective actions past due, again each day they stay open."""
    today = today or local_date(utcnow())
    with job_transaction(url) as session:
        ids = notifications.record(session, action_findings(session, today))
    return deliver(url, "check_actions", ids)


JOBS = (Job("check_drills", check_drills, "daily", (6, 20)),
        Job("check_actions", check_actions, "daily", (6, 30)),
        # a minute past each hour: the 1-day reminders go out on time
        Job("check_drill_reminders", check_drill_reminders, "hourly", 5))
