"""Drills: plan them (one date or an RFC 5545 recurrence), confirm, cancel, exercise.

Times are stored in UTC and entered and shown in the district's time zone.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from dateutil.rrule import rrulestr
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.contingency.models import ContingencyPlan
from app.core.access import require_writer
from app.core.clock import local_date, local_tz
from app.core.db import unit_of_work
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.fields import enum_field, optional_enum_field
from app.core.i18n import _
from app.core.lookup import (
    actor,
    by_code,
    ensure_applies,
    ensure_in_scope,
    next_codes,
    reject_unknown,
    scoped_by_code,
)
from app.core.vocabulary import Hazard, SourceStatus
from app.drills.enums import (
    DISCUSSION_BASED,
    DrillForm,
    DrillScope,
    DrillStatus,
    DrillUnit,
    ExerciseType,
)
from app.drills.models import Drill, DrillRecord, DrillRequirement
from app.resources.models import Shelter, Team

MAX_OCCURRENCES = 60  # a series longer than this is a typo (FREQ=DAILY without COUNT)
MAX_SERIES_YEARS = 3


@cache
def settings() -> dict[str, Any]:
    """The seeded drill rules, targets and reminder settings (app/seeds/drills.toml)."""
    text = resources.files("app.seeds").joinpath("drills.toml").read_text("utf-8")
    return tomllib.loads(text)


def seed_requirements(session: Session) -> int:
    """Add the default drill-frequency rules that are missing; edited ones stay as they are."""
    have = set(session.scalars(select(DrillRequirement.code)))
    added = 0
    for raw in settings()["requirement"]:
        if raw["code"] in have:
            continue
        session.add(DrillRequirement(
            **{**raw, "unit": DrillUnit(raw["unit"]),
               "form": DrillForm(raw["form"]) if raw.get("form") else None,
               "source_status": SourceStatus(raw["source_status"])}))
        added += 1
    session.flush()
    return added


@dataclass(frozen=True)
class Occurrences:
    """The start times an RRULE produces from a first start, capped and checked."""

    starts: list[datetime]
    rule: str


def occurrences(rule: str, first: datetime) -> Occurrences:
    """Expand an RRULE (with or without the 'RRULE:' prefix) in local time."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        return Occurrences([first], "")
    local_first = first.astimezone(local_tz()).replace(tzinfo=None)
    try:
        parsed = rrulestr(text, dtstart=local_first)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(_("The recurrence rule is not valid RFC 5545: %(error)s",
                                 error=str(exc)), field="rrule") from None
    limit = local_first + timedelta(days=366 * MAX_SERIES_YEARS)
    starts = []
    for moment in parsed.xafter(local_first, count=MAX_OCCURRENCES + 1, inc=True):
        if moment > limit:
            break
        starts.append(moment)
    if not starts:
        raise ValidationFailed(_("The recurrence rule produces no date."), field="rrule")
    if len(starts) > MAX_OCCURRENCES or ("COUNT" not in text.upper()
                                         and "UNTIL" not in text.upper()):
        raise ValidationFailed(_("A recurrence needs COUNT or UNTIL and at most %(n)s dates "
                                 "within %(years)s years.", n=MAX_OCCURRENCES,
                                 years=MAX_SERIES_YEARS), field="rrule")
    tz = local_tz()
    return Occurrences([s.replace(tzinfo=tz).astimezone(UTC) for s in starts], text)


def next_drill_codes(session: Session, year: int, n: int) -> list[str]:
    return next_codes(session, Drill.code, f"DRL-{year}-", n)


FIELDS = {"title", "exercise_type", "form", "scope", "unit", "hazard", "area", "plan",
          "objectives", "starts_at", "ends_at", "duration_minutes", "venue_shelter",
          "venue_address", "expected_participants", "teams", "rrule", "notes"}


def _linked_plan(session: Session, code: str) -> int:
    """A plan a drill may exercise: its area's own, or a plan of an area above it."""
    plan = by_code(session, ContingencyPlan, code, "plan")
    ensure_applies(plan, "plan")
    return plan.id


