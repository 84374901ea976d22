"""Incident pages: declare, follow the response, review and confirm the plan, print orders."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.accounts.services import principal_of
from app.areas.models import Area
from app.core import db
from app.core.db import utcnow
from app.core.downloads import download
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.core.vocabulary import Hazard
from app.incidents import board, plan_map, receipt_views, summary, workflows
from app.incidents import page_views as views
from app.incidents import services as incident_svc
from app.incidents.allocation import services as allocation
from app.incidents.enums import IncidentStatus, PlanStatus
from app.incidents.forms import (
    AreasForm,
    ConfirmPlanForm,
    DeclareForm,
    IncidentLevelForm,
    ReleaseReserveForm,
    RouteForm,
)
from app.incidents.models import Incident
from app.incidents.views import explain_item, incident_dict, plan_dict, plan_head
from app.resources.enums import Speciality, TeamKind
from app.resources.levels import district_of
from app.stock.models import Depot, Item
from app.web import locale
from app.web.common import (
    list_args,
    may,
    my_prefix,
    page,
    partial,
    require,
    submit,
    url_args,
)
from app.web.forms import attach, choices

bp = Blueprint("incidents_web", __name__, template_folder="templates")


@bp.get("/incidents")
def index() -> str:
    args = list_args("status")
    stmt = (incident_svc.touching(my_prefix()).options(selectinload(Incident.areas))
            .order_by(case((Incident.status == IncidentStatus.ACTIVE, 0), else_=1)))
    if args["status"] in {s.value for s in IncidentStatus}:
        stmt = stmt.where(Incident.status == args["status"])
    result = page(stmt, args, {"code": Incident.code, "title": Incident.title,
                               "level": Incident.level, "started": Incident.started_at},
                  [Incident.code, Incident.title], "-started")
    session = db.session()
    district = district_of(session, session.get_one(Area, current_user.area_id))
    return render_template("incidents/list.html", page=result, args=url_args(args),
                           levels=views.levels_of(session, district.id),
                           statuses=choices(IncidentStatus, locale()),
                           writable=may("incidents"))


@bp.route("/incidents/new", methods=["GET", "POST"])
def declare() -> str | Response | tuple[str, int]:
    require("incidents")
    session = db.session()
    district = district_of(session, session.get_one(Area, current_user.area_id))
    form = DeclareForm(level=4, duration_days=3)
    form.hazard.choices = choices(Hazard, locale())
    form.level.choices = views.level_choices(views.levels_of(session, district.id), locale())
    if request.method == "POST" and form.validate():
        try:
            done = workflows.declare(
                session, title=form.title.data or "", hazard=form.hazard.data,
                level=form.level.data, areas=views.chosen_areas(session, form.areas.data),
                duration_days=form.duration_days.data, exercise=form.exercise.data,
                max_distance_km=form.max_distance_km.data, notes=form.notes.data or "")
        except DomainError as exc:
            attach(form, exc)
        else:
            return _first_plan(done)
    picked = set(request.form.getlist("pick"))
    return render_template("incidents/new.html", form=form,
                           tree=views.picker(session, my_prefix()), picked=picked,
                           whole=set(request.form.getlist("community")),
                           typed=request.form), 422 if request.method == "POST" else 200


def _first_plan(done: workflows.Outcome) -> Response:
    code = done.code
    if done.error is not None:
        flash(_("Incident %(code)s is declared, but no plan could be made: %(why)s",
                code=code, why=done.error.detail), "error")
    else:
        flash(_("Incident %(code)s is declared; its teams are called and a plan is ready "
                "for review.", code=code), "ok")
    return redirect(url_for(".incident", code=code))


@bp.get("/incidents/<code>")
def incident(code: str) -> str:
    return render_template("incidents/detail.html", **_page(code))


@bp.get("/incidents/<code>/<any(needs, shipments, people):part>")
def part(code: str, part: str) -> str:
    """One of the incident's full tables on a page of its own (the incident page links it)."""
    titles = {"needs": _("Needs (ICS-215)"), "shipments": _("Shipments by route"),
              "people": _("Shelter places and team assignments")}
    return render_template("incidents/part.html", part=part, part_title=titles[part],
                           **_page(code, part=part))


