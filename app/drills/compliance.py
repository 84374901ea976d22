"""Drill requirements (editable rules with sources) and the compliance they imply per area.

An area meets a rule when, within the last `every_months`, at least `min_drills` drills of
the rule's form (if any) were done in it or in the areas below it. Its next drill is due
`every_months` after the latest one; an area that has never drilled is due now.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.access import require_writer
from app.core.clock import district_today
from app.core.db import unit_of_work
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.i18n import _
from app.core.lookup import actor, reject_unknown
from app.core.vocabulary import Labelled, SourceStatus, _with_labels
from app.drills import services as drills
from app.drills.enums import AREA_UNITS, DrillForm, DrillStatus, DrillUnit
from app.drills.models import Drill, DrillRequirement


class Standing(Labelled):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    PLANNED = "planned"
    OK = "ok"


_with_labels(Standing, {"overdue": ("已逾期", "Overdue"), "due_soon": ("即将到期", "Due soon"),
                       "planned": ("已安排", "Planned"), "ok": ("合规", "Up to date")})


@dataclass(frozen=True)
class Row:
    requirement: DrillRequirement
    area: Area
    done_in_window: int
    last_done: date | None
    next_due: date
    next_planned: date | None
    standing: Standing

    @property
    def days_left(self) -> int:
        return (self.next_due - district_today()).days


def _areas_for(session: Session, req: DrillRequirement, prefix: str) -> list[Area]:
    stmt = select(Area).where(Area.path.startswith(prefix))
    if req.unit in AREA_UNITS:
        stmt = stmt.where(Area.level == req.unit.value)
    else:
        if not req.area_codes:
            return []
        stmt = stmt.where(Area.code.in_(req.area_codes))
    return list(session.scalars(stmt.order_by(Area.path)))


def compliance(session: Session, today: date, *, area: Area | None = None,
               requirement: str | None = None) -> list[Row]:
    """Every (rule, area) pair in scope with its standing, worst first."""
    prefix = area.path if area is not None else actor().area_path
    soon = drills.settings()["reminders"]["due_soon_days"]
    reqs = session.scalars(select(DrillRequirement).where(DrillRequirement.active.is_(True))
                           .order_by(DrillRequirement.code)).all()
    if requirement:
        reqs = [r for r in reqs if r.code == requirement]
    # All drills in scope once: (area path, local date, form, unit, status).
    rows = session.execute(
        select(Area.path, Drill.starts_at, Drill.form, Drill.unit, Drill.status)
        .join(Area, Area.id == Drill.area_id)
        .where(Area.path.startswith(prefix), Drill.status != DrillStatus.CANCELLED)).all()
    held = [(path, drills.local_date(at), form, unit, status) for path, at, form, unit, status
            in rows]
    out = []
    for req in reqs:
        for target in _areas_for(session, req, prefix):
            out.append(_row(req, target, held, today, soon))
    order = list(Standing)
    return sorted(out, key=lambda r: (order.index(r.standing), r.next_due, r.area.path))


def _row(req: DrillRequirement, area: Area, held: list[tuple[Any, ...]], today: date,
         soon: int) -> Row:
    def counts(form: DrillForm | None, unit: DrillUnit | None) -> bool:
        if req.form is not None and form is not req.form:
            return False
        # A unit rule (school, venue) counts only drills recorded for that kind of unit.
        return req.unit in AREA_UNITS or unit is req.unit

    mine = [(day, status) for path, day, form, unit, status in held
            if path.startswith(area.path) and counts(form, unit)]
    done = sorted(day for day, status in mine if status is DrillStatus.DONE and day <= today)
    period = relativedelta(months=req.every_months)
    in_window = [d for d in done if d > today - period]
    # Compliance lapses `every_months` after the min_drills-th most recent drill.
    next_due = done[-req.min_drills] + period if len(done) >= req.min_drills else today
    planned = sorted(day for day, status in mine
                     if status in (DrillStatus.PLANNED, DrillStatus.CONFIRMED) and day >= today)
    next_planned = planned[0] if planned else None
    if len(done) < req.min_drills or next_due < today:
        standing = Standing.OVERDUE
    elif (next_due - today).days > soon:
        standing = Standing.OK
    elif next_planned is not None and next_planned <= next_due:
        standing = Standing.PLANNED
    else:
        standing = Standing.DUE_SOON
    return Row(req, area, len(in_window), done[-1] if done else None, next_due, next_planned,
               standing)


@dataclass(frozen=True)
class Overview:
    """The compliance rows asked for, with how many of all rows stand where."""

    counts: dict[str, int]
    rows: list[Row]


def overview(session: Session, today: date, *, area: Area | None = None,
             requirement: str | None = None, standing: str | None = None) -> Overview:
    """Compliance for the page and the API: counts per standing of every row in scope (of
    one rule, if named: an unknown rule is bad input), then the rows of one standing."""
    if requirement and session.scalar(select(DrillRequirement.id).where(
            DrillRequirement.code == requirement)) is None:
        raise ValidationFailed(_("No drill requirement with code '%(code)s'.",
                                 code=requirement), field="requirement")
    rows = compliance(session, today, area=area, requirement=requirement)
    counts = {s.value: 0 for s in Standing}
    for row in rows:
        counts[row.standing.value] += 1
    if standing:
        rows = [r for r in rows if r.standing.value == standing]
    return Overview(counts, rows)


REQ_FIELDS = {"code", "name_zh", "name_en", "unit", "every_months", "min_drills", "form",
              "area_codes", "source", "source_status", "active"}


def save_requirement(session: Session, data: dict[str, Any], code: str | None = None
                     ) -> DrillRequirement:
    """Create (code None) or change a rule. A rule always names its source."""
    require_writer("requirements")
    reject_unknown(data, REQ_FIELDS)
    with unit_of_work(session):
        if code is None:
            for key in ("code", "name_zh", "unit", "every_months", "source"):
                if data.get(key) in (None, ""):
                    raise ValidationFailed(_("This field is required."), field=key)
            if session.scalar(select(DrillRequirement).where(
                    DrillRequirement.code == data["code"])) is not None:
                raise Conflict(_("The code '%(code)s' is already used.", code=data["code"]),
                               field="code")
            req = DrillRequirement(code=str(data["code"]).strip())
            session.add(req)
        else:
            req = requirement(session, code)
        for key in ("name_zh", "name_en", "source"):
            if key in data:
                value = str(data[key] or "").strip()
                if key != "name_en" and not value:
                    raise ValidationFailed(_("This field is required."), field=key)
                setattr(req, key, value)
        for key in ("every_months", "min_drills"):
            if key in data:
                if not isinstance(data[key], int) or data[key] < 1:
                    raise ValidationFailed(_("A whole number, 1 or more."), field=key)
                setattr(req, key, data[key])
        for key, cls in (("unit", DrillUnit), ("form", DrillForm),
                         ("source_status", SourceStatus)):
            if key in data:
                if data[key] in (None, "") and key == "form":
                    req.form = None
                    continue
                try:
                    setattr(req, key, cls.parse(str(data[key])))  # type: ignore[attr-defined]
                except ValueError as exc:
                    raise ValidationFailed(str(exc), field=key) from None
        if "area_codes" in data:
            codes = [str(c).strip() for c in data["area_codes"] or [] if str(c).strip()]
            found = set(session.scalars(select(Area.code).where(Area.code.in_(codes))))
            missing = [c for c in codes if c not in found]
            if missing:
                raise ValidationFailed(_("No area with code '%(code)s'.", code=missing[0]),
                                       field="area_codes")
            req.area_codes = codes
        if "active" in data:
            req.active = bool(data["active"])
        if req.min_drills is None:
            req.min_drills = 1
        session.flush()
        return req


def requirement(session: Session, code: str) -> DrillRequirement:
    req = session.scalar(select(DrillRequirement).where(DrillRequirement.code == code))
    if req is None:
        raise NotFound(_("No drill requirement with code '%(code)s'.", code=code),
                       field="requirement")
    return req


def requirements(session: Session) -> list[DrillRequirement]:
    return list(session.scalars(select(DrillRequirement).order_by(DrillRequirement.code)))
