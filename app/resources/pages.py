"""Pages for shelters (live occupancy), teams and members, and response levels."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.areas.models import Area
from app.core import crud, db
from app.core.clock import district_today
from app.core.lookup import scoped_by_code
from app.resources import arrivals, points
from app.resources import levels as level_svc
from app.resources import shelters as shelter_svc
from app.resources import teams as team_svc
from app.resources.enums import PointKind, ShelterStatus, TeamKind
from app.resources.forms import LevelForm, MemberForm, OccupancyForm, PointForm
from app.resources.levels import district_of
from app.resources.models import (
    MobilisationLevel,
    OccupancyReport,
    ReceivingPoint,
    Shelter,
    Team,
)
from app.web import locale
from app.web.common import form_status, list_args, may, my_prefix, page, require, submit, url_args
from app.web.forms import choices

bp = Blueprint("resources_web", __name__, template_folder="templates")


def _occupancy_form(shelter: Shelter) -> OccupancyForm:
    form = OccupancyForm(prefix=f"occ-{shelter.code}", occupancy=shelter.occupancy,
                         status="")
    form.status.choices = choices(ShelterStatus, locale(), blank=True)
    return form


@bp.get("/shelters")
def shelters() -> str:
    args = list_args("area", "status")
    stmt = (select(Shelter).join(Area, Area.id == Shelter.area_id)
            .options(selectinload(Shelter.area))
            .where(Area.path.startswith(my_prefix(args["area"]))))
    if args["status"] in {s.value for s in ShelterStatus}:
        stmt = stmt.where(Shelter.status == args["status"])
    result = page(stmt, args, {"code": Shelter.code, "name": Shelter.name_zh,
                               "capacity": Shelter.capacity, "occupancy": Shelter.occupancy,
                               "status": Shelter.status},
                  [Shelter.code, Shelter.name_zh, Shelter.name_en, Shelter.address], "code")
    forms = {s.code: _occupancy_form(s) for s in result["items"]}
    return render_template("shelters/list.html", page=result, args=url_args(args), forms=forms,
                           statuses=choices(ShelterStatus, locale()),
                           writable=may("occupancy"))


@bp.route("/shelters/<code>", methods=["GET", "POST"])
def shelter(code: str) -> str | Response | tuple[str, int]:
    session = db.session()
    found = scoped_by_code(session, Shelter, code, "shelter")
    form = _occupancy_form(found)
    if request.method == "POST":
        back = request.form.get("back")
        done = submit(form, "occupancy", lambda: shelter_svc.update_occupancy(
            session, code, form.occupancy.data,
            ShelterStatus(form.status.data) if form.status.data else None,
            form.note.data or ""),
            _("Occupancy of %(name)s is now %(n)s.", name=found.code, n=form.occupancy.data),
            back if back == url_for("resources_web.shelters")
            else url_for("resources_web.shelter", code=code))
        if done:
            return done
    history = session.scalars(select(OccupancyReport).where(
        OccupancyReport.shelter_id == found.id).order_by(OccupancyReport.id.desc())
        .limit(20)).all()
    coming = arrivals.expected(session, found)
    return render_template("shelters/detail.html", shelter=found, form=form, history=history,
                           writable=may("occupancy"), expected=coming,
                           expected_people=sum(e.people for e in coming)), form_status()


@bp.route("/areas/<code>/receiving-point", methods=["GET", "POST"])
def receiving_point(code: str) -> str | Response | tuple[str, int]:
    """Where the community (or grid) takes delivery, and who signs: shown, and edited."""
    from app.stock.models import Depot

    session = db.session()
    area = scoped_by_code(session, Area, code, "area")
    own = session.scalar(select(ReceivingPoint).where(ReceivingPoint.area_id == area.id))
    through = own or points.points_for(session, [area]).get(area.id)
    home = area.unit().path
    depots = session.scalars(select(Depot).join(Area, Area.id == Depot.area_id)
                             .where(Area.path.startswith(home)).order_by(Depot.code)).all()
    sites = session.scalars(select(Shelter).join(Area, Area.id == Shelter.area_id)
                            .where(Area.path.startswith(home)).order_by(Shelter.code)).all()
    form = PointForm(data=None if own is None else {
        "kind": own.kind.value, "depot": own.depot.code if own.depot else "",
        "shelter": own.shelter.code if own.shelter else "", "address": own.address,
        "contact_name": own.contact_name, "contact_phone": own.contact_phone,
        "notes": own.notes})
    form.kind.choices = choices(PointKind, locale())
    form.depot.choices = [("", "—")] + [(d.code, f"{d.code} {d.name_zh}") for d in depots]
    form.shelter.choices = [("", "—")] + [(s.code, f"{s.code} {s.name_zh}") for s in sites]
    if request.method == "POST":
        data = {"kind": form.kind.data, "depot": form.depot.data or None,
                "shelter": form.shelter.data or None, "address": form.address.data or "",
                "contact_name": form.contact_name.data or "",
                "contact_phone": form.contact_phone.data or "", "notes": form.notes.data or ""}

        def save() -> object:
            if own is not None:
                return crud.update(session, points.POINT, own.code, data)
            return crud.create(session, points.POINT, {
                **data, "code": points.point_code(area.code), "area": area.code})

        done = submit(form, "points", save, _("Receiving point of %(area)s saved.",
                                               area=area.code),
                      url_for("resources_web.receiving_point", code=code))
        if done:
            return done
    return render_template("points/edit.html", area=area, point=own, through=through,
                           form=form, writable=may("points")), form_status()


@bp.get("/teams")
def teams() -> str:
    args = list_args("area", "kind")
    stmt = (select(Team).join(Area, Area.id == Team.home_area_id)
            .options(selectinload(Team.home_area), selectinload(Team.members))
            .where(Area.path.startswith(my_prefix(args["area"]))))
    if args["kind"] in {k.value for k in TeamKind}:
        stmt = stmt.where(Team.kind == args["kind"])
    result = page(stmt, args, {"code": Team.code, "name": Team.name_zh, "kind": Team.kind,
                               "speciality": Team.speciality},
                  [Team.code, Team.name_zh, Team.name_en], "code")
    return render_template("teams/list.html", page=result, args=url_args(args),
                           kinds=choices(TeamKind, locale()))


@bp.route("/teams/<code>", methods=["GET", "POST"])
def team(code: str) -> str | Response | tuple[str, int]:
    session = db.session()
    found = scoped_by_code(session, Team, code, "team")
    form = MemberForm()
    if request.method == "POST":
        quals = ([{"name": form.qualification.data, "expires_on": form.expires_on.data}]
                 if form.qualification.data else [])
        done = submit(form, "teams", lambda: team_svc.add_member(session, code, {
            "name": form.name.data, "role": form.role.data or "",
            "phone": form.phone.data or "", "qualifications": quals}),
            _("Member added."), url_for("resources_web.team", code=code))
        if done:
            return done
    session.refresh(found)
    return render_template("teams/detail.html", team=found, form=form, today=district_today(),
                           soon=district_today() + timedelta(days=60),
                           writable=may("teams")), form_status()


@bp.get("/levels")
def levels() -> str:
    session = db.session()
    from flask_login import current_user
    district = district_of(session, session.get_one(Area, current_user.area_id))
    rows = session.scalars(select(MobilisationLevel).where(
        MobilisationLevel.district_id == district.id).order_by(MobilisationLevel.level)).all()
    return render_template("levels/list.html", levels=rows, district=district,
                           writable=may("levels"))


@bp.route("/levels/<int:level>", methods=["GET", "POST"])
def level_edit(level: int) -> str | Response | tuple[str, int]:
    require("levels")
    session = db.session()
    from flask_login import current_user
    district = district_of(session, session.get_one(Area, current_user.area_id))
    found = level_svc.get_level(session, district.code, level)
    form = LevelForm(obj=found)
    if request.method == "GET":
        form.checklist_zh.data = "\n".join(c.text_zh for c in found.checklist)
        form.checklist_en.data = "\n".join(c.text_en for c in found.checklist)
    if request.method == "POST":
        done = submit(form, "levels", lambda: level_svc.update_level(
            session, district.code, level, {"trigger_zh": form.trigger_zh.data,
                                            "trigger_en": form.trigger_en.data,
                                            "checklist": _checklist(form, found)}),
            _("Saved."), url_for("resources_web.levels"))
        if done:
            return done
    return render_template("levels/edit.html", level=found, form=form), form_status()


def _checklist(form: LevelForm, level: MobilisationLevel) -> list[dict[str, str]]:
    """Pair the Chinese and English lines; owners stay with their positions."""
    zh = [x.strip() for x in form.checklist_zh.data.splitlines() if x.strip()]
    en = [x.strip() for x in form.checklist_en.data.splitlines() if x.strip()]
    owners = [c.owner for c in level.checklist]
    return [{"text_zh": t, "text_en": en[i] if i < len(en) else "",
             "owner": owners[i] if i < len(owners) else ""} for i, t in enumerate(zh)]
