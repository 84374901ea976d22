"""Findings for the outbox: contingency plans flagged for revision or due for review."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.contingency.models import ContingencyPlan
from app.notifications.services import PLAN_REVIEW_WINDOW, Draft, _both, _l, _week


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
