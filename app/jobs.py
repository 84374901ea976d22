"""Scheduled jobs: plain functions, callable directly (tests, `readygrid jobs run`) or by the
scheduler, which references them by this module's path.

Each job opens its own engine on the database it is given (default: the app's configured
one, resolved like `create_app` does), owns one transaction, and returns the new
notification ids. No Flask globals are needed.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.actor import reset_actor, set_actor, system_actor
from app.config import default_database_url, from_environment
from app.db import make_engine, utcnow
from app.services import notifications
from app.services.drills import local_date

log = logging.getLogger("readygrid.jobs")


def settings() -> dict[str, Any]:
    """READYGRID_* settings as `create_app` reads them (SMTP_HOST, DATABASE_URL, ...)."""
    return from_environment()


def database_url() -> str:
    """The app's database: READYGRID_DATABASE_URL or the SQLite file in ./instance."""
    return settings().get("DATABASE_URL") or default_database_url(str(Path.cwd() / "instance"))


@contextmanager
def _unit_of_work(url: str | None) -> Iterator[Session]:
    """One transaction on its own engine, acting as the scheduler (full scope, audited as
    'scheduler') for services that ask who is acting."""
    engine = make_engine(url or database_url())
    token = set_actor(system_actor("scheduler"))
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        reset_actor(token)
        engine.dispose()


def _deliver(url: str | None, name: str, ids: list[int]) -> list[int]:
    """After the commit: email what is unsent. A mail failure keeps the outbox, retried later."""
    sent = 0
    if settings().get("SMTP_HOST"):
        try:
            with _unit_of_work(url) as session:
                sent = notifications.email_pending(session, settings())
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("%s: email not sent (%s); will retry on the next run", name, exc)
    log.info("%s: %d new notification(s)%s", name, len(ids), f", {sent} emailed" if sent else "")
    return ids


def check_stock(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: lots expiring within 30 / 7 days, expired lots with stock, depots below minimum."""
    today = today or local_date(utcnow())
    with _unit_of_work(url) as session:
        ids = notifications.record(session, notifications.stock_findings(session, today))
    return _deliver(url, "check_stock", ids)


def check_qualifications(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: member qualifications expiring within 60 days or expired."""
    today = today or local_date(utcnow())
    with _unit_of_work(url) as session:
        ids = notifications.record(session,
                                   notifications.qualification_findings(session, today))
    return _deliver(url, "check_qualifications", ids)


def send_reminder(key: str, subject: str, body: str = "", area_id: int | None = None, *,
                  url: str | None = None) -> list[int]:
    """One-off: write one reminder notification; the key makes a second run a no-op."""
    draft = notifications.Draft("reminder", area_id, subject, subject, body, f"reminder:{key}")
    with _unit_of_work(url) as session:
        ids = notifications.record(session, [draft])
    return _deliver(url, "send_reminder", ids)


def check_drill_reminders(now: datetime | None = None, *, url: str | None = None) -> list[int]:
    """Hourly: reminders 7 days and 1 day (drill settings) before planned or confirmed drills,
    to the drill's area and each participating team's home area."""
    now = now or datetime.now(UTC)
    with _unit_of_work(url) as session:
        ids = notifications.record(session,
                                   notifications.drill_reminder_findings(session, now))
    return _deliver(url, "check_drill_reminders", ids)


def check_drills(today: date | None = None, *, url: str | None = None,
                 now: datetime | None = None) -> list[int]:
    """Daily: drills that ended without being recorded (record or cancel them), and areas
    overdue or due soon on a drill requirement.

    `now` defaults to the current time, or to the start of `today` (local) when a day is
    given, so a check "as of" a date reports the drills that ended before it.
    """
    from app.services.drills import local_tz

    if now is None:
        now = (datetime.combine(today, time(0), tzinfo=local_tz()) if today
               else datetime.now(UTC))
    today = today or local_date(now)
    with _unit_of_work(url) as session:
        ids = notifications.record(
            session, notifications.overdue_drill_findings(session, now)
            + notifications.compliance_findings(session, today))
    return _deliver(url, "check_drills", ids)


def check_actions(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: open corrective actions past due, again each day they stay open."""
    today = today or local_date(utcnow())
    with _unit_of_work(url) as session:
        ids = notifications.record(session, notifications.action_findings(session, today))
    return _deliver(url, "check_actions", ids)


def check_plans(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: contingency plans flagged for revision or due for review within 30 days."""
    today = today or local_date(utcnow())
    with _unit_of_work(url) as session:
        ids = notifications.record(session, notifications.plan_findings(session, today))
    return _deliver(url, "check_plans", ids)


def render_plan_documents(*, url: str | None = None, limit: int = 20) -> int:
    """Every minute: render the PDFs of plan versions approved since (each stored once, a
    version per transaction, so a long run keeps what it finished). Returns how many."""
    from app.models import PlanVersion
    from app.services import plans

    with _unit_of_work(url) as session:
        pending = plans.versions_missing_documents(session)[:limit]
    rendered = 0
    for version_id in pending:
        with _unit_of_work(url) as session:
            found = session.get(PlanVersion, version_id)
            for lang, edition in plans.missing_documents(found) if found else []:
                plans.store_document(session, found, lang, edition)
                rendered += 1
    if rendered:
        log.info("render_plan_documents: %d PDF(s) of %d version(s)", rendered, len(pending))
    return rendered


DAILY = {"check_stock": check_stock, "check_qualifications": check_qualifications,
         "check_drills": check_drills, "check_actions": check_actions,
         "check_plans": check_plans}
HOURLY = {"check_drill_reminders": check_drill_reminders}
MINUTELY = {"render_plan_documents": render_plan_documents}
