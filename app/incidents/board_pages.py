"""The dispatch board (routes on pages.bp): filters, single and bulk deliver/cancel with a
confirmation in numbers, printing orders, per-depot pick lists and per-vehicle manifests."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.services import principal_of
from app.core import db
from app.core.db import utcnow
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.incidents import board, board_views, sheets
from app.incidents import dispatches as dispatch_svc
from app.incidents import page_views as views
from app.incidents import services as incident_svc
from app.incidents.enums import DispatchStatus
from app.incidents.models import Incident
from app.incidents.pages import bp
from app.web.common import may, partial, require


def _rows(found: Incident) -> list[dict[str, Any]]:
    return views.dispatch_rows(db.session(), found, principal_of(current_user),
                               may("dispatches"))


def _context(code: str, **extra: Any) -> dict[str, Any]:
    """The board of an incident under the filters of the request (query or form)."""
    session = db.session()
    found = incident_svc.load(session, code)
    filters = board_views.filters_from(request.values)
    return {"incident": found, "levels": views.levels_of(session, found.district_id),
            "board": board_views.board(_rows(found), filters), "filters": filters,
            "may_write": may("dispatches"), "alone": partial(), **extra}


def _to_board(code: str) -> str:
    return url_for(".dispatch_board", code=code, **board_views.filters_from(request.values))


@bp.get("/incidents/<code>/dispatches")
def dispatch_board(code: str) -> str:
    """The incident's dispatch orders, filtered, with bulk actions and printouts."""
    return render_template("incidents/board.html", **_context(code))


def _chosen() -> list[str]:
    """The orders a bulk form names: the ticked ones, or every shown one."""
    if request.form.get("all_shown") == "1":
        return request.form.getlist("shown")
    return request.form.getlist("dispatch")


@bp.post("/incidents/<code>/dispatches/bulk/preview")
def bulk_preview(code: str) -> str | Response | tuple[str, int]:
    """Say in numbers what a bulk action would move, with a button that carries it out."""
    require("dispatches")
    action = request.form.get("action", "")
    try:
        moves = board.preview(db.session(), code, _chosen(), action)
    except (ValidationFailed, Conflict) as exc:
        flash(exc.detail, "error")
        if partial():
            return render_template("incidents/_bulk_panel.html", moves=None, code=code,
                                   filters=board_views.filters_from(request.values),
                                   alone=True), exc.status
        return redirect(_to_board(code))
    ctx = {"moves": moves, "code": code, "filters": board_views.filters_from(request.values),
           "alone": partial()}
    if partial():
        return render_template("incidents/_bulk_panel.html", **ctx)
    return render_template("incidents/bulk_confirm.html", incident=incident_svc.load(
        db.session(), code), **ctx)


def _said(moves: dict[str, Any]) -> str:
    n, units = moves["orders"], format_decimal(moves["units"], format="#,##0")
    if moves["exercise"]:
        return _("%(n)s orders closed (an exercise: no stock moved).", n=n)
    if moves["action"] == "deliver":
        return _("%(n)s orders delivered: %(units)s units issued.", n=n, units=units)
    return _("%(n)s orders cancelled: %(units)s units back in %(depots)s depots.", n=n,
             units=units, depots=moves["depots"])


@bp.post("/incidents/<code>/dispatches/bulk")
def bulk(code: str) -> str | Response | tuple[str, int]:
    """Carry out a confirmed bulk action, all or nothing; htmx gets the board part back."""
    require("dispatches")
    status = 200
    try:
        moves = board.settle_many(db.session(), code, request.form.getlist("dispatch"),
                                  request.form.get("action", ""),
                                  (request.form.get("reason") or "").strip()[:500])
    except (ValidationFailed, Conflict) as exc:
        flash(exc.detail, "error")
        status = exc.status
    else:
        flash(_said(moves), "ok")
    if partial():
        return render_template("incidents/_board.html", **_context(code)), status
    return redirect(_to_board(code))


@bp.post("/dispatches/<code>/<any(deliver, cancel, dispatch):action>")
def close_dispatch(code: str, action: str) -> str | Response | tuple[str, int]:
    """Hand over (dispatch), deliver or cancel one order; htmx gets the board part back."""
    require("dispatches")
    session = db.session()
    incident = dispatch_svc.load(session, code).incident
    run = {"deliver": dispatch_svc.deliver, "cancel": dispatch_svc.cancel,
           "dispatch": dispatch_svc.dispatch_out}[action]
    status = 200
    try:
        run(session, code)
    except (ValidationFailed, Conflict) as exc:
        flash(exc.detail, "error")
        status = exc.status
    else:
        flash(_done(code, action, incident.exercise), "ok")
    if partial():
        return render_template("incidents/_board.html", **_context(incident.code)), status
    return redirect(_to_board(incident.code))


