"""Teams, members and qualifications."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core import crud
from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import _
from app.core.lookup import ensure_in_scope, scoped_by_code
from app.resources.enums import Speciality, TeamKind
from app.resources.models import Member, Qualification, Team


def _check_team(_session: Session, team: Team) -> None:
    if team.kind == TeamKind.RESCUE and team.speciality in (None, Speciality.GENERAL):
        raise ValidationFailed(_("A professional rescue team names its speciality (fire, "
                                 "medical, engineering, water rescue, ...)."),
                               field="speciality")


TEAM = crud.Resource(Team, "teams", "team", refs={"home_area": (Area, "home_area_id")},
                        check=_check_team)


def _qualifications(raw: list[dict[str, Any]]) -> list[Qualification]:
    out = []
    for i, q in enumerate(raw):
        if not str(q.get("name", "")).strip():
            raise ValidationFailed(_("A qualification needs a name."),
                                   field=f"qualifications.{i}.name")
        out.append(Qualification(name=q["name"], expires_on=q.get("expires_on")))
    return out


def add_member(session: Session, team_code: str, data: dict[str, Any]) -> Member:
    require_writer("teams")
    data = dict(data)
    quals = data.pop("qualifications", [])
    with unit_of_work(session):
        team = scoped_by_code(session, Team, team_code, "team")
        member = Member(team_id=team.id, **data)
        member.qualifications = _qualifications(quals)
        session.add(member)
        session.flush()
    return member


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(_("No team member %(id)s.", id=member_id), field="id")
    ensure_in_scope(member.team)
    return member


def update_member(session: Session, member_id: int, data: dict[str, Any]) -> Member:
    """Change a member; a qualifications list replaces the old one."""
    require_writer("teams")
    data = dict(data)
    with unit_of_work(session):
        member = get_member(session, member_id)
        if "qualifications" in data:
            member.qualifications = _qualifications(data.pop("qualifications"))
        if "team" in data:
            member.team_id = scoped_by_code(session, Team, data.pop("team"), "team").id
        for key, value in data.items():
            setattr(member, key, value)
        session.flush()
    return member


def delete_member(session: Session, member_id: int) -> None:
    require_writer("teams")
    with unit_of_work(session):
        session.delete(get_member(session, member_id))


def expiring_qualifications(team: Team, within_days: int, today: date) -> list[tuple[str, str,
                                                                                     date]]:
    """(member, qualification, expiry) for qualifications expiring within the window."""
    out = []
    for m in team.members:
        for q in m.qualifications:
            if q.expires_on is not None and (q.expires_on - today).days <= within_days:
                out.append((m.name, q.name, q.expires_on))
    return out
