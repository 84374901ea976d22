"""Mobilisation levels: per district, response Ⅰ–Ⅳ with rules and checklists."""
from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import _
from app.core.lookup import by_code, scoped_by_code
from app.core.vocabulary import SourceStatus
from app.resources.enums import MobilisationScope, Speciality, TeamKind
from app.resources.models import ChecklistItem, MobilisationLevel, MobilisationRule, Team


def seed_data() -> dict[str, Any]:
    return tomllib.loads(resources.files("app.seeds").joinpath("levels.toml").read_text("utf-8"))


def district_of(session: Session, area: Area) -> Area:
    root_id = int(area.path.strip("/").split("/")[0])
    return session.get_one(Area, root_id)


def seed_levels(session: Session, district: Area) -> int:
    """Give a district the default levels from the seed file (skips levels it already has)."""
    have = set(session.scalars(select(MobilisationLevel.level)
                               .where(MobilisationLevel.district_id == district.id)))
    added = 0
    for raw in seed_data()["level"]:
        if raw["level"] in have:
            continue
        session.add(_build(district, raw))
        added += 1
    session.flush()
    return added


def _build(district: Area, raw: dict[str, Any]) -> MobilisationLevel:
    fields = {k: v for k, v in raw.items() if k not in {"rules", "checklist"}}
    if "reserve_release_status" in fields:
        fields["reserve_release_status"] = SourceStatus(fields["reserve_release_status"])
    level = MobilisationLevel(district_id=district.id, **fields)
    _set_children(level, raw.get("rules", []), raw.get("checklist", []))
    return level


def _set_children(level: MobilisationLevel, rules: list[dict[str, Any]] | None,
                  checklist: list[dict[str, Any]] | None) -> None:
    if rules is not None:
        try:
            level.rules = [MobilisationRule(
                team_kind=TeamKind(r["team_kind"]),
                speciality=Speciality(r["speciality"]) if r.get("speciality") else None,
                scope=MobilisationScope(r["scope"])) for r in rules]
        except (KeyError, ValueError) as exc:
            raise ValidationFailed(f"Bad mobilisation rule: {exc}", field="rules") from None
    if checklist is not None:
        level.checklist = [ChecklistItem(position=i + 1, text_zh=c["text_zh"],
                                         text_en=c.get("text_en", ""), owner=c.get("owner", ""))
                           for i, c in enumerate(checklist)]


def get_level(session: Session, district_code: str, level: int,
              scoped: bool = True) -> MobilisationLevel:
    """A district's response level; scoped=False when a declaration within the caller's
    areas needs the district's rules (community staff declaring an exercise)."""
    district = (scoped_by_code if scoped else by_code)(session, Area, district_code, "district")
    found = session.scalar(select(MobilisationLevel).where(
        MobilisationLevel.district_id == district.id, MobilisationLevel.level == level))
    if found is None:
        raise NotFound(_("%(code)s has no response level %(level)s.", code=district_code,
                         level=level), field="level")
    return found


def update_level(session: Session, district_code: str, level: int,
                 data: dict[str, Any]) -> MobilisationLevel:
    """Edit a level's labels, trigger, rules (replaced) or checklist (replaced)."""
    require_writer("levels")
    data = dict(data)
    with unit_of_work(session):
        found = get_level(session, district_code, level)
        _set_children(found, data.pop("rules", None), data.pop("checklist", None))
        for key, value in data.items():
            setattr(found, key, value)
        session.flush()
    return found


def ancestors_reached(scope: MobilisationScope, area_path: str) -> list[int]:
    """The areas above an incident area whose own teams a rule of this scope calls (besides
    the incident area's subtree): none, the street, or the street and the district."""
    line = [int(a) for a in area_path.strip("/").split("/")]  # district .. area
    return {MobilisationScope.INCIDENT_AREA: [],
            MobilisationScope.STREET: line[1:-1],  # the street, when the area is below it
            MobilisationScope.DISTRICT: line[:-1]}[scope]


def teams_mobilised(session: Session, level: MobilisationLevel, incident_area: Area) -> list[Team]:
    """The teams a level calls out for an incident in this area, per its rules.

    A rule's scope says how far up the incident area's own line it reaches: the incident
    area's teams (its subtree), then the street's own teams, then the district's own (the
    professional teams). It never reaches sideways: another community's groups are called by
    an incident there, not by one in a neighbouring community or street."""
    found: dict[int, Team] = {}
    for rule in level.rules:
        above = ancestors_reached(rule.scope, incident_area.path)
        homes = Area.path.startswith(incident_area.path)
        if above:
            homes = homes | Area.id.in_(above)
        stmt = (select(Team).join(Area, Area.id == Team.home_area_id)
                .where(Team.kind == rule.team_kind, homes))
        if rule.speciality is not None:
            stmt = stmt.where(Team.speciality == rule.speciality)
        for team in session.scalars(stmt):
            found[team.id] = team
    return sorted(found.values(), key=lambda t: t.code)