def _page(code: str, part: str = "", **forms: Any) -> dict[str, Any]:
    """Everything the incident page shows, or one of its full tables (`part`); `forms`
    replace the fresh ones (with errors). The first screen and the dispatch orders need the
    plan's own figures only (a few aggregate queries); the needs, shipments and people tables
    load the plan's rows."""
    session = db.session()
    found = incident_svc.load(session, code)
    info = incident_dict(found)
    lang = locale()
    levels = views.levels_of(session, found.district_id)
    number = request.args.get("plan", type=int)
    plan = next((p for p in found.plans if p.number == number), None) or (
        found.plans[-1] if found.plans else None)
    view: dict[str, Any] | None = None
    if plan is not None:
        # the lines' reasons only where they are shown (the needs table): 1,430 of them on a
        # whole-district incident cost a third of the page
        view = plan_dict(session, plan, explain=part == "needs") \
            if part in ("needs", "shipments", "people") else plan_head(session, plan)
    writable = may("incidents") and found.status is IncidentStatus.ACTIVE
    ctx: dict[str, Any] = {
        "incident": found, "info": info, "levels": levels, "plan": view,
        "newest": plan is not None and plan is found.plans[-1],
        "writable": writable, "plans": [(p.number, p.status) for p in found.plans],
        "kinds": {k.value: k.label(lang) for k in TeamKind},
        "specialities": {s.value: s.label(lang) for s in Speciality},
        # the orders themselves only on their board; here how many (one grouped query)
        "dispatch_counts": views.dispatch_counts(session, found),
        "items": {i.code: i for i in session.scalars(select(Item))},
        "since": views.since(found.started_at, utcnow()) if found.closed_at is None else None}
    # coordinators see the receipts that differ; a community's staff their orders first
    ctx["differences"] = [] if part else receipt_views.differences(session, found)
    ctx["community"] = None if part else receipt_views.community_block(
        session, found, principal_of(current_user), current_user.area, may("dispatches"))
    if view is not None and plan is not None:
        ctx.update(_part_context(session, plan, view, info, part, lang, ctx["differences"]))
        if not part and writable and ctx["newest"] and plan.status is PlanStatus.PROPOSED:
            # the Confirm button's numbers; an order per route the summary counted already
            ctx["confirming"] = board.confirming(session, plan, ctx["counts"]["routes"])
    ctx["forms"] = {**_forms(found, levels, view), **forms}
    return ctx


def _part_context(session: Any, plan: Any, view: dict[str, Any], info: dict[str, Any],
                  part: str, lang: str, differences: list[dict[str, Any]]) -> dict[str, Any]:
    """What the first screen (`part` empty) or one full table shows beyond the plan itself."""
    if not part:
        rows = summary.item_rows(session, plan)
        summary.count_received(rows, differences)
        for row in rows:
            row.why = explain_item(row.shortfall, row.unit, row.in_reach, row.reserve,
                                   plan.incident.max_distance_km)
        worst = summary.worst_by_area(session, plan)  # the communities and the chips
        return {"summary_items": rows, "summary_areas": summary.area_rows(session, plan, worst),
                "item_names": {r.code: r.name for r in rows},
                "cover": summary.coverage_by_code(session, worst),
                "counts": summary.drill_counts(session, plan),
                "map_svg": plan_map.map_of(session, plan, plan.incident, lang)}
    if part == "needs":
        return {"needs": views.needs_table(view["needs"], request.args.get("area"), True,
                                           request.args.get("item"), request.args.get("sort"),
                                           request.args.get("short") == "1")}
    if part == "shipments":
        groups = views.shipment_groups(view["shipments"], view)
        return {"groups": groups, "groups_total": len(groups),
                "distribution": views.distribution_lists(view),
                "area_names": {a["area"]: a["name"] for a in info["areas"]}}
    return {}


def _forms(found: Incident, levels: dict[int, Any], view: dict[str, Any] | None) -> dict[str, Any]:
    lang = locale()
    level = IncidentLevelForm(prefix="level", level=found.level)
    level.level.choices = views.level_choices(levels, lang)
    people = "\n".join(f"{ia.area.code} {ia.affected} {ia.displaced}" for ia in found.areas)
    return {"level": level, "route": _route_form(found), "release": _release_form(found),
            "areas": AreasForm(prefix="areas", areas=people),
            "confirm": ConfirmPlanForm(plan=view["number"] if view else None)}


