"""Findings for the outbox: member qualifications expiring within 60 days or expired."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.notifications.services import QUALIFICATION_WINDOW, Draft
from app.resources.models import Member, Qualification, Team


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
