"""Shelters, teams and members, and mobilisation levels."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, subtree_prefix
from app.api.crud import code_routes
from app.areas.models import Area
from app.core import db
from app.core.listing import page_of
from app.core.lookup import by_code, ensure_in_scope
from app.resources import levels, points, shelters, teams
from app.resources import schemas as s
from app.resources.enums import ShelterStatus
from app.resources.models import Member, MobilisationLevel, ReceivingPoint, Shelter, Team

bp = APIBlueprint("resources", __name__, url_prefix="/api/v1", tag="Shelters, teams, levels")
ShelterPage = envelope(s.ShelterOut, "ShelterPage")
TeamPage = envelope(s.TeamOut, "TeamPage")
PointPage = envelope(s.PointOut, "PointPage")


class ShelterListQuery(ListQuery, s.ShelterQuery):
    pass


@bp.get("/shelters")
@bp.input(ShelterListQuery, location="query", arg_name="args")
@bp.output(ShelterPage)
@bp.doc(summary="List shelters with live occupancy", responses=PROBLEM_RESPONSES)
def list_shelters(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(Shelter).join(Area, Area.id == Shelter.area_id)
            .options(selectinload(Shelter.area))
            .where(Area.path.startswith(subtree_prefix(args["area"]))))
    if args["status"]:
        stmt = stmt.where(Shelter.status == args["status"])
    page = page_of(stmt, args, {"code": Shelter.code, "name_zh": Shelter.name_zh,
                                "capacity": Shelter.capacity, "occupancy": Shelter.occupancy,
                                "status": Shelter.status, "area": Area.code},
                   [Shelter.code, Shelter.name_zh, Shelter.name_en, Shelter.address], "code")
    if args["facility"]:  # a JSON list: filtered here, portable across databases
        page["items"] = [x for x in page["items"] if args["facility"] in x.facilities]
    return page


code_routes(bp, shelters.SHELTER, "shelters", schema_in=s.ShelterIn,
            schema_patch=s.ShelterPatch, schema_out=s.ShelterOut)


@bp.get("/receiving-points")
@bp.input(ListQuery, location="query", arg_name="args")
@bp.output(PointPage)
@bp.doc(summary="List the receiving points (where communities take delivery) in your subtree",
        responses=PROBLEM_RESPONSES)
def list_points(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(ReceivingPoint).join(Area, Area.id == ReceivingPoint.area_id)
            .options(selectinload(ReceivingPoint.area), selectinload(ReceivingPoint.depot),
                     selectinload(ReceivingPoint.shelter))
            .where(Area.path.startswith(subtree_prefix(args["area"]))))
    return page_of(stmt, args, {"code": ReceivingPoint.code, "area": Area.code},
                   [ReceivingPoint.code, ReceivingPoint.address, ReceivingPoint.contact_name,
                    Area.code], "code")


code_routes(bp, points.POINT, "receiving-points", schema_in=s.PointIn,
            schema_patch=s.PointPatch, schema_out=s.PointOut)


@bp.post("/shelters/<code>/occupancy")
@bp.input(s.OccupancyIn, arg_name="json_data")
@bp.output(s.ShelterOut)
@bp.doc(summary="Report the number of people in a shelter now", responses=PROBLEM_RESPONSES)
def report_occupancy(code: str, json_data: dict[str, Any]) -> Any:
    status = ShelterStatus(json_data["status"]) if json_data.get("status") else None
    return shelters.update_occupancy(db.session(), code, json_data["occupancy"], status,
                                     json_data.get("note", ""))


class TeamListQuery(ListQuery, s.TeamQuery):
    pass


@bp.get("/teams")
@bp.input(TeamListQuery, location="query", arg_name="args")
@bp.output(TeamPage)
@bp.doc(summary="List response teams", responses=PROBLEM_RESPONSES)
def list_teams(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(Team).join(Area, Area.id == Team.home_area_id)
            .options(selectinload(Team.home_area), selectinload(Team.members))
            .where(Area.path.startswith(subtree_prefix(args["area"]))))
    for key in ("kind", "speciality", "availability"):
        if args[key]:
            stmt = stmt.where(getattr(Team, key) == args[key])
    return page_of(stmt, args, {"code": Team.code, "name_zh": Team.name_zh, "kind": Team.kind,
                                "speciality": Team.speciality, "area": Area.code},
                   [Team.code, Team.name_zh, Team.name_en], "code")


code_routes(bp, teams.TEAM, "teams", schema_in=s.TeamIn, schema_patch=s.TeamPatch,
            schema_out=s.TeamDetailOut)


@bp.post("/teams/<code>/members")
@bp.input(s.MemberIn, arg_name="json_data")
@bp.output(s.MemberOut, status_code=201)
@bp.doc(summary="Add a member to a team", responses=PROBLEM_RESPONSES)
def add_member(code: str, json_data: dict[str, Any]) -> tuple[Any, int]:
    return teams.add_member(db.session(), code, json_data), 201


@bp.get("/members/<int:member_id>")
@bp.output(s.MemberOut)
@bp.doc(summary="Read a team member", responses=PROBLEM_RESPONSES)
def read_member(member_id: int) -> Member:
    return teams.get_member(db.session(), member_id)


@bp.patch("/members/<int:member_id>")
@bp.input(s.MemberPatch, arg_name="json_data")
@bp.output(s.MemberOut)
@bp.doc(summary="Change a team member (a qualifications list replaces the old one)",
        responses=PROBLEM_RESPONSES)
def update_member(member_id: int, json_data: dict[str, Any]) -> Member:
    return teams.update_member(db.session(), member_id, json_data)


@bp.delete("/members/<int:member_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="Remove a team member", responses=PROBLEM_RESPONSES)
def delete_member(member_id: int) -> tuple[str, int]:
    teams.delete_member(db.session(), member_id)
    return "", 204


@bp.get("/districts/<code>/levels")
@bp.output(s.LevelsOut)
@bp.doc(summary="The response levels Ⅰ–Ⅳ of a district, with rules and checklists",
        responses=PROBLEM_RESPONSES)
def list_levels(code: str) -> dict[str, Any]:
    district = by_code(db.session(), Area, code, "district")
    ensure_in_scope(district)
    rows = db.session().scalars(
        select(MobilisationLevel).where(MobilisationLevel.district_id == district.id)
        .order_by(MobilisationLevel.level)).all()
    return {"items": rows}


@bp.get("/districts/<code>/levels/<int:level>")
@bp.output(s.LevelOut)
@bp.doc(summary="One response level", responses=PROBLEM_RESPONSES)
def read_level(code: str, level: int) -> MobilisationLevel:
    return levels.get_level(db.session(), code, level)


@bp.patch("/districts/<code>/levels/<int:level>")
@bp.input(s.LevelPatch, arg_name="json_data")
@bp.output(s.LevelOut)
@bp.doc(summary="Edit a response level (rules and checklist lists replace the old ones)",
        responses=PROBLEM_RESPONSES)
def update_level(code: str, level: int, json_data: dict[str, Any]) -> MobilisationLevel:
    return levels.update_level(db.session(), code, level, json_data)