def _route_form(found: Incident) -> RouteForm:
    form = RouteForm(prefix="route")
    lang = locale()
    depots = db.session().scalars(select(Depot).join(Area, Area.id == Depot.area_id).where(
        Area.path.startswith(found.district.path), Depot.active).order_by(Depot.code))
    form.depot.choices = [(d.code, f"{d.code} {d.name(lang)}") for d in depots]
    form.area.choices = [(ia.area.code, f"{ia.area.code} {ia.area.name(lang)}")
                         for ia in found.areas]
    form.kind.choices = [("pinned", _("Must use this route")),
                         ("forbidden", _("Never use this route"))]
    return form


def _release_form(found: Incident) -> ReleaseReserveForm:
    form = ReleaseReserveForm(prefix="release")
    lang = locale()
    depots = db.session().scalars(select(Depot).join(Area, Area.id == Depot.area_id).where(
        Area.path.startswith(found.district.path), Depot.active).order_by(Depot.code))
    form.depot.choices = [("", _("Every depot")),
                          *[(d.code, f"{d.code} {d.name(lang)}") for d in depots]]
    return form


def _back(code: str, anchor: str) -> str:
    return url_for(".incident", code=code, _anchor=anchor)


def _act(domain: str, run: Callable[[], Any], done: str, to: str) -> Response:
    """A button's POST: check the role, run the service, say what happened, go back."""
    require(domain)
    try:
        run()
    except (ValidationFailed, Conflict) as exc:
        flash(exc.detail, "error")
    else:
        flash(done, "ok")
    return redirect(to)


@bp.post("/incidents/<code>/level")
def change_level(code: str) -> Response | tuple[str, int]:
    session = db.session()
    found = incident_svc.load(session, code)
    form = IncidentLevelForm(prefix="level")
    form.level.choices = views.level_choices(views.levels_of(session, found.district_id),
                                             locale())

    def run() -> None:  # a new level re-plans at once, keeping the route rules
        _said(workflows.change_level(session, code, form.level.data))

    done = submit(form, "incidents", run, _("The level changed: teams and the checklist follow "
                                            "it, and a new plan was made."), _back(code, "plan"))
    return done or (render_template("incidents/detail.html", **_page(code, level=form)), 422)


@bp.post("/incidents/<code>/areas")
def change_areas(code: str) -> Response | tuple[str, int]:
    session = db.session()
    form = AreasForm(prefix="areas")

    def run() -> None:  # new areas re-plan at once, keeping the rules that still apply
        _said(workflows.change_areas(session, code,
                                     views.chosen_areas(session, form.areas.data)))

    done = submit(form, "incidents", run, _("The affected areas changed: teams follow them, "
                                            "and a new plan was made."), _back(code, "areas"))
    return done or (render_template("incidents/detail.html", **_page(code, areas=form)), 422)


def _said(done: workflows.Outcome) -> None:
    """A change stands even when no new plan can be made: say why."""
    if done.error is not None:
        flash(_("No new plan could be made: %(why)s", why=done.error.detail), "error")


@bp.post("/incidents/<code>/tasks/<int:task_id>")
def tick(code: str, task_id: int) -> Response | tuple[str, int]:
    """Tick or untick a task; htmx gets the checklist back alone, with the message in it."""
    done = request.form.get("done") == "1"

    def run() -> None:
        incident_svc.tick_task(db.session(), code, task_id, done)

    if not partial():
        return _act("incidents", run, _("Checklist updated."), _back(code, "checklist"))
    require("incidents")
    status = 200
    try:
        run()
    except (ValidationFailed, Conflict) as exc:
        flash(exc.detail, "error")
        status = exc.status
    else:
        flash(_("Checklist updated."), "ok")
    found = incident_svc.load(db.session(), code)
    return render_template("incidents/_checklist.html", incident=found, alone=True,
                           info=incident_dict(found), writable=may("incidents")
                           and found.status is IncidentStatus.ACTIVE), status


