"""Drills API: drills, records, corrective actions, requirements, compliance, calendars."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from apiflask import APIBlueprint
from flask import Response, request
from sqlalchemy import select

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, subtree_prefix
from app.areas.models import Area
from app.core import db
from app.core.clock import district_today
from app.core.downloads import download
from app.core.errors import NotFound, ValidationFailed
from app.core.listing import page_of
from app.drills import actions, compliance, ical
from app.drills import records as drill_records
from app.drills import schemas as s
from app.drills import services as drills
from app.drills.models import CorrectiveAction, Drill, DrillRequirement

bp = APIBlueprint("drills", __name__, url_prefix="/api/v1", tag="Drills")


WRITE = {**PROBLEM_RESPONSES, 404: "Unknown code (problem)", 409: "Conflict (problem)"}


DrillPage = envelope(s.DrillOut, "DrillPage")


ActionPage = envelope(s.ActionOut, "ActionPage")


@bp.record_once
def _calendar_scheme(state: Any) -> None:
    """The calendar feeds also take the token in the query (calendar apps send no header)."""
    schemes = dict(state.app.config.get("SECURITY_SCHEMES") or {})
    schemes["CalendarToken"] = {
        "type": "apiKey", "in": "query", "name": "token",
        "description": "An API token in the URL: only the two .ics calendar feeds accept it."}
    state.app.config["SECURITY_SCHEMES"] = schemes


@contextmanager
def _body_refs(body: dict[str, Any]) -> Iterator[None]:
    """A code in the request body that names nothing is bad input (422), not a missing page."""
    try:
        yield
    except NotFound as err:
        if (err.field or "").split(".")[0] in body:
            raise ValidationFailed(err.detail, field=err.field) from None
        raise


class DrillListQuery(ListQuery, s.DrillQuery):
    pass


@bp.get("/drills")
@bp.input(DrillListQuery, location="query", arg_name="args")
@bp.output(DrillPage)
@bp.doc(summary="Drills in your areas (filters: local dates from/to, area subtree, team, "
                "status), soonest first", responses=PROBLEM_RESPONSES)
def list_drills(args: dict[str, Any]) -> dict[str, Any]:
    stmt = drills.search(db.session(), subtree_prefix(args["area"]), start=args["from_"],
                         end=args["to"], team=args["team"], status=args["status"])
    return page_of(stmt, args, {"starts_at": Drill.starts_at, "code": Drill.code,
                                "title": Drill.title, "status": Drill.status},
                   [Drill.code, Drill.title], "starts_at")


@bp.post("/drills")
@bp.input(s.DrillIn, arg_name="json_data")
@bp.output(s.CreatedDrillsOut, status_code=201)
@bp.doc(summary="Plan a drill; with an RFC 5545 `rrule`, one drill per date of the series",
        responses=WRITE)
def create_drill(json_data: dict[str, Any]) -> dict[str, Any]:
    session = db.session()
    with _body_refs(json_data):
        codes = drills.create(session, json_data)
    return {"codes": codes, "drills": [drills.load(session, c) for c in codes]}


@bp.get("/drills/<code>")
@bp.output(s.DrillOut)
@bp.doc(summary="A drill", responses={**PROBLEM_RESPONSES, 404: "Unknown code (problem)"})
def read_drill(code: str) -> Drill:
    return drills.load(db.session(), code)


@bp.patch("/drills/<code>")
@bp.input(s.DrillPatch, arg_name="json_data")
@bp.output(s.DrillOut)
@bp.doc(summary="Change a planned or confirmed drill (a series' rule cannot change)",
        responses=WRITE)
def update_drill(code: str, json_data: dict[str, Any]) -> Drill:
    with _body_refs(json_data):
        return drills.update(db.session(), code, json_data)


@bp.post("/drills/<code>/status")
@bp.input(s.DrillStatusIn, arg_name="json_data")
@bp.output(s.DrillOut)
@bp.doc(summary="Confirm, cancel or re-plan a drill", responses=WRITE)
def set_drill_status(code: str, json_data: dict[str, Any]) -> Drill:
    return drills.set_status(db.session(), code, json_data["status"])


@bp.post("/drills/<code>/cancel-series")
@bp.input(s.CancelSeriesIn, arg_name="json_data")
@bp.output(s.CancelledSeriesOut)
@bp.doc(summary="Cancel a drill and every later planned or confirmed date of its series, "
                "at once", description="Done and already cancelled later dates are left as "
                "they are. If any later date cannot be cancelled by the caller (403, 409), "
                "nothing is cancelled.", responses=WRITE)
def cancel_series(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    return {"cancelled": drills.cancel_rest_of_series(db.session(), code,
                                                      json_data.get("reason"))}


def _record(drill: Drill) -> dict[str, Any]:
    record = drill.record
    body: dict[str, Any] = {"drill": drill.code, "status": drill.status.value}
    if record is None:
        return {**body, "summary": "", "strengths": [], "improvements": [], "evaluation": {},
                "attendance": [], "events": [], "measures": [], "ratings": [],
                "exercise": None, "recorded_by": None, "updated_at": None}
    return {**body, "summary": record.summary, "strengths": record.strengths,
            "improvements": record.improvements, "evaluation": record.evaluation,
            "attendance": record.attendance, "events": record.events,
            "measures": record.measures, "ratings": record.ratings,
            "exercise": dict(record.exercise_summary)
            if record.exercise_incident_id is not None else None,
            "recorded_by": record.recorded_by, "updated_at": record.updated_at}


@bp.get("/drills/<code>/record")
@bp.output(s.RecordOut)
@bp.doc(summary="A drill's after-action record: attendance, timeline, measured times against "
                "targets, capability ratings, strengths, improvements, evaluation, exercise",
        responses={**PROBLEM_RESPONSES, 404: "Unknown code (problem)"})
def read_record(code: str) -> dict[str, Any]:
    return _record(drills.load(db.session(), code))


@bp.put("/drills/<code>/record")
@bp.input(s.RecordIn, arg_name="json_data")
@bp.output(s.RecordOut)
@bp.doc(summary="Write a drill's record; each list given replaces the old one, and "
                "`complete: true` marks the drill done", responses=WRITE)
def save_record(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    session = db.session()
    with _body_refs(json_data):
        drill_records.save(session, code, json_data)
    session.expire_all()
    return _record(drills.load(session, code))


@bp.post("/drills/<code>/exercise")
@bp.input(s.ExerciseIn, arg_name="json_data")
@bp.output(s.ExerciseOut, status_code=201)
@bp.doc(summary="Run the incident workflow for the drill as an exercise (no stock is "
                "touched); the incident and its plan are kept in the record",
        responses=WRITE)
def run_exercise(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    session = db.session()
    incident, number = drill_records.run_exercise(session, code, json_data["level"])
    drill = drills.load(session, code)
    summary = dict(drill.record.exercise_summary) if drill.record else {}
    return {"drill": code, "incident": incident, "plan": number, "summary": summary}


class ActionListQuery(ListQuery, s.ActionQuery):
    pass


@bp.get("/corrective-actions")
@bp.input(ActionListQuery, location="query", arg_name="args")
@bp.output(ActionPage)
@bp.doc(summary="Corrective actions in your areas (filters: status, overdue, POETE element, "
                "drill, area subtree), soonest due first", responses=PROBLEM_RESPONSES)
def list_actions(args: dict[str, Any]) -> dict[str, Any]:
    stmt = actions.search(subtree_prefix(args["area"]), status=args["status"],
                          element=args["element"], drill=args["drill"],
                          overdue=args["overdue"])
    return page_of(stmt, args, {"due_on": CorrectiveAction.due_on, "code": CorrectiveAction.code,
                                "status": CorrectiveAction.status,
                                "start_on": CorrectiveAction.start_on},
                   [CorrectiveAction.code, CorrectiveAction.title, CorrectiveAction.owner],
                   "due_on")


@bp.post("/corrective-actions")
@bp.input(s.ActionIn, arg_name="json_data")
@bp.output(s.ActionOut, status_code=201)
@bp.doc(summary="Raise a corrective action (from a drill's finding, or for an area)",
        responses=WRITE)
def create_action(json_data: dict[str, Any]) -> CorrectiveAction:
    session = db.session()
    with _body_refs(json_data):
        code = actions.create(session, json_data)
    return actions.load(session, code)


@bp.get("/corrective-actions/<code>")
@bp.output(s.ActionOut)
@bp.doc(summary="A corrective action", responses={**PROBLEM_RESPONSES,
                                                  404: "Unknown code (problem)"})
def read_action(code: str) -> CorrectiveAction:
    return actions.load(db.session(), code)


@bp.patch("/corrective-actions/<code>")
@bp.input(s.ActionPatch, arg_name="json_data")
@bp.output(s.ActionOut)
@bp.doc(summary="Change a corrective action; closing it (status done) needs a closing_note",
        responses=WRITE)
def update_action(code: str, json_data: dict[str, Any]) -> CorrectiveAction:
    return actions.update(db.session(), code, json_data)


@bp.get("/drill-requirements")
@bp.output(s.RequirementList)
@bp.doc(summary="Drill-frequency rules with their sources", responses=PROBLEM_RESPONSES)
def list_requirements() -> dict[str, Any]:
    return {"items": compliance.requirements(db.session())}


@bp.post("/drill-requirements")
@bp.input(s.RequirementIn, arg_name="json_data")
@bp.output(s.RequirementOut, status_code=201)
@bp.doc(summary="Add a drill-frequency rule (administrators and coordinators)",
        responses=WRITE)
def create_requirement(json_data: dict[str, Any]) -> DrillRequirement:
    return compliance.save_requirement(db.session(), json_data)


@bp.get("/drill-requirements/<code>")
@bp.output(s.RequirementOut)
@bp.doc(summary="A drill-frequency rule", responses={**PROBLEM_RESPONSES,
                                                     404: "Unknown code (problem)"})
def read_requirement(code: str) -> DrillRequirement:
    return compliance.requirement(db.session(), code)


@bp.patch("/drill-requirements/<code>")
@bp.input(s.RequirementPatch, arg_name="json_data")
@bp.output(s.RequirementOut)
@bp.doc(summary="Change a drill-frequency rule (administrators and coordinators)",
        responses=WRITE)
def update_requirement(code: str, json_data: dict[str, Any]) -> DrillRequirement:
    return compliance.save_requirement(db.session(), json_data, code)


@bp.get("/compliance")
@bp.input(s.ComplianceQuery, location="query", arg_name="args")
@bp.output(s.ComplianceOut)
@bp.doc(summary="Drill compliance per (rule, area) in your areas: drills done in the window, "
                "last done, next due, next planned and standing, worst first",
        responses=PROBLEM_RESPONSES)
def read_compliance(args: dict[str, Any]) -> dict[str, Any]:
    session = db.session()
    area = None
    if args["area"]:
        prefix = subtree_prefix(args["area"])
        area = session.scalar(select(Area).where(Area.path == prefix))
    today = args["today"] or district_today()
    found = compliance.overview(session, today, area=area, requirement=args["requirement"],
                                standing=args["standing"])
    return {"today": today, "counts": found.counts, "items": found.rows}


ICS_RESPONSES: dict[Any, Any] = {
    **PROBLEM_RESPONSES, 404: "Unknown code (problem)",
    200: {"description": "An RFC 5545 calendar: one VEVENT per drill (UID `<code>@readygrid`, "
                         "times in UTC); cancelled drills stay with STATUS:CANCELLED",
          "content": {"text/calendar": {"schema": {"type": "string"}}}},
}


ICS_NOTE = ("Subscribe a calendar app to this URL. Apps that cannot send an Authorization "
            "header may pass the API token as `?token=` (only these feeds accept it; use a "
            "token made for the calendar, and revoke it if the URL leaks).")


def _ics(body: bytes, name: str) -> Response:
    return download(body, f"{name}.ics", "text/calendar", inline=True, cache="private, no-cache")


@bp.get("/calendar/areas/<code>.ics")
@bp.input(s.CalendarQuery, location="query", arg_name="args")
@bp.doc(summary="iCalendar feed of the drills of an area and the areas below it",
        description=ICS_NOTE, security=["BearerAuth", "CalendarToken"],
        responses=ICS_RESPONSES)
def area_calendar(code: str, args: dict[str, Any]) -> Response:
    body = ical.calendar(db.session(), area=code, lang=args["lang"],
                         base_url=request.url_root)
    return _ics(body, code)


@bp.get("/calendar/teams/<code>.ics")
@bp.input(s.CalendarQuery, location="query", arg_name="args")
@bp.doc(summary="iCalendar feed of the drills a team takes part in (in your areas)",
        description=ICS_NOTE, security=["BearerAuth", "CalendarToken"],
        responses=ICS_RESPONSES)
def team_calendar(code: str, args: dict[str, Any]) -> Response:
    body = ical.calendar(db.session(), team=code, lang=args["lang"],
                         base_url=request.url_root)
    return _ics(body, code)
