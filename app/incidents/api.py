"""Incidents: declare, re-level, areas, checklist, needs, plans, confirmation, dispatches."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import select

from app.api.common import PROBLEM_RESPONSES, ListQuery, principal
from app.areas.models import Area
from app.core import db
from app.core.listing import page_of
from app.incidents import board, dispatches, receipts, workflows
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.models import Dispatch, Incident
from app.incidents.schemas import (
    AreasIn,
    BulkIn,
    CloseIn,
    DispatchQuery,
    IncidentIn,
    IncidentQuery,
    LevelIn,
    PlanIn,
    ReceiptIn,
    ReleaseIn,
    TaskIn,
)
from app.incidents.services import AreaInput
from app.incidents.views import dispatch_dict, incident_dict, plan_dict

bp = APIBlueprint("incidents", __name__, url_prefix="/api/v1", tag="Incidents and allocation")
WRITE = {**PROBLEM_RESPONSES, 200: "The changed record", 404: "Unknown code (problem)",
         409: "Conflict (problem)"}
CREATE = {k: v for k, v in WRITE.items() if k != 200}
READ = {**PROBLEM_RESPONSES, 200: "The record (JSON)", 404: "Unknown code (problem)"}


def _areas(rows: list[dict[str, Any]]) -> list[AreaInput]:
    return [AreaInput(r["area"], r.get("affected"), r.get("displaced"), r.get("need_access"))
            for r in rows]


def _incident(code: str) -> dict[str, Any]:
    session = db.session()
    incident = incidents.load(session, code)
    body = incident_dict(incident)
    latest = next(iter(reversed(incident.plans)), None)
    body["plan"] = plan_dict(session, latest) if latest else None
    return body


class IncidentListQuery(ListQuery, IncidentQuery):
    pass


@bp.get("/incidents")
@bp.input(IncidentListQuery, location="query", arg_name="args")
@bp.doc(summary="Incidents touching your areas, newest first",
        responses={**PROBLEM_RESPONSES, 200: "A page of incidents"})
def list_incidents(args: dict[str, Any]) -> dict[str, Any]:
    stmt = incidents.touching(principal().area_path)
    if args["status"]:
        stmt = stmt.where(Incident.status == args["status"])
    page = page_of(stmt, args, {"code": Incident.code, "started_at": Incident.started_at,
                                "level": Incident.level}, [Incident.code, Incident.title],
                   "-started_at")
    page["items"] = [{k: v for k, v in incident_dict(i).items()
                      if k not in {"teams", "checklist"}} for i in page["items"]]
    return page


@bp.post("/incidents")
@bp.input(IncidentIn, arg_name="json_data")
@bp.doc(summary="Declare an incident: mobilise its level, and (by default) make a plan",
        responses={**CREATE, 201: "The incident with its first plan"})
def declare(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    session = db.session()
    data = dict(json_data)
    done = workflows.declare(session, plan=data.pop("plan"), areas=_areas(data.pop("areas")),
                             **data).raise_error()
    return _incident(done.code), 201


@bp.get("/incidents/<code>")
@bp.doc(summary="An incident with its teams, checklist and newest plan",
        responses=READ)
def read_incident(code: str) -> dict[str, Any]:
    return _incident(code)


@bp.put("/incidents/<code>/level")
@bp.input(LevelIn, arg_name="json_data")
@bp.doc(summary="Raise or lower the response level: re-mobilises teams and checklist, and "
                "re-plans", responses=WRITE)
def set_level(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    workflows.change_level(db.session(), code, json_data["level"]).raise_error()
    return _incident(code)


@bp.post("/incidents/<code>/reserve-releases")
@bp.input(ReleaseIn, arg_name="json_data")
@bp.doc(summary="Release the protected reserve of one depot, or of every depot, for this "
                "incident, and re-plan (coordinators; audited)",
        description="The incident's plans keep each depot's protected reserve less the share "
                    "the response level may use; a release lets the new plan use it all. "
                    "The answer is the incident with its new plan.", responses=WRITE)
def release_reserve(code: str, json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    workflows.release_reserve(db.session(), code, json_data["depot"],
                              json_data["reason"]).raise_error()
    return _incident(code), 201


@bp.put("/incidents/<code>/areas")
@bp.input(AreasIn, arg_name="json_data")
@bp.doc(summary="Replace the affected areas and their people, and re-plan", responses=WRITE)
def set_areas(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    workflows.change_areas(db.session(), code, _areas(json_data["areas"])).raise_error()
    return _incident(code)


@bp.put("/incidents/<code>/tasks/<int:task_id>")
@bp.input(TaskIn, arg_name="json_data")
@bp.doc(summary="Tick (or untick) a checklist action", responses=WRITE)
def tick(code: str, task_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
    incidents.tick_task(db.session(), code, task_id, json_data["done"])
    return _incident(code)


@bp.post("/incidents/<code>/close")
@bp.input(CloseIn, arg_name="json_data")
@bp.doc(summary="End the response (teams stand down); `release_open` cancels the open "
                "dispatch orders in the same step", responses=WRITE)
def close(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    released = incidents.close(db.session(), code, json_data["release_open"],
                               json_data["reason"])
    return {**_incident(code), "released": released}


@bp.get("/incidents/<code>/needs")
@bp.doc(summary="ICS-215 needs table of the newest plan: required / in reach / planned / "
                "shortfall with reasons", responses=READ)
def needs(code: str) -> dict[str, Any]:
    session = db.session()
    plan = plan_dict(session, allocation.get_plan(session, code))
    return {"incident": code, "plan": plan["number"], "needs": plan["needs"]}


@bp.post("/incidents/<code>/plans")
@bp.input(PlanIn, arg_name="json_data")
@bp.doc(summary="Re-plan the outstanding needs (optionally pinning or forbidding routes)",
        responses={**CREATE, 201: "The new proposed plan"})
def replan(code: str, json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    session = db.session()
    given = {k: v for k, v in json_data.items() if v is not None}
    number = workflows.replan(session, code, given or None)  # none given: keep the rules
    return plan_dict(session, allocation.get_plan(session, code, number)), 201


@bp.get("/incidents/<code>/plans/<int:number>")
@bp.doc(summary="One plan: needs, shipments by lot, shelter placements, team assignments",
        responses=READ)
def read_plan(code: str, number: int) -> dict[str, Any]:
    session = db.session()
    return plan_dict(session, allocation.get_plan(session, code, number))


@bp.post("/incidents/<code>/plans/<int:number>/confirm")
@bp.doc(summary="Confirm a proposed plan: reserve its stock and open dispatch orders; 409 "
                "with `fresh_plan` when the stock moved", responses=WRITE)
def confirm(code: str, number: int) -> dict[str, Any]:
    session = db.session()
    codes = allocation.confirm(session, code, number)
    return {"incident": code, "plan": number, "dispatches": codes}


class DispatchListQuery(ListQuery, DispatchQuery):
    pass


@bp.get("/dispatches")
@bp.input(DispatchListQuery, location="query", arg_name="args")
@bp.doc(summary="Dispatch orders in your areas",
        responses={**PROBLEM_RESPONSES, 200: "A page of dispatch orders"})
def list_dispatches(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(Dispatch).join(Area, Area.id == Dispatch.area_id)
            .where(Area.path.startswith(principal().area_path)))
    if args["incident"]:
        stmt = stmt.join(Incident, Incident.id == Dispatch.incident_id).where(
            Incident.code == args["incident"])
    if args["status"]:
        stmt = stmt.where(Dispatch.status == args["status"])
    page = page_of(stmt, args, {"code": Dispatch.code, "created_at": Dispatch.created_at},
                   [Dispatch.code], "code")
    page["items"] = [dispatch_dict(d) for d in page["items"]]
    return page


@bp.get("/dispatches/<code>")
@bp.doc(summary="A dispatch order with its lots", responses=READ)
def read_dispatch(code: str) -> dict[str, Any]:
    return dispatch_dict(dispatches.load(db.session(), code))


@bp.post("/dispatches/<code>/deliver")
@bp.doc(summary="Delivered: issue exactly what the order reserved", responses=WRITE)
def deliver(code: str) -> dict[str, Any]:
    return dispatches.deliver(db.session(), code)


@bp.post("/incidents/<code>/dispatches/bulk")
@bp.input(BulkIn, arg_name="json_data")
@bp.doc(summary="Deliver or cancel many dispatch orders of an incident, all or nothing",
        description="One transaction: if any order is unknown, outside your areas or no "
                    "longer open, nothing moves and the problem names it. The answer says "
                    "what moved (orders, units, items, lots, depots); with `preview` nothing "
                    "moves and it says what would.", responses=WRITE)
def bulk(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    args = (db.session(), code, json_data["dispatches"], json_data["action"])
    if json_data["preview"]:
        return {**board.preview(*args), "preview": True}
    return {**board.settle_many(*args, json_data["reason"]), "preview": False}


@bp.post("/dispatches/<code>/dispatch")
@bp.doc(summary="Dispatched: the depot handed the order over (in transit); issues its stock "
                "when STOCK_ISSUED_ON is dispatch", responses=WRITE)
def dispatch_out(code: str) -> dict[str, Any]:
    return dispatches.dispatch_out(db.session(), code)


@bp.post("/dispatches/<code>/receipt")
@bp.input(ReceiptIn, arg_name="json_data")
@bp.doc(summary="Received: what arrived per item (a difference needs a reason); delivers the "
                "order and issues its stock unless the dispatch did", responses=WRITE)
def receipt(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    received = receipts.counted((ln["item"], ln["received"]) for ln in json_data["lines"])
    return receipts.receive(db.session(), code, received, json_data["reason"])


@bp.post("/dispatches/<code>/cancel")
@bp.doc(summary="Cancelled: release the order's reservation", responses=WRITE)
def cancel(code: str) -> dict[str, Any]:
    return dispatches.cancel(db.session(), code)

