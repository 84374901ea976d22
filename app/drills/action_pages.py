"""Pages for drill compliance and requirements, and the corrective-action board."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core import db
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.drills import actions as action_svc
from app.drills import compliance as compliance_svc
from app.drills.compliance import Standing
from app.drills.enums import (
    AREA_UNITS,
    ActionStatus,
    DrillForm,
    Poete,
)
from app.drills.forms import (
    ActionEditForm,
    RequirementForm,
)
from app.drills.pages import _MOVES, _area_in_scope, _area_label, _areas, _attach, _today, bp
from app.web import locale
from app.web.common import may, require
from app.web.forms import choices


@bp.get("/drills/compliance")
def compliance() -> str:
    session = db.session()
    lang = locale()
    today = _today()
    area = _area_in_scope(request.args.get("area"))
    reqs = compliance_svc.requirements(session)
    wanted = request.args.get("requirement") or None
    if wanted not in {r.code for r in reqs}:
        wanted = None
    rows = compliance_svc.compliance(session, today, area=area, requirement=wanted)
    counts = Counter(r.standing.value for r in rows)
    standing = request.args.get("standing")
    if standing in {s.value for s in Standing}:
        rows = [r for r in rows if r.standing.value == standing]
    else:
        standing = None
    return render_template(
        "drills/compliance.html", rows=rows, counts=counts, standings=list(Standing),
        requirements=reqs, wanted=wanted, standing=standing, today=today, lang=lang,
        area=area, areas=[(a.code, _area_label(a, lang)) for a in _areas()],
        editable=may("requirements"), writable=may("drills"), area_units=AREA_UNITS)


@bp.route("/drills/requirements/<code>", methods=["GET", "POST"])
def requirement(code: str) -> str | Response | tuple[str, int]:
    require("requirements")
    session = db.session()
    req = compliance_svc.requirement(session, code)
    if request.method == "GET":
        form = RequirementForm(every_months=req.every_months, min_drills=req.min_drills,
                               form=req.form.value if req.form else "",
                               area_codes="\n".join(req.area_codes), active=req.active)
    else:
        form = RequirementForm()
    form.form.choices = [("", _("Any form")), *choices(DrillForm, locale())]
    if request.method == "POST":
        if form.validate():
            data: dict[str, Any] = {"every_months": form.every_months.data,
                                    "min_drills": form.min_drills.data,
                                    "form": form.form.data or None,
                                    "active": bool(form.active.data)}
            if req.unit not in AREA_UNITS:
                data["area_codes"] = re.split(r"[\s,，;；]+", form.area_codes.data or "")
            try:
                compliance_svc.save_requirement(session, data, code=code)
            except DomainError as exc:
                _attach(form, exc)
            else:
                flash(_("Rule %(code)s saved.", code=code), "ok")
                return redirect(url_for(".compliance", _anchor="rules"))
        return render_template("drills/requirement.html", req=req, form=form,
                               area_units=AREA_UNITS), 422
    return render_template("drills/requirement.html", req=req, form=form, area_units=AREA_UNITS)


@bp.get("/actions")
def actions() -> str:
    session = db.session()
    lang = locale()
    area = _area_in_scope(request.args.get("area"))
    element = request.args.get("element")
    poete = Poete(element) if element in {p.value for p in Poete} else None
    today = _today()
    board = action_svc.board(session, today, area=area, element=poete)
    filters = {k: v for k, v in (("area", area.code if area else None),
                                 ("element", poete.value if poete else None)) if v}
    return render_template(
        "drills/actions.html", board=board, today=today, statuses=list(ActionStatus),
        elements=choices(Poete, lang), area=area, element=poete, filters=filters,
        areas=[(a.code, _area_label(a, lang)) for a in _areas()],
        writable=may("actions"), moves=_MOVES)


def _back_to_board() -> str:
    back = request.form.get("back") or ""
    return back if back.startswith("/actions") and not back.startswith("//") \
        else url_for(".actions")


@bp.post("/actions/<code>/status")
def move_action(code: str) -> Response:
    require("actions")
    status = request.form.get("status", "")
    data: dict[str, Any] = {"status": status}
    if status == ActionStatus.DONE.value:
        data["closing_note"] = request.form.get("closing_note", "")
    try:
        action_svc.update(db.session(), code, data, today=_today())
    except (ValidationFailed, Conflict) as exc:
        flash(_("%(code)s: %(why)s", code=code, why=exc.detail), "error")
    else:
        flash(_("%(code)s is now %(status)s.", code=code,
                status=ActionStatus(status).label(locale())), "ok")
    return redirect(_back_to_board())


@bp.route("/actions/<code>", methods=["GET", "POST"])
def action(code: str) -> str | Response | tuple[str, int]:
    session = db.session()
    found = action_svc.load(session, code)
    lang = locale()
    if request.method == "GET":
        form = ActionEditForm(title=found.title, element=found.element.value, owner=found.owner,
                              due_on=found.due_on, capability=found.capability,
                              flags_plan=found.flags_plan, start_on=found.start_on,
                              status=found.status.value, closing_note=found.closing_note)
    else:
        require("actions")
        form = ActionEditForm()
    form.element.choices = choices(Poete, lang)
    allowed = {found.status, *action_svc.allowed_moves(found)}
    form.status.choices = [(s.value, s.label(lang)) for s in ActionStatus if s in allowed]
    if request.method == "POST":
        if form.validate():
            data = {"title": form.title.data, "element": form.element.data,
                    "owner": form.owner.data, "due_on": form.due_on.data,
                    "capability": form.capability.data or "",
                    "closing_note": form.closing_note.data or "", "status": form.status.data}
            if form.start_on.data:
                data["start_on"] = form.start_on.data
            if form.flags_plan.data and not found.flags_plan:
                data["flags_plan"] = True
            try:
                action_svc.update(session, code, data, today=_today())
            except DomainError as exc:
                _attach(form, exc)
            else:
                flash(_("Corrective action %(code)s saved.", code=code), "ok")
                return redirect(url_for(".actions"))
        return render_template("drills/action.html", action=found, form=form,
                               writable=True, today=_today()), 422
    return render_template("drills/action.html", action=found, form=form,
                           writable=may("actions"), today=_today())
