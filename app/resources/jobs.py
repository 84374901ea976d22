"""Resources' scheduled job: member qualifications expiring or expired."""
from __future__ import annotations

from datetime import date

from app.core.db import utcnow
from app.drills.services import local_date
from app.notifications import services as notifications
from app.notifications.jobs import Job, deliver, job_transaction
from app.resources.findings import qualification_findings


def check_qualifications(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: member qualifications expiring within 60 days or expired."""
    today = today or local_date(utcnow())
    with job_transaction(url) as session:
        ids = notifications.record(session,
                                   qualification_findings(session, today))
    return deliver(url, "check_qualifications", ids)


JOBS = (Job("check_qualifications", check_qualifications, "daily", (6, 10)),)