def _done(code: str, action: str, exercise: bool) -> str:
    if action == "dispatch":
        return _("Dispatch %(code)s handed over: in transit.", code=code)
    if exercise:
        return _("Dispatch %(code)s closed (an exercise: no stock moved).", code=code)
    if action == "deliver":
        return _("Dispatch %(code)s delivered: its stock is issued.", code=code)
    return _("Dispatch %(code)s cancelled: its stock is back in the depot.", code=code)


@bp.get("/incidents/<code>/dispatches/print")
def print_orders(code: str) -> str:
    """Every order that still counts (or of one status), under the board's filters."""
    found = incident_svc.load(db.session(), code)
    filters = board_views.filters_from(request.args)
    orders = [d for d in _rows(found) if board_views.matches(d, filters) and (
        "status" in filters or d["status"] != DispatchStatus.CANCELLED.value)]
    return _print(found, orders)


@bp.get("/dispatches/<code>/print")
def print_order(code: str) -> str:
    session = db.session()
    order = dispatch_svc.load(session, code)
    found = incident_svc.load(session, order.incident.code)
    return _print(found, [d for d in _rows(found) if d["code"] == code])


def _print(found: Incident, orders: list[dict[str, Any]]) -> str:
    levels = views.levels_of(db.session(), found.district_id)
    return render_template("incidents/print.html", incident=found, orders=orders,
                           level=levels.get(found.level), now=utcnow())


@bp.get("/incidents/<code>/dispatches/pick-list")
def pick_list(code: str) -> str:
    """One depot's loads of the open orders: what to load, lot by lot, and where it goes."""
    return _sheets(code, "pick", _("Pick list"), request.args.get("depot", ""))


@bp.get("/incidents/<code>/dispatches/manifest")
def manifest(code: str) -> str:
    """One vehicle's loads of the open orders, stop by stop."""
    return _sheets(code, "manifest", _("Vehicle manifest"), request.args.get("vehicle", ""))


def _sheets(code: str, kind: str, title: str, wanted: str) -> str:
    """A pick list or a manifest; without a depot or vehicle, the ones to choose from."""
    session = db.session()
    found = incident_svc.load(session, code)
    me = principal_of(current_user)
    ctx = {"incident": found, "kind": kind, "title": title, "now": utcnow()}
    if not wanted:
        every = sheets.sheets(session, found, me)
        choices = sorted({(s["depot"], f"{s['depot']} {s['depot_name']}") for s in every}
                         if kind == "pick" else {(s["vehicle"], f"{s['plate']} ({s['depot']})")
                                                 for s in every if s["vehicle"]})
        return render_template("incidents/sheets.html", subject=None, loads=[],
                               choices=choices, **ctx)
    sheet = (sheets.pick_list if kind == "pick" else sheets.manifest)(session, found, me,
                                                                        wanted)
    return render_template("incidents/sheets.html", loads=sheet["loads"], choices=[],
                           subject=sheet["depot" if kind == "pick" else "vehicle"], **ctx)


@bp.get("/incidents/<code>/close")
def close_preview(code: str) -> str:
    """Closing the incident, in numbers: the open orders it cancels and the teams."""
    require("incidents")
    return render_template("incidents/close_confirm.html",
                           incident=incident_svc.load(db.session(), code),
                           moves=board.closing(db.session(), code))


@bp.post("/incidents/<code>/close")
def close(code: str) -> Response:
    """Close; with release_open=1, cancel the open orders in the same transaction."""
    require("incidents")
    try:
        released = incident_svc.close(db.session(), code,
                                      release_open=request.form.get("release_open") == "1",
                                      reason=(request.form.get("reason") or "").strip()[:500])
    except DomainError as exc:
        flash(exc.detail, "error")
        return redirect(url_for(".close_preview", code=code))
    flash(_("The incident is closed: %(n)s open orders were cancelled; its teams stood down.",
            n=len(released)) if released else _("The incident is closed; its teams stood down."),
          "ok")
    return redirect(url_for(".incident", code=code, _anchor="top"))