def _clean(session: Session, data: dict[str, Any], drill: Drill | None) -> dict[str, Any]:
    """Validate and resolve a drill's fields; returns model attribute values."""
    reject_unknown(data, FIELDS)
    out: dict[str, Any] = {}
    if "title" in data:
        if not str(data["title"] or "").strip():
            raise ValidationFailed(_("A drill needs a title."), field="title")
        out["title"] = str(data["title"]).strip()
    for key, cls in (("exercise_type", ExerciseType), ("form", DrillForm),
                     ("scope", DrillScope), ("hazard", Hazard)):
        if key in data:
            out[key] = enum_field(cls, data[key], key)
    if "unit" in data:
        out["unit"] = optional_enum_field(DrillUnit, data["unit"], "unit")
    if "area" in data:
        out["area_id"] = scoped_by_code(session, Area, data["area"], "area").id
    if "plan" in data:
        out["plan_id"] = _linked_plan(session, data["plan"]) if data["plan"] else None
    if "venue_shelter" in data:
        out["venue_shelter_id"] = (scoped_by_code(session, Shelter, data["venue_shelter"],
                                           "venue_shelter").id if data["venue_shelter"] else None)
    for key in ("venue_address", "notes", "rrule"):
        if key in data:
            out[key] = str(data[key] or "").strip()
    if "objectives" in data:
        raw = data["objectives"] or []
        lines = raw.splitlines() if isinstance(raw, str) else raw
        out["objectives"] = [str(o).strip() for o in lines if str(o).strip()]
    if "expected_participants" in data:
        n = data["expected_participants"]
        if not isinstance(n, int) or n < 0:
            raise ValidationFailed(_("Expected participants is a whole number, 0 or more."),
                                   field="expected_participants")
        out["expected_participants"] = n
    if "starts_at" in data:
        out["starts_at"] = _aware(data["starts_at"], "starts_at")
    starts = out.get("starts_at") or (drill.starts_at if drill else None)
    if "ends_at" in data and data["ends_at"]:
        out["ends_at"] = _aware(data["ends_at"], "ends_at")
    elif "duration_minutes" in data or (drill is None or "starts_at" in data):
        old = (drill.ends_at - drill.starts_at) if drill else timedelta(hours=2)
        minutes = data.get("duration_minutes")
        try:
            span = timedelta(minutes=int(minutes)) if minutes else old
        except (TypeError, ValueError):
            raise ValidationFailed(_("A drill lasts at least one minute."),
                                   field="duration_minutes") from None
        if span <= timedelta(0):
            raise ValidationFailed(_("A drill lasts at least one minute."),
                                   field="duration_minutes")
        if starts is not None:
            out["ends_at"] = starts + span
    ends = out.get("ends_at") or (drill.ends_at if drill else None)
    if starts is not None and ends is not None and ends < starts:
        raise ValidationFailed(_("A drill ends after it starts."), field="ends_at")
    if "teams" in data:
        raw = data["teams"] or []
        out["teams"] = [scoped_by_code(session, Team, str(c), "teams")
                        for c in ([raw] if isinstance(raw, str) else raw)]
    return out


def _aware(value: Any, field: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(_("'%(value)s' is not a date and time (YYYY-MM-DDTHH:MM).",
                                     value=value), field=field) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, 9, 0)
    if not isinstance(value, datetime):
        raise ValidationFailed(_("A date and time is needed."), field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_tz())
    return value.astimezone(UTC)


REQUIRED = ("title", "exercise_type", "form", "hazard", "area", "starts_at")


def create(session: Session, data: dict[str, Any]) -> list[str]:
    """Plan a drill, or every date of its recurrence; returns the new codes (first first)."""
    require_writer("drills")
    for key in REQUIRED:
        if data.get(key) in (None, ""):
            raise ValidationFailed(_("This field is required."), field=key)
    with unit_of_work(session):
        values = _clean(session, data, None)
        teams = values.pop("teams", [])
        series = occurrences(values.get("rrule", ""), values["starts_at"])
        _check_fit(values)
        span = values["ends_at"] - values["starts_at"]
        codes = next_drill_codes(session, local_date(series.starts[0]).year, len(series.starts))
        first: Drill | None = None
        for code, start in zip(codes, series.starts, strict=True):
            drill = Drill(**{**values, "code": code, "starts_at": start, "ends_at": start + span,
                             "rrule": series.rule, "created_by": actor().label})
            drill.teams = list(teams)
            if first is not None:
                drill.series_id = first.id
            session.add(drill)
            session.flush()
            first = first or drill
        return codes


