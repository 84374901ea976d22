"""Drills: plan them (one date or an RFC 5545 recurrence), confirm, cancel, exercise.

Times are stored in UTC and entered and shown in the district's time zone. The drill status
machine is DRILL_MOVES, here, and nowhere else: the pages show the moves `allowed_moves`
gives and the API accepts what `set_status` accepts.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.contingency.models import ContingencyPlan
from app.core.access import require_writer
from app.core.clock import local_date, local_tz
from app.core.db import unit_of_work
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
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
from app.core.vocabulary import Hazard
from app.drills.enums import (
    DISCUSSION_BASED,
    DrillForm,
    DrillScope,
    DrillStatus,
    DrillUnit,
    ExerciseType,
)
from app.drills.models import Drill, DrillRecord
from app.drills.recurrence import MAX_OCCURRENCES, MAX_SERIES_YEARS, Occurrences, occurrences
from app.drills.seeds import evaluation_aspects, seed_requirements, settings
from app.resources.models import Shelter, Team

__all__ = ["MAX_OCCURRENCES", "MAX_SERIES_YEARS", "Occurrences", "evaluation_aspects",
           "local_date", "local_tz", "occurrences", "seed_requirements", "settings"]

# From a status, the statuses a drill may be moved to (in the order the page offers them).
# Done is no move: recording a held drill makes it done (records.save).
DRILL_MOVES: dict[DrillStatus, tuple[DrillStatus, ...]] = {
    DrillStatus.PLANNED: (DrillStatus.CONFIRMED, DrillStatus.CANCELLED),
    DrillStatus.CONFIRMED: (DrillStatus.PLANNED, DrillStatus.CANCELLED),
    DrillStatus.CANCELLED: (DrillStatus.PLANNED,),
    DrillStatus.DONE: (),
}
# The statuses a move can reach (what POST .../status accepts).
SETTABLE = tuple(s for s in DrillStatus if any(s in to for to in DRILL_MOVES.values()))
OPEN_DRILLS = (DrillStatus.PLANNED, DrillStatus.CONFIRMED)  # may still change


def allowed_moves(drill: Drill) -> list[DrillStatus]:
    """The statuses this drill may be moved to now."""
    return list(DRILL_MOVES.get(drill.status, ()))


def editable(drill: Drill) -> bool:
    """A planned or confirmed drill can still be changed; a done or cancelled one cannot."""
    return drill.status in OPEN_DRILLS


def next_drill_codes(session: Session, year: int, n: int) -> list[str]:
    return next_codes(session, Drill.code, f"DRL-{year}-", n)


FIELDS = {"title", "exercise_type", "form", "scope", "unit", "hazard", "area", "plan",
          "objectives", "starts_at", "ends_at", "duration_minutes", "venue_shelter",
          "venue_address", "expected_participants", "teams", "rrule", "notes", "director"}


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
    for key in ("venue_address", "notes", "rrule", "director"):
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
        if not editable(drill):
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


def _parse_status(status: str) -> DrillStatus:
    new = enum_field(DrillStatus, status, "status")
    if new not in SETTABLE:
        raise ValidationFailed(_("A drill becomes %(status)s by recording it, not by a move.",
                                 status=new.label()), field="status")
    return new


def _move(drill: Drill, new: DrillStatus) -> None:
    """Move one drill along DRILL_MOVES (no commit: the caller owns the transaction)."""
    if new not in allowed_moves(drill):
        raise Conflict(_("A drill that is %(old)s cannot become %(new)s.",
                         old=drill.status.label(), new=new.label()), field="status")
    drill.status = new


def set_status(session: Session, code: str, status: str) -> Drill:
    """Confirm, cancel or re-plan a drill (done comes from recording it)."""
    require_writer("drills")
    new = _parse_status(status)
    with unit_of_work(session):
        drill = load(session, code)
        _move(drill, new)
        session.flush()
        return drill


def series_of(session: Session, drill: Drill) -> list[Drill]:
    """Every date of the drill's series, soonest first (just the drill when it has none)."""
    root = drill.series_id or drill.id
    return list(session.scalars(select(Drill).where(
        or_(Drill.id == root, Drill.series_id == root)).order_by(Drill.starts_at, Drill.id)))


def cancel_rest_of_series(session: Session, code: str, reason: str | None = None) -> list[str]:
    """Cancel this drill and every later planned or confirmed date of its series, in one
    transaction; done and cancelled later dates are left as they are. A later date the actor
    may not change (outside their areas) cancels nothing. Returns the cancelled codes, soonest
    first. A reason is added to the notes of each cancelled drill."""
    require_writer("drills")
    note = str(reason or "").strip()
    with unit_of_work(session):
        drill = load(session, code)
        rest = [d for d in series_of(session, drill) if d.starts_at > drill.starts_at
                and d.status in OPEN_DRILLS]
        for other in rest:
            try:
                ensure_in_scope(other, "series")
            except Forbidden:
                raise Forbidden(_("Drill %(code)s of this series belongs to an area outside "
                                  "your responsibility: no date was cancelled.",
                                  code=other.code), field="series") from None
        cancelled = [drill, *rest]
        for one in cancelled:
            _move(one, DrillStatus.CANCELLED)
            if note:
                line = _("Cancelled: %(reason)s", reason=note)
                one.notes = f"{one.notes}\n{line}" if one.notes else line
        session.flush()
        return [d.code for d in cancelled]


def in_scope(prefix: str) -> Select[tuple[Drill]]:
    """Drills of areas in the subtree at `prefix` (a principal's scope)."""
    return (select(Drill).join(Area, Area.id == Drill.area_id)
            .where(Area.path.startswith(prefix)))


def local_bounds(start: date | None, end: date | None) -> tuple[datetime | None,
                                                                 datetime | None]:
    """UTC bounds of the local dates start..end (inclusive); None where open."""
    tz = local_tz()
    lo = datetime(start.year, start.month, start.day, tzinfo=tz).astimezone(UTC) \
        if start else None
    hi = (datetime(end.year, end.month, end.day, tzinfo=tz) + timedelta(days=1)).astimezone(
        UTC) if end else None
    return lo, hi


def search(session: Session, prefix: str, *, start: date | None = None,
           end: date | None = None, team: str | None = None,
           status: str | None = None) -> Select[tuple[Drill]]:
    """Drills of the subtree at `prefix` on local dates start..end, of a team, by status
    (the API's list; an unknown team is bad input)."""
    if start and end and end < start:
        raise ValidationFailed(_("The end date is on or after the start date."), field="to")
    stmt = in_scope(prefix).options(selectinload(Drill.teams), selectinload(Drill.area),
                                    selectinload(Drill.record))
    lo, hi = local_bounds(start, end)
    if lo is not None:
        stmt = stmt.where(Drill.starts_at >= lo)
    if hi is not None:
        stmt = stmt.where(Drill.starts_at < hi)
    if team:
        if session.scalar(select(Team.id).where(Team.code == team)) is None:
            raise ValidationFailed(_("No %(noun)s with code '%(code)s'.", noun=_("team"),
                                     code=team), field="team")
        stmt = stmt.where(Drill.teams.any(Team.code == team))
    if status:
        stmt = stmt.where(Drill.status == enum_field(DrillStatus, status, "status"))
    return stmt


def between(session: Session, start: date, end: date, *, area: Area | None = None,
            team: Team | None = None, include_cancelled: bool = False) -> list[Drill]:
    """Drills starting on local dates start..end (inclusive) in the actor's scope."""
    lo, hi = local_bounds(start, end)
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
