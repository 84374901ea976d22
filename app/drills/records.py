"""Drill records (after-action reports) and exercise incidents run from a drill."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import _
from app.core.lookup import actor, reject_unknown, scoped_by_code
from app.core.vocabulary import AreaLevel
from app.drills import services as drills
from app.drills.enums import DrillStatus, Rating
from app.drills.models import (
    Attendance,
    CapabilityRating,
    Drill,
    DrillRecord,
    Measure,
    TimelineEvent,
)
from app.drills.seeds import aspect_keys
from app.incidents import services as incidents
from app.incidents import workflows
from app.incidents.allocation import services as allocation
from app.resources.models import Member, Team

ASPECTS = aspect_keys()  # app/seeds/drills.toml [evaluation]
LIST_FIELDS = ("attendance", "events", "measures", "ratings")
TEXT_FIELDS = ("summary",)
FIELDS = {*LIST_FIELDS, *TEXT_FIELDS, "strengths", "improvements", "evaluation", "complete"}


def recordable(drill: Drill) -> bool:
    """A cancelled drill has nothing to record; any other can be recorded (ahead, too)."""
    return drill.status is not DrillStatus.CANCELLED


def can_exercise(drill: Drill) -> bool:
    """An exercise incident runs once per drill, and never for a cancelled one."""
    return recordable(drill) and (drill.record is None
                                  or drill.record.exercise_incident_id is None)


def _record(session: Session, drill: Drill) -> DrillRecord:
    if drill.record is None:
        drill.record = DrillRecord(drill_id=drill.id, recorded_by=actor().label)
        session.flush()
    return drill.record


def save(session: Session, code: str, data: dict[str, Any]) -> Drill:
    """Write a drill's record; each list given replaces the old one. complete=True marks the
    drill done (it must have started and have at least one attendance or timeline entry)."""
    require_writer("drills")
    reject_unknown(data, FIELDS)
    for key in LIST_FIELDS:
        rows = data.get(key) or []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValidationFailed(_("Each row is an object."), field=key)
    if not isinstance(data.get("evaluation") or {}, dict):
        raise ValidationFailed(_("The evaluation maps each aspect to a text."),
                               field="evaluation")
    with unit_of_work(session):
        drill = drills.load(session, code)
        if not recordable(drill):
            raise Conflict(_("Drill %(code)s was cancelled; there is nothing to record.",
                             code=code), field="status")
        record = _record(session, drill)
        if "summary" in data:
            record.summary = str(data["summary"] or "")
        for key in ("strengths", "improvements"):
            if key in data:
                raw = data[key] or []
                lines = raw.splitlines() if isinstance(raw, str) else raw
                setattr(record, key, [str(x).strip() for x in lines if str(x).strip()])
        if "evaluation" in data:
            record.evaluation = _evaluation(data["evaluation"] or {})
        if "attendance" in data:
            record.attendance = _attendance(session, drill, data["attendance"] or [])
        if "events" in data:
            record.events = [_event(i, e) for i, e in enumerate(data["events"] or [])]
        if "measures" in data:
            record.measures = [_measure(i, m) for i, m in enumerate(data["measures"] or [])]
        if "ratings" in data:
            record.ratings = _ratings(data["ratings"] or [])
        record.recorded_by = actor().label
        session.flush()
        if data.get("complete"):
            _complete(drill, record)
        session.flush()
        return drill


def _complete(drill: Drill, record: DrillRecord) -> None:
    if drill.starts_at > datetime.now(drill.starts_at.tzinfo):
        raise ValidationFailed(_("Drill %(code)s has not started yet; record it once held.",
                                 code=drill.code), field="complete")
    if not record.attendance and not record.events:
        raise ValidationFailed(_("Record who attended or what happened before marking the "
                                 "drill done."), field="attendance")
    drill.status = DrillStatus.DONE


def _evaluation(raw: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in raw.items():
        if key not in ASPECTS:
            raise ValidationFailed(_("Unknown evaluation aspect '%(key)s'.", key=key),
                                   field=f"evaluation.{key}")
        if str(value or "").strip():
            out[key] = str(value).strip()
    return out


def _attendance(session: Session, drill: Drill, rows: list[dict[str, Any]]) -> list[Attendance]:
    out: list[Attendance] = []
    seen: set[tuple[int, int | None]] = set()
    for i, row in enumerate(rows):
        team = scoped_by_code(session, Team, str(row.get("team", "")), f"attendance.{i}.team")
        member_id = None
        if row.get("member") not in (None, ""):
            try:
                member = session.get(Member, int(row["member"]))
            except (TypeError, ValueError):
                member = None
            if member is None or member.team_id != team.id:
                raise ValidationFailed(_("Member %(member)s is not in team %(team)s.",
                                         member=row["member"], team=team.code),
                                       field=f"attendance.{i}.member")
            member_id = member.id
        expected, present = row.get("expected", 0), row.get("present", 0)
        for key, value in (("expected", expected), ("present", present)):
            if not isinstance(value, int) or value < 0:
                raise ValidationFailed(_("A head count is a whole number, 0 or more."),
                                       field=f"attendance.{i}.{key}")
        if (team.id, member_id) in seen:
            raise ValidationFailed(_("Team %(team)s is listed twice.", team=team.code),
                                   field=f"attendance.{i}.team")
        seen.add((team.id, member_id))
        out.append(Attendance(team_id=team.id, member_id=member_id, expected=expected,
                              present=present))
    return out


def _event(i: int, raw: dict[str, Any]) -> TimelineEvent:
    text = str(raw.get("text", "")).strip()
    if not text:
        raise ValidationFailed(_("A timeline entry says what happened."),
                               field=f"events.{i}.text")
    return TimelineEvent(at=drills._aware(raw.get("at"), f"events.{i}.at"), text=text[:500])


def parse_duration(raw: Any, field: str) -> int:
    """Seconds from 250, "250", "4:10" (min:s) or "4 min 10 s"."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        seconds = raw
    else:
        text = str(raw or "").strip().lower().replace("min", ":").replace("分", ":") \
            .replace("秒", "").replace("s", "").replace(" ", "")
        try:
            if ":" in text:
                minutes, _sep, secs = text.partition(":")
                seconds = int(minutes or 0) * 60 + int(secs or 0)
            else:
                seconds = int(text)
        except ValueError:
            raise ValidationFailed(_("'%(value)s' is not a duration (seconds, or m:ss).",
                                     value=raw), field=field) from None
    if seconds < 0:
        raise ValidationFailed(_("A duration cannot be negative."), field=field)
    return seconds