@bp.post("/incidents/<code>/plans")
def replan(code: str) -> Response:
    return _act("incidents", lambda: workflows.replan(db.session(), code),
                _("A new plan was made from the stock, shelters and teams as they are now."),
                _back(code, "plan"))


@bp.post("/incidents/<code>/routes")
def add_route(code: str) -> Response | tuple[str, int]:
    session = db.session()
    form = _route_form(incident_svc.load(session, code))

    def run() -> None:
        workflows.set_route(session, code, form.kind.data, form.depot.data, form.area.data)

    done = submit(form, "incidents", run, _("Route rule saved; the plan was made again."),
                  _back(code, "routes"))
    return done or (render_template("incidents/detail.html", **_page(code, route=form)), 422)


@bp.post("/incidents/<code>/reserves/release")
def release_reserve(code: str) -> Response | tuple[str, int]:
    session = db.session()
    form = _release_form(incident_svc.load(session, code))

    def run() -> None:  # the new plan may use what was released
        _said(workflows.release_reserve(session, code, form.depot.data or None,
                                        form.reason.data))

    done = submit(form, "incidents", run, _("Reserve released; a new plan was made."),
                  _back(code, "reserves"))
    return done or (render_template("incidents/detail.html", **_page(code, release=form)), 422)


@bp.post("/incidents/<code>/routes/remove")
def remove_route(code: str) -> Response:
    def run() -> None:
        workflows.remove_route(db.session(), code, request.form.get("depot", ""),
                               request.form.get("area", ""))

    return _act("incidents", run, _("Route rule removed; the plan was made again."),
                _back(code, "routes"))


@bp.post("/incidents/<code>/confirm")
def confirm(code: str) -> Response:
    require("incidents")
    form = ConfirmPlanForm()
    if not form.validate():
        flash(_("Which plan? Reload the page and confirm again."), "error")
        return redirect(_back(code, "plan"))
    try:
        orders = allocation.confirm(db.session(), code, form.plan.data)
    except Conflict as exc:  # the stock moved (a fresh plan is ready) or already confirmed
        flash(exc.detail, "error")
        fresh = exc.extra.get("fresh_plan")
        return redirect(url_for(".incident", code=code, plan=fresh, _anchor="plan"))
    exercise = incident_svc.load(db.session(), code).exercise
    flash(_("Plan %(n)s confirmed as an exercise: %(k)s dispatch orders open, no stock "
            "reserved.", n=form.plan.data, k=len(orders)) if exercise else
          _("Plan %(n)s confirmed: stock reserved, %(k)s dispatch orders open.",
            n=form.plan.data, k=len(orders)), "ok")
    return redirect(url_for(".dispatch_board", code=code))


@bp.get("/incidents/<code>/cap.xml")
def cap_alert(code: str) -> Response:
    """The incident's newest CAP 1.2 alert (or ?n=<number>) as a download."""
    from app.incidents.interop.cap_files import alerts_for, xml_response

    alerts = alerts_for(incident_svc.load(db.session(), code))
    if not alerts:
        abort(404)
    number = request.args.get("n", type=int)
    return xml_response(next((a for a in alerts if a.number == number), alerts[-1]))


@bp.get("/incidents/<code>/exports/<kind>")
def export(code: str, kind: str) -> Response:
    """HXL-tagged CSVs (needs, deliveries) and EDXL-RM messages of an incident, for the page;
    the same files as the API's, with the session's scope checks."""
    from app.incidents.interop import edxl
    from app.incidents.interop import hxl as hxl_exports

    session = db.session()
    incident_svc.load(session, code)  # scope
    lang = "zh" if locale().startswith("zh") else "en"
    if kind in ("needs.csv", "deliveries.csv"):
        made = (hxl_exports.needs_csv if kind == "needs.csv" else
                hxl_exports.deliveries_csv)(session, code, lang)
        return download(made.text.encode("utf-8"), made.filename, "text/csv; charset=utf-8")
    if kind == "request-resource.xml":
        name, body = edxl.request_resource(session, code)
    elif kind == "commit-resource.xml":
        number = request.args.get("plan", type=int)
        if number is None:
            abort(404)
        name, body = edxl.commit_resource(session, code, number)
    else:
        abort(404)
    return download(body, name, "application/xml")