def _check_fit(values: dict[str, Any]) -> None:
    """An operations-based exercise is live; a discussion-based one is at a table."""
    kind, form = values.get("exercise_type"), values.get("form")
    if kind is None or form is None:
        return
    if kind in DISCUSSION_BASED and form is DrillForm.LIVE:
        raise ValidationFailed(_("A %(kind)s is discussion-based: choose the tabletop form.",
                                 kind=kind.label()), field="form")
    if kind not in DISCUSSION_BASED and form is DrillForm.TABLETOP:
        raise ValidationFailed(_("A %(kind)s is operations-based: choose the live form.",
                                 kind=kind.label()), field="form")


def load(session: Session, code: str) -> Drill:
    drill = session.scalar(select(Drill).where(Drill.code == code).options(
        selectinload(Drill.teams), selectinload(Drill.area),
        selectinload(Drill.record).selectinload(DrillRecord.attendance)))
    if drill is None:
        raise NotFound(_("No drill with code '%(code)s'.", code=code), field="drill")
    ensure_in_scope(drill, "drill")
    return drill


def update(session: Session, code: str, data: dict[str, Any]) -> Drill:
    require_writer("drills")
    with unit_of_work(session):
        drill = load(session, code)
        if drill.status in (DrillStatus.DONE, DrillStatus.CANCELLED):
            raise Conflict(_("Drill %(code)s is %(status)s and can no longer be changed.",
                             code=code, status=drill.status.label()), field="status")
        if "rrule" in data and str(data["rrule"] or "").strip() != drill.rrule:
            raise ValidationFailed(_("Change a series by cancelling its remaining dates and "
                                     "planning a new one."), field="rrule")
        values = _clean(session, data, drill)
        teams = values.pop("teams", None)
        _check_fit({"exercise_type": values.get("exercise_type", drill.exercise_type),
                    "form": values.get("form", drill.form)})
        for key, value in values.items():
            setattr(drill, key, value)
        if teams is not None:
            drill.teams = teams
        session.flush()
        return drill


def set_status(session: Session, code: str, status: str) -> Drill:
    """Confirm or cancel a planned drill (done comes from recording it)."""
    require_writer("drills")
    new = enum_field(DrillStatus, status, "status")
    with unit_of_work(session):
        drill = load(session, code)
        allowed = {DrillStatus.PLANNED: {DrillStatus.CONFIRMED, DrillStatus.CANCELLED},
                   DrillStatus.CONFIRMED: {DrillStatus.PLANNED, DrillStatus.CANCELLED},
                   DrillStatus.CANCELLED: {DrillStatus.PLANNED}}.get(drill.status, set())
        if new not in allowed:
            raise Conflict(_("A drill that is %(old)s cannot become %(new)s.",
                             old=drill.status.label(), new=new.label()), field="status")
        drill.status = new
        session.flush()
        return drill


def in_scope(prefix: str) -> Select[tuple[Drill]]:
    """Drills of areas in the subtree at `prefix` (a principal's scope)."""
    return (select(Drill).join(Area, Area.id == Drill.area_id)
            .where(Area.path.startswith(prefix)))


def between(session: Session, start: date, end: date, *, area: Area | None = None,
            team: Team | None = None, include_cancelled: bool = False) -> list[Drill]:
    """Drills starting on local dates start..end (inclusive) in the actor's scope."""
    tz = local_tz()
    lo = datetime(start.year, start.month, start.day, tzinfo=tz).astimezone(UTC)
    hi = (datetime(end.year, end.month, end.day, tzinfo=tz) + timedelta(days=1)).astimezone(UTC)
    stmt = in_scope(area.path if area is not None else actor().area_path).where(
        Drill.starts_at >= lo, Drill.starts_at < hi)
    if team is not None:
        stmt = stmt.where(Drill.teams.any(Team.id == team.id))
    if not include_cancelled:
        stmt = stmt.where(Drill.status != DrillStatus.CANCELLED)
    return list(session.scalars(stmt.options(selectinload(Drill.teams),
                                             selectinload(Drill.area))
                                .order_by(Drill.starts_at, Drill.id)))


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Drill.status, func.count()).join(Area, Area.id == Drill.area_id)
        .where(Area.path.startswith(actor().area_path)).group_by(Drill.status))
    return {status.value: n for status, n in rows}
