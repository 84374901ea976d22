"""Corrective actions (the improvement plan): raised from drill findings, chased to closure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.contingency.models import ContingencyPlan
from app.core.access import require_writer
from app.core.clock import district_today
from app.core.db import unit_of_work
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.fields import date_field, enum_field
from app.core.i18n import _
from app.core.lookup import (
    actor,
    ensure_applies,
    ensure_in_scope,
    ensure_visible,
    next_codes,
    reject_unknown,
    scoped_by_code,
)
from app.drills import services as drills
from app.drills.enums import OPEN_ACTIONS, ActionStatus, Poete
from app.drills.models import CorrectiveAction, Drill

FIELDS = {"drill", "area", "title", "element", "capability", "owner", "start_on", "due_on",
          "status", "closing_note", "flags_plan"}
# From a status, the statuses an action may be moved to (in the order the pages offer them).
# Moving to done needs a closing note (CLOSING_NEEDS_NOTE).
ACTION_MOVES: dict[ActionStatus, tuple[ActionStatus, ...]] = {
    ActionStatus.OPEN: (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED),
    ActionStatus.IN_PROGRESS: (ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.CANCELLED),
    ActionStatus.DONE: (ActionStatus.IN_PROGRESS,),  # reopened when the fix did not hold
    ActionStatus.CANCELLED: (ActionStatus.OPEN,),
}
TRANSITIONS = {old: set(new) for old, new in ACTION_MOVES.items()}  # the same, as sets
NEEDS_NOTE = frozenset({ActionStatus.DONE})
# The moves a card offers as one tap (closing needs the edit form, for its note).
QUICK_MOVES = {old: tuple(s for s in new if s not in NEEDS_NOTE)
               for old, new in ACTION_MOVES.items()}


def allowed_moves(action: CorrectiveAction) -> list[ActionStatus]:
    """The statuses this action may be moved to now."""
    return list(ACTION_MOVES[action.status])


def create(session: Session, data: dict[str, Any], today: date | None = None) -> str:
    """Raise a corrective action; from a drill it defaults to the drill's area. flags_plan
    marks the drill's linked plan for revision, with the action as the reason."""
    require_writer("actions")
    today = today or district_today()
    reject_unknown(data, FIELDS)
    for key in ("title", "element", "owner", "due_on"):
        if data.get(key) in (None, ""):
            raise ValidationFailed(_("This field is required."), field=key)
    with unit_of_work(session):
        drill = drills.load(session, data["drill"]) if data.get("drill") else None
        if drill is not None:
            ensure_visible(drill, "drill")
        if drill is not None and data.get("area") in (None, ""):
            area = drill.area
        elif data.get("area"):
            area = scoped_by_code(session, Area, data["area"], "area")
        else:
            raise ValidationFailed(_("Name the drill or the area the action belongs to."),
                                   field="area")
        action = CorrectiveAction(
            code=next_codes(session, CorrectiveAction.code, f"CA-{today.year}-")[0],
            drill_id=drill.id if drill else None,
            area_id=area.id, status=ActionStatus.OPEN,
            start_on=date_field(data.get("start_on") or today, "start_on"))
        _assign(action, data)
        session.add(action)
        session.flush()
        if action.flags_plan:
            _flag_plan(session, action, drill)
        return action.code


def _assign(action: CorrectiveAction, data: dict[str, Any]) -> None:
    for key in ("title", "owner", "capability", "closing_note"):
        if key in data:
            value = str(data[key] or "").strip()
            if key in ("title", "owner") and not value:
                raise ValidationFailed(_("This field is required."), field=key)
            setattr(action, key, value)
    if "element" in data:
        action.element = enum_field(Poete, data["element"], "element")
    if "start_on" in data and data["start_on"]:
        action.start_on = date_field(data["start_on"], "start_on")
    if "due_on" in data:
        action.due_on = date_field(data["due_on"], "due_on")
    if action.due_on < action.start_on:
        raise ValidationFailed(_("The due date is on or after the start date."), field="due_on")
    if "flags_plan" in data:
        action.flags_plan = bool(data["flags_plan"])


def _flag_plan(session: Session, action: CorrectiveAction, drill: Drill | None) -> None:
    plan: ContingencyPlan | None = drill.plan if drill is not None else None
    if plan is None:
        raise ValidationFailed(_("Only a finding of a drill with a linked plan can flag the "
                                 "plan for revision."), field="flags_plan")
    ensure_applies(plan, "flags_plan")  # a plan of one's areas or above, never a sibling's
    plan.needs_revision = True
    plan.revision_reasons = [*plan.revision_reasons,
                             f"{action.code} ({drill.code if drill else ''}): {action.title}"]
    session.flush()


