"""Declaring an incident, changing its level (re-mobilising), its areas, its checklist."""
from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from app.areas.models import Area
from app.core.access import can_write, require_writer
from app.core.db import unit_of_work, utcnow
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.fields import enum_field
from app.core.i18n import _
from app.core.lookup import actor, ensure_in_scope, next_codes, scoped_by_code
from app.core.vocabulary import AreaLevel, Hazard
from app.incidents import notices
from app.incidents.enums import IncidentEventKind, IncidentStatus, MobilisationStatus
from app.incidents.models import Incident, IncidentArea, IncidentEvent, IncidentTask, Mobilisation
from app.resources.enums import Availability
from app.resources.levels import district_of, get_level, teams_mobilised
from app.resources.models import Team


@cache
def assumptions() -> dict[str, Any]:
    """The planning assumptions of app/seeds/incidents.toml, each with its source."""
    text = resources.files("app.seeds").joinpath("incidents.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True)
class AreaInput:
    code: str
    affected: int | None = None
    displaced: int | None = None
    need_access: int | None = None


def _people(area: Area, hazard: Hazard, given: AreaInput) -> dict[str, int]:
    """Affected, displaced, vulnerable and wheelchair counts; the register fills the gaps."""
    affected = area.population if given.affected is None else given.affected
    if affected < 0 or (given.displaced is not None and given.displaced < 0):
        raise ValidationFailed(_("People counts cannot be negative."), field="areas")
    shares = assumptions()["displaced_share"]
    share = float(shares.get(hazard.value, shares["default"]))
    displaced = math.ceil(affected * share) if given.displaced is None else given.displaced
    if displaced > affected:
        raise ValidationFailed(_("Area %(code)s: %(displaced)s displaced is more than the "
                                 "%(affected)s affected.", code=area.code, displaced=displaced,
                                 affected=affected), field="areas")
    ratio = affected / area.population if area.population else 0.0
    vulnerable = min(math.ceil(sum(area.vulnerable.values()) * ratio), affected)
    group = assumptions()["need_access"]["group"]
    access_ratio = displaced / area.population if area.population else 0.0
    need_access = (min(math.ceil(getattr(area, group) * access_ratio), displaced)
                   if given.need_access is None else given.need_access)
    if not 0 <= need_access <= displaced:
        raise ValidationFailed(_("Area %(code)s: wheelchair users must be between 0 and the "
                                 "displaced.", code=area.code), field="areas")
    return {"affected": affected, "displaced": displaced, "vulnerable": vulnerable,
            "need_access": need_access}


CODE_ATTEMPTS = 40  # a storm of simultaneous declarations may lose the race many times


def _insert_with_code(session: Session, incident: Incident, started: datetime) -> None:
    """Insert under the next free code. Coordinators declaring at the same moment read the
    same last code; the loser of the unique constraint takes the next one (in a savepoint, so
    the rest of its transaction stands) instead of failing."""
    for attempt in range(CODE_ATTEMPTS):
        incident.code = next_codes(session, Incident.code, f"INC-{started:%Y%m%d}-")[0]
        try:
            with session.begin_nested():
                session.add(incident)
                session.flush()
            return
        except IntegrityError as exc:
            if "code" not in str(exc.orig).lower() or attempt == CODE_ATTEMPTS - 1:
                raise Conflict(_("Another incident was declared at the same moment; "
                                 "declare again.")) from None


def declare(session: Session, *, title: str, hazard: str, level: int, areas: list[AreaInput],
            duration_days: int = 3, started_at: datetime | None = None,
            exercise: bool = False, max_distance_km: float | None = None,
            shelter_distance_km: float | None = None, notes: str = "", draft: bool = False,
            reference: str = "") -> str:
    """Declare an incident, mobilise its level's teams and checklist; returns its code.

    Exercises (drills running the workflow on live data, touching no stock) may also be
    declared by community staff. A draft (an imported CAP alert, `reference` naming it)
    mobilises nothing until `declare_draft`."""
    require_writer("exercises" if exercise else "incidents")
    hazard_value = enum_field(Hazard, hazard, "hazard")
    _check_level(level)
    if not areas:
        raise ValidationFailed(_("Name at least one affected area."), field="areas")
    if duration_days <= 0:
        raise ValidationFailed(_("The duration must be at least one day."),
                               field="duration_days")
    dist = assumptions()["distances"]
    with unit_of_work(session):
        resolved = _resolve_areas(session, areas)
        district = district_of(session, resolved[0][0])
        started = started_at or utcnow()
        incident = Incident(
            title=title.strip() or hazard_value.label("zh"),
            hazard=hazard_value, level=level, district_id=district.id, exercise=exercise,
            started_at=started, duration_days=duration_days,
            max_distance_km=max_distance_km or dist["supply_km"],
            shelter_distance_km=shelter_distance_km or dist["shelter_km"], notes=notes,
            declared_by=actor().label,
            status=IncidentStatus.DRAFT if draft else IncidentStatus.ACTIVE)
        incident.areas = [IncidentArea(area_id=a.id, **_people(a, hazard_value, given))
                          for a, given in resolved]
        _insert_with_code(session, incident, started)
        if draft:
            _record(incident, IncidentEventKind.IMPORTED, reference)
        else:
            _record(incident, IncidentEventKind.DECLARED)
            _mobilise(session, incident)
            notices.incident_changed(session, incident, "declared")
        return incident.code


def _record(incident: Incident, kind: IncidentEventKind, reference: str = "") -> None:
    """Append a step to the incident's history (each published step is one CAP alert)."""
    number = max((e.number for e in incident.events), default=0) + 1
    incident.events.append(IncidentEvent(number=number, kind=kind, level=incident.level,
                                         at=utcnow(), by=actor().label, reference=reference))


def declare_draft(session: Session, code: str, level: int | None = None) -> None:
    """Declare an imported draft: it becomes active and mobilises its level's teams."""
    with unit_of_work(session):
        incident = load(session, code)
        require_writer("exercises" if incident.exercise else "incidents")
        if incident.status is not IncidentStatus.DRAFT:
            raise Conflict(_("Incident %(code)s is not a draft.", code=code), field="incident")
        if level is not None:
            _check_level(level)
            incident.level = level
        incident.status, incident.started_at = IncidentStatus.ACTIVE, utcnow()
        incident.declared_by = actor().label
        _record(incident, IncidentEventKind.DECLARED)
        _mobilise(session, incident)
        notices.incident_changed(session, incident, "declared")


def _check_level(level: int) -> None:
    if level not in (1, 2, 3, 4):
        raise ValidationFailed(_("The response level is 1 (highest) to 4."), field="level")


def _resolve_areas(session: Session, given: list[AreaInput]) -> list[tuple[Area, AreaInput]]:
    seen: set[str] = set()
    out = []
    for a in given:
        if a.code in seen:
            raise ValidationFailed(_("Area %(code)s is listed twice.", code=a.code),
                                   field="areas")
        seen.add(a.code)
        area = scoped_by_code(session, Area, a.code, "areas")
        if area.level.value not in ("community", "grid"):
            raise ValidationFailed(_("Affected areas are communities or grids; %(code)s is "
                                     "a %(level)s.", code=a.code, level=area.level.label()),
                                   field="areas")
        out.append((area, a))
    for inner, outer in nested(area for area, _given in out):
        raise ValidationFailed(_("%(inner)s lies inside %(outer)s: choose one or the other.",
                                 inner=inner.code, outer=outer.code), field="areas")
    roots = {a.path.strip("/").split("/")[0] for a, _ in out}
    if len(roots) > 1:
        raise ValidationFailed(_("All affected areas must lie in one district."), field="areas")
    return out


def nested(areas: Iterable[Area]) -> list[tuple[Area, Area]]:
    """The overlap rule: (inner, outer) for each chosen area lying inside another chosen one
    (a grid and its community would count the same people twice). Declaring and changing the
    areas refuse such a choice; a CAP import reads the community as covering its grid."""
    chosen = list(areas)
    return [(a, o) for a in chosen for o in chosen if a is not o and a.path.startswith(o.path)]


def expand_communities(session: Session, codes: list[str]) -> list[str]:
    """Whole communities become their grids (a grid, or a community without grids, stays
    itself): how a picker's "the whole community" is meant."""
    if not codes:
        return []
    parent = aliased(Area)
    grids: dict[str, list[str]] = defaultdict(list)
    for parent_code, code in session.execute(
            select(parent.code, Area.code).join(parent, parent.id == Area.parent_id)
            .where(parent.code.in_(codes), Area.level == AreaLevel.GRID).order_by(Area.code)):
        grids[parent_code].append(code)
    return [g for code in dict.fromkeys(codes) for g in grids.get(code, [code])]


def touching(prefix: str) -> Select[tuple[Incident]]:
    """Incidents with an affected area in the subtree at `prefix` (a principal's scope)."""
    areas = (select(IncidentArea.incident_id).join(Area, Area.id == IncidentArea.area_id)
             .where(Area.path.startswith(prefix)))
    return select(Incident).where(Incident.id.in_(areas))


def load(session: Session, code: str) -> Incident:
    """An incident by code, in the actor's scope."""
    incident = session.scalar(select(Incident).where(Incident.code == code).options(
        selectinload(Incident.areas).selectinload(IncidentArea.area),
        # teams with their members (the page counts them): one query, not one per team
        selectinload(Incident.mobilisations).selectinload(Mobilisation.team)
        .selectinload(Team.members)))
    if incident is None:
        raise NotFound(_("No incident with code '%(code)s'.", code=code), field="incident")
    if not any(actor().covers(ia.area.path) for ia in incident.areas):
        ensure_in_scope(incident.district, "incident")
    return incident


def writable(session: Session, code: str) -> Incident:
    incident = load(session, code)
    require_writer("exercises" if incident.exercise else "incidents")
    who = actor()
    if incident.exercise and not can_write(who.role, "incidents") and not all(
            who.covers(ia.area.path) for ia in incident.areas):
        raise Forbidden(_("This exercise spans areas outside yours: a coordinator changes it."),
                        field="incident")
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict(_("Incident %(code)s is closed.", code=code), field="incident")
    if incident.status is IncidentStatus.DRAFT:
        raise Conflict(_("Incident %(code)s is a draft: declare it first.", code=code),
                       field="incident")
    return incident


def _mobilise(session: Session, incident: Incident) -> None:
    """Call the teams and open the checklist of the incident's level; stand down the rest."""
    level = get_level(session, incident.district.code, incident.level, scoped=False)
    wanted: dict[int, Any] = {}
    # Grids have no teams of their own: a grid's incident area, for the rules, is its community.
    units = {ia.area.unit() for ia in incident.areas}
    for unit in sorted(units, key=lambda a: a.code):
        for team in teams_mobilised(session, level, unit):
            if team.availability is not Availability.UNAVAILABLE:
                wanted[team.id] = team
    now = utcnow()
    current = {m.team_id: m for m in incident.mobilisations}
    for team_id, mob in current.items():
        if team_id not in wanted and mob.status is MobilisationStatus.CALLED:
            mob.status, mob.stood_down_at = MobilisationStatus.STOOD_DOWN, now
        elif team_id in wanted:
            mob.status, mob.stood_down_at, mob.level = (MobilisationStatus.CALLED, None,
                                                        incident.level)
    for team_id in wanted.keys() - current.keys():
        incident.mobilisations.append(Mobilisation(team_id=team_id, level=incident.level,
                                                   called_at=now))
    for task in incident.checklist:
        if task.done_at is None and task.level != incident.level:
            task.cancelled = True
    if not any(t.level == incident.level and not t.cancelled for t in incident.checklist):
        incident.checklist += [IncidentTask(level=incident.level, text_zh=c.text_zh,
                                            text_en=c.text_en, owner=c.owner)
                               for c in level.checklist]
    session.flush()


def change_level(session: Session, code: str, level: int) -> None:
    """Raise or lower the response level: re-mobilise teams and the checklist."""
    _check_level(level)
    with unit_of_work(session):
        incident = writable(session, code)
        if incident.level == level:
            raise Conflict(_("Incident %(code)s is already at level %(level)s.", code=code,
                             level=level), field="level")
        incident.level = level
        _record(incident, IncidentEventKind.LEVEL_CHANGED)
        _mobilise(session, incident)
        notices.incident_changed(session, incident, "level_changed")


def set_areas(session: Session, code: str, areas: list[AreaInput]) -> None:
    """Replace the affected areas (and their people); teams re-mobilise for the new set."""
    if not areas:
        raise ValidationFailed(_("Name at least one affected area."), field="areas")
    with unit_of_work(session):
        incident = writable(session, code)
        resolved = _resolve_areas(session, areas)
        if district_of(session, resolved[0][0]).id != incident.district_id:
            raise ValidationFailed(_("All affected areas must lie in one district."),
                                   field="areas")
        existing = {ia.area_id: ia for ia in incident.areas}
        keep = []
        for area, given in resolved:
            row = existing.get(area.id) or IncidentArea(area_id=area.id)
            for key, value in _people(area, incident.hazard, given).items():
                setattr(row, key, value)
            keep.append(row)
        incident.areas = keep
        session.flush()
        _mobilise(session, incident)


def tick_task(session: Session, code: str, task_id: int, done: bool = True) -> None:
    """Mark a checklist action done (or not done again)."""
    with unit_of_work(session):
        incident = writable(session, code)
        task = next((t for t in incident.checklist if t.id == task_id), None)
        if task is None:
            raise NotFound(_("No checklist action %(id)s in this incident.", id=task_id),
                           field="task")
        task.done_at = utcnow() if done else None
        task.done_by = actor().label if done else ""


def close(session: Session, code: str) -> None:
    """End the response: teams stand down. Open dispatches must be delivered or cancelled."""
    from app.incidents.enums import OPEN_DISPATCHES
    from app.incidents.models import Dispatch

    with unit_of_work(session):
        incident = writable(session, code)
        open_orders = session.scalar(select(func.count()).select_from(Dispatch).where(
            Dispatch.incident_id == incident.id, Dispatch.status.in_(OPEN_DISPATCHES)))
        if open_orders:
            raise Conflict(_("%(n)s dispatch orders are still open: deliver or cancel them "
                             "first.", n=open_orders), field="incident")
        now = utcnow()
        incident.status, incident.closed_at = IncidentStatus.CLOSED, now
        _record(incident, IncidentEventKind.CLOSED)
        notices.incident_changed(session, incident, "closed")
        for mob in incident.mobilisations:
            if mob.status is MobilisationStatus.CALLED:
                mob.status, mob.stood_down_at = MobilisationStatus.STOOD_DOWN, now
