"""Contingency plans' scheduled jobs: plans due for review or flagged, and the PDFs of newly
approved versions."""
from __future__ import annotations

from datetime import date

from app.contingency.findings import plan_findings
from app.core.db import utcnow
from app.drills.services import local_date
from app.notifications import services as notifications
from app.notifications.jobs import Job, deliver, job_transaction, log


def check_plans(today: date | None = None, *, url: str | None = None) -> list[int]:
    """Daily: contingency plans flagged for revision or due for review within 30 days."""
    today = today or local_date(utcnow())
    with job_transaction(url) as session:
        ids = notifications.record(session, plan_findings(session, today))
    return deliver(url, "check_plans", ids)


def render_plan_documents(*, url: str | None = None, limit: int = 20) -> int:
    """Every minute: render the PDFs of plan versions approved since (each stored once, a
    version per transaction, so a long run keeps what it finished). Returns how many."""
    from app.contingency import services as plans
    from app.contingency.models import PlanVersion

    with job_transaction(url) as session:
        pending = plans.versions_missing_documents(session)[:limit]
    rendered = 0
    for version_id in pending:
        with job_transaction(url) as session:
            found = session.get(PlanVersion, version_id)
            for lang, edition in plans.missing_documents(found) if found else []:
                plans.store_document(session, found, lang, edition)
                rendered += 1
    if rendered:
        log.info("render_plan_documents: %d PDF(s) of %d version(s)", rendered, len(pending))
    return rendered


JOBS = (Job("check_plans", check_plans, "daily", (6, 40)),
        Job("render_plan_documents", render_plan_documents, "minutely"))