def load(session: Session, code: str) -> CorrectiveAction:
    action = session.scalar(select(CorrectiveAction).where(CorrectiveAction.code == code)
                            .options(selectinload(CorrectiveAction.area)))
    if action is None:
        raise NotFound(_("No corrective action with code '%(code)s'.", code=code),
                       field="action")
    ensure_in_scope(action, "action")
    return action


def update(session: Session, code: str, data: dict[str, Any],
           today: date | None = None) -> CorrectiveAction:
    """Change an action; moving it to done needs a closing note (what was fixed)."""
    require_writer("actions")
    today = today or district_today()
    reject_unknown(data, FIELDS)
    if "drill" in data or "area" in data:
        raise ValidationFailed(_("An action stays with its drill and area."),
                               field="drill" if "drill" in data else "area")
    with unit_of_work(session):
        action = load(session, code)
        was_flagging = action.flags_plan
        status = None
        if "status" in data and data["status"] != action.status.value:
            try:
                status = ActionStatus.parse(str(data["status"]))
            except ValueError as exc:
                raise ValidationFailed(str(exc), field="status") from None
            if status not in allowed_moves(action):
                raise Conflict(_("An action that is %(old)s cannot become %(new)s.",
                                 old=action.status.label(), new=status.label()),
                               field="status")
        _assign(action, data)
        if status is not None:
            if status in NEEDS_NOTE and not action.closing_note:
                raise ValidationFailed(_("Say what was done before closing the action."),
                                       field="closing_note")
            action.status = status  # type: ignore[assignment]
            action.closed_on = today if status is ActionStatus.DONE else None
        if action.flags_plan and not was_flagging:
            _flag_plan(session, action, action.drill)
        session.flush()
        return action


def in_scope(prefix: str) -> Select[tuple[CorrectiveAction]]:
    return (select(CorrectiveAction).join(Area, Area.id == CorrectiveAction.area_id)
            .where(Area.path.startswith(prefix)))


def search(prefix: str, *, status: str | None = None, element: str | None = None,
           drill: str | None = None, overdue: bool | None = None,
           today: date | None = None) -> Select[tuple[CorrectiveAction]]:
    """Actions of the subtree at `prefix`, by status, POETE element, drill and lateness (an
    overdue action is open and past its due date, as CorrectiveAction.overdue says)."""
    stmt = in_scope(prefix).options(selectinload(CorrectiveAction.area),
                                    selectinload(CorrectiveAction.drill))
    if status:
        stmt = stmt.where(CorrectiveAction.status == enum_field(ActionStatus, status, "status"))
    if element:
        stmt = stmt.where(CorrectiveAction.element == enum_field(Poete, element, "element"))
    if drill:
        stmt = stmt.where(CorrectiveAction.drill.has(Drill.code == drill))
    if overdue is not None:
        late = CorrectiveAction.status.in_(list(OPEN_ACTIONS)) & (
            CorrectiveAction.due_on < (today or district_today()))
        stmt = stmt.where(late if overdue else ~late)
    return stmt


@dataclass(frozen=True)
class Board:
    """The corrective-action board: one column per status, overdue ones first."""

    columns: dict[ActionStatus, list[CorrectiveAction]]
    overdue: list[CorrectiveAction]
    today: date


def board(session: Session, today: date | None = None, *, area: Area | None = None,
          element: Poete | None = None, closed_days: int = 90) -> Board:
    """Open and in-progress actions, and those closed in the last `closed_days`."""
    today = today or district_today()
    stmt = in_scope(area.path if area is not None else actor().area_path).options(
        selectinload(CorrectiveAction.area), selectinload(CorrectiveAction.drill))
    if element is not None:
        stmt = stmt.where(CorrectiveAction.element == element)
    columns: dict[ActionStatus, list[CorrectiveAction]] = {s: [] for s in ActionStatus}
    for action in session.scalars(stmt.order_by(CorrectiveAction.due_on, CorrectiveAction.id)):
        if action.status not in OPEN_ACTIONS and action.closed_on is not None and \
                (today - action.closed_on).days > closed_days:
            continue
        columns[action.status].append(action)
    for status in OPEN_ACTIONS:
        columns[status].sort(key=lambda a: (not a.overdue(today), a.due_on, a.id))
    overdue = [a for s in OPEN_ACTIONS for a in columns[s] if a.overdue(today)]
    return Board(columns, sorted(overdue, key=lambda a: a.due_on), today)


def past_due(session: Session, today: date) -> list[CorrectiveAction]:
    """Every open action whose due date has passed (for the daily reminders), all areas."""
    return list(session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.status.in_(list(OPEN_ACTIONS)),
                                       CorrectiveAction.due_on < today)
        .options(selectinload(CorrectiveAction.area)).order_by(CorrectiveAction.due_on)))