def _measure(i: int, raw: dict[str, Any]) -> Measure:
    name = str(raw.get("name", "")).strip()
    if not name:
        raise ValidationFailed(_("Name what was measured."), field=f"measures.{i}.name")
    target = parse_duration(raw.get("target_seconds"), f"measures.{i}.target_seconds")
    if target <= 0:
        raise ValidationFailed(_("A target time is more than zero."),
                               field=f"measures.{i}.target_seconds")
    return Measure(name=name[:200], target_seconds=target,
                   actual_seconds=parse_duration(raw.get("actual_seconds"),
                                                 f"measures.{i}.actual_seconds"),
                   source=str(raw.get("source", ""))[:300])


def _ratings(rows: list[dict[str, Any]]) -> list[CapabilityRating]:
    out, seen = [], set()
    for i, raw in enumerate(rows):
        capability = str(raw.get("capability", "")).strip()
        if not capability:
            raise ValidationFailed(_("Name the capability rated."),
                                   field=f"ratings.{i}.capability")
        if capability in seen:
            raise ValidationFailed(_("Capability '%(name)s' is rated twice.", name=capability),
                                   field=f"ratings.{i}.capability")
        seen.add(capability)
        try:
            rating = Rating(str(raw.get("rating", "")).strip().upper())
        except ValueError:
            raise ValidationFailed(_("A rating is P, S, M or U."),
                                   field=f"ratings.{i}.rating") from None
        out.append(CapabilityRating(capability=capability[:200], rating=rating,
                                    note=str(raw.get("note", ""))))
    return out


def run_exercise(session: Session, code: str, level: int = 4) -> tuple[str, int]:
    """Run the incident workflow for the drill in exercise mode (no stock touched) and keep
    the incident and its plan in the record. Returns (incident code, plan number)."""
    require_writer("drills")
    drill = drills.load(session, code)
    if not recordable(drill):
        raise Conflict(_("Drill %(code)s was cancelled.", code=code), field="status")
    if drill.record is not None and drill.record.exercise_incident_id is not None:
        raise Conflict(_("Drill %(code)s already ran its exercise (%(incident)s).",
                         code=code, incident=drill.record.exercise_incident.code),
                       field="drill")
    areas = _exercise_areas(drill)
    done = workflows.declare(
        session, title=_("Exercise: %(title)s", title=drill.title), hazard=drill.hazard.value,
        level=level, areas=areas, exercise=True, started_at=drill.starts_at,
        notes=_("Run from drill %(code)s.", code=drill.code)).raise_error()
    incident_code, number = done.code, done.plan
    assert number is not None  # raise_error: a plan was made
    plan = allocation.get_plan(session, incident_code, number)
    with unit_of_work(session):
        drill = drills.load(session, code)
        record = _record(session, drill)
        incident = incidents.load(session, incident_code)
        record.exercise_incident_id = incident.id
        record.exercise_plan_number = number
        record.exercise_summary = {
            "incident": incident_code, "plan": number, "level": level,
            "areas": [ia.area.code for ia in incident.areas],
            "evacuees": sum(ia.displaced for ia in incident.areas),
            "shipments": len(plan.shipments), "placements": len(plan.placements),
            "assignments": len(plan.assignments),
            "teams_called": sorted(m.team.code for m in incident.mobilisations),
        }
        session.flush()
    return incident_code, number


def _exercise_areas(drill: Drill) -> list[incidents.AreaInput]:
    """A drill of a community or grid exercises that area; of a street, its communities."""
    area = drill.area
    if area.level in (AreaLevel.COMMUNITY, AreaLevel.GRID):
        return [incidents.AreaInput(area.code)]
    communities = [c for c in area.children if c.level is AreaLevel.COMMUNITY]
    if not communities:
        raise ValidationFailed(_("An exercise needs a community or grid to strike; %(code)s "
                                 "has none.", code=area.code), field="area")
    return [incidents.AreaInput(c.code) for c in communities]
