"""Stock's scheduled job: expiring and expired lots, depots below minimum."""
from __future__ import annotations

from datetime import date

from app.core.db import utcnow
from app.drills.services import local_date
from app.notifications import services as notifications
from app.notifications.jobs import Job, deliver, job_transaction
from app.stock.findings import stock_findings


def check_stock(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: lots expiring within 30 / 7 days, expired lots with stock, depots below minimum."""
    today = today or local_date(utcnow())
    with job_transaction(url) as session:
        ids = notifications.record(session, stock_findings(session, today))
    return deliver(url, "check_stock", ids)


JOBS = (Job("check_stock", check_stock, "daily", (6, 0)),)
