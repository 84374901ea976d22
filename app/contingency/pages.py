"""Contingency plan pages: the plans in scope, versions, approval, PDF downloads."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from app.areas.models import Area
from app.contingency import services as plan_svc
from app.contingency.enums import Edition, VersionStatus
from app.contingency.forms import FilingForm, NewPlanForm, NoteForm, PlanHeaderForm, ReviewForm
from app.contingency.models import ContingencyPlan, PlanVersion
from app.core import db
from app.core.clock import district_today
from app.core.downloads import pdf_response
from app.core.errors import DomainError, Forbidden, ValidationFailed
from app.core.vocabulary import Hazard
from app.web import locale
from app.web.common import may, my_prefix, require
from app.web.forms import attach

bp = Blueprint("plans_web", __name__, template_folder="templates")


OPEN = (VersionStatus.DRAFT, VersionStatus.SUBMITTED)


SOON_DAYS = 5  # a filing due within this many days is shown in orange


STATUS_CLASS = {VersionStatus.DRAFT: "proposed", VersionStatus.SUBMITTED: "drill-confirmed",
                VersionStatus.APPROVED: "confirmed", VersionStatus.SUPERSEDED: "superseded"}


def _approver() -> bool:
    return current_user.role in plan_svc.APPROVERS


def _restricted_reader() -> bool:
    return current_user.role in plan_svc.RESTRICTED_READERS


def _area_label(area: Area, lang: str) -> str:
    return f"{area.name(lang)} {area.code}"


def _plan_areas() -> list[Area]:
    """Areas in the user's scope a plan can be written for."""
    return list(db.session().scalars(
        select(Area).where(Area.path.startswith(my_prefix()),
                           Area.level.in_(plan_svc.PLAN_LEVELS)).order_by(Area.path)))


def suggest_code(session: Session, area_code: str) -> str:
    """P-<area>, else P-<area>-2, -3, … (the first code not taken)."""
    base = f"P-{area_code}"[:29]
    taken = set(session.scalars(select(ContingencyPlan.code)
                                .where(ContingencyPlan.code.startswith(base))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def filing_state(found: PlanVersion | None, today: date) -> dict[str, Any] | None:
    """How the approved version stands against its filing deadline, for the badge."""
    if found is None or found.filing_due is None:
        return None
    state = plan_svc.filing(found, today)
    if state.filed_on is not None:
        late = state.overdue
        return {"css": "standing-due_soon" if late else "standing-ok",
                "text": _("Filed late on %(day)s", day=state.filed_on.isoformat()) if late
                else _("Filed on %(day)s", day=state.filed_on.isoformat()), "due": state.due}
    if state.overdue:
        return {"css": "standing-overdue", "due": state.due,
                "text": _("Filing overdue since %(day)s", day=state.due.isoformat())
                if state.due else ""}
    days = state.days_left or 0
    return {"css": "standing-due_soon" if days <= SOON_DAYS else "standing-planned",
            "due": state.due, "text": _("File by %(day)s (%(n)s days left)",
                                        day=state.due.isoformat() if state.due else "",
                                        n=days)}


def _hazard_choices(lang: str) -> list[tuple[str, str]]:
    return [(h.value, h.label(lang)) for h in Hazard]


def _ordered_hazards(ticked: list[str], before: list[str]) -> list[str]:
    """Keep the plan's main hazard first when it stays ticked; then the old order."""
    kept = [h for h in before if h in ticked]
    return kept + [h.value for h in Hazard if h.value in ticked and h.value not in kept]


def _header_data(form: PlanHeaderForm, before: list[str] | None = None) -> dict[str, Any]:
    return {"title_zh": form.title_zh.data or "", "title_en": form.title_en.data or "",
            "hazards": _ordered_hazards(list(form.hazards.data or []), before or []),
            "scenario_displaced": form.scenario_displaced.data,
            "scenario_days": form.scenario_days.data, "review_due": form.review_due.data}


def _new_form() -> NewPlanForm:
    lang = locale()
    if request.method == "GET":
        form = NewPlanForm(scenario_days=3, area=request.args.get("area") or None)
    else:
        form = NewPlanForm()
    form.area.choices = [(a.code, f"{_area_label(a, lang)} · {a.level.label(lang)}")
                         for a in _plan_areas()]
    form.hazards.choices = _hazard_choices(lang)
    return form


def _index_page(form: NewPlanForm | None = None) -> str:
    session = db.session()
    lang = locale()
    today = district_today()
    level = request.args.get("level")
    levels = [lv.value for lv in plan_svc.PLAN_LEVELS]
    if level not in levels:
        level = None
    area_code = request.args.get("area") or None
    stmt = plan_svc.in_scope(my_prefix(area_code)).options(selectinload(ContingencyPlan.area))
    if level:
        stmt = stmt.where(Area.level == level)
    found: list[ContingencyPlan] = list(session.scalars(
        stmt.order_by(Area.path, ContingencyPlan.code)))
    current: dict[int, PlanVersion] = {}
    open_: dict[int, PlanVersion] = {}
    if found:
        for v in session.scalars(select(PlanVersion).where(
                PlanVersion.plan_id.in_([p.id for p in found]),
                PlanVersion.status.in_([VersionStatus.APPROVED, *OPEN]))):
            (current if v.status is VersionStatus.APPROVED else open_)[v.plan_id] = v
    rows: list[dict[str, Any]] = [
        {"plan": p, "hazards": plan_svc.hazards_of(p), "current": current.get(p.id),
         "open": open_.get(p.id), "filing": filing_state(current.get(p.id), today)}
        for p in found]
    writable = may("plans")
    return render_template(
        "plans/index.html", rows=rows, level=level, levels=list(plan_svc.PLAN_LEVELS),
        area_code=area_code, writable=writable,
        form=form if form is not None else (_new_form() if writable else None),
        counts={"approved": sum(1 for r in rows if r["current"]),
                "revision": sum(1 for r in rows if r["plan"].needs_revision),
                "overdue": sum(1 for r in rows if r["filing"]
                               and r["filing"]["css"] == "standing-overdue")},
        status_class=STATUS_CLASS, lang=lang)


@bp.get("/plans")
def index() -> str:
    return _index_page()


@bp.post("/plans")
def create() -> Response | tuple[str, int]:
    require("plans")
    form = _new_form()
    if form.validate():
        session = db.session()
        data = {"area": form.area.data, "code": suggest_code(session, form.area.data or ""),
                **_header_data(form)}
        try:
            plan = plan_svc.save_plan(session, data)
        except DomainError as exc:
            attach(form, exc)
        else:
            flash(_("Plan %(code)s created. Start a draft to write its first version.",
                    code=plan.code), "ok")
            return redirect(url_for(".plan", code=plan.code))
    return _index_page(form), 422


def _header_form(plan: ContingencyPlan) -> PlanHeaderForm:
    if request.method == "GET":
        form = PlanHeaderForm(prefix="plan", title_zh=plan.title_zh, title_en=plan.title_en,
                              hazards=[h.value for h in plan_svc.hazards_of(plan)],
                              scenario_displaced=plan.scenario_displaced,
                              scenario_days=plan.scenario_days, review_due=plan.review_due)
    else:
        form = PlanHeaderForm(prefix="plan")
    form.hazards.choices = _hazard_choices(locale())
    return form


def _plan_page(code: str, **forms: Any) -> dict[str, Any]:
    session = db.session()
    plan = plan_svc.load(session, code)
    today = district_today()
    found = plan_svc.versions(session, plan)
    current = next((v for v in found if v.status is VersionStatus.APPROVED), None)
    open_ = next((v for v in found if v.status in OPEN), None)
    return {
        "plan": plan, "versions": found, "current": current, "open": open_,
        "hazards": plan_svc.hazards_of(plan), "filing": filing_state(current, today),
        "filings": {v.id: filing_state(v, today) for v in found},
        "writable": may("plans"), "approver": _approver(),
        "restricted": _restricted_reader(), "status_class": STATUS_CLASS,
        "langs": plan_svc.LANGS, "editions": list(Edition),
        "filing_days": plan_svc.FILING_WORKING_DAYS, "filing_source": plan_svc.FILING_SOURCE,
        "forms": {"header": _header_form(plan), "note": NoteForm(prefix="draft"),
                  "review": ReviewForm(prefix="review"),
                  "filing": FilingForm(prefix="filing", filed_on=today), **forms}}


@bp.get("/plans/<code>")
def plan(code: str) -> str:
    return render_template("plans/detail.html", **_plan_page(code))


@bp.post("/plans/<code>/edit")
def edit(code: str) -> Response | tuple[str, int]:
    require("plans")
    session = db.session()
    found = plan_svc.load(session, code)
    form = _header_form(found)
    if form.validate():
        try:
            plan_svc.save_plan(session, _header_data(form, list(found.hazards or [])),
                               code=code)
        except DomainError as exc:
            attach(form, exc)
        else:
            flash(_("Plan %(code)s saved.", code=code), "ok")
            return redirect(url_for(".plan", code=code))
    return render_template("plans/detail.html", **_plan_page(code, header=form)), 422


def _back(code: str) -> Response:
    return redirect(url_for(".plan", code=code, _anchor="versions"))


@bp.post("/plans/<code>/versions")
def new_draft(code: str) -> Response:
    require("plans")
    form = NoteForm(prefix="draft")
    if not form.validate():
        flash(" ".join(str(e) for e in form.note.errors) or _("Check the form."), "error")
        return _back(code)
    try:
        draft = plan_svc.new_draft(db.session(), code, form.note.data or "")
    except DomainError as exc:
        flash(exc.detail, "error")
    else:
        flash(_("Version %(n)s of %(code)s is a draft: it shows today's data until it is "
                "submitted.", n=draft.number, code=code), "ok")
    return _back(code)


@bp.post("/plans/<code>/versions/<int:number>/submit")
def submit(code: str, number: int) -> Response:
    require("plans")
    try:
        plan_svc.submit(db.session(), code, number)
    except DomainError as exc:
        flash(exc.detail, "error")
    else:
        flash(_("Version %(n)s is submitted: its data is frozen for the approver.", n=number),
              "ok")
    return _back(code)


def _require_approver() -> None:
    if not _approver():
        raise Forbidden(_("Only officials, coordinators and administrators approve plans."))


def _review(code: str, run: Callable[[str], Any], done: str) -> Response:
    """Approve or return a version: the reviewer's comment, the service's verdict flashed."""
    _require_approver()
    form = ReviewForm(prefix="review")
    if not form.validate():
        flash(" ".join(str(e) for e in form.comment.errors), "error")
        return _back(code)
    try:
        run(form.comment.data or "")
    except DomainError as exc:
        flash(exc.detail, "error")
    else:
        flash(done, "ok")
    return _back(code)


@bp.post("/plans/<code>/versions/<int:number>/approve")
def approve(code: str, number: int) -> Response:
    return _review(code, lambda comment: plan_svc.approve(db.session(), code, number, comment),
                   _("Version %(n)s of %(code)s is approved and issued. Its PDFs are "
                     "rendered and stored within a minute; a download renders one at once.",
                     n=number, code=code))


@bp.post("/plans/<code>/versions/<int:number>/return")
def return_(code: str, number: int) -> Response:
    return _review(code,
                   lambda comment: plan_svc.return_to_draft(db.session(), code, number, comment),
                   _("Version %(n)s is returned to its writers as a draft.", n=number))


@bp.post("/plans/<code>/versions/<int:number>/filing")
def filing(code: str, number: int) -> Response:
    _require_approver()
    form = FilingForm(prefix="filing")
    if not form.validate():
        flash(" ".join(str(e) for e in form.filed_on.errors), "error")
        return _back(code)
    try:
        plan_svc.record_filing(db.session(), code, number, form.filed_on.data)
    except DomainError as exc:
        flash(exc.detail, "error")
    else:
        flash(_("The filing of version %(n)s is recorded.", n=number), "ok")
    return _back(code)


def pdf_filename(code: str, number: int | None, lang: str, edition: Edition) -> str:
    """P-S01-C01_v2_zh.pdf (restricted: …_zh_restricted.pdf; no version yet: …_draft_zh)."""
    version = f"v{number}" if number is not None else "draft"
    suffix = "_restricted" if edition is Edition.RESTRICTED else ""
    return f"{code}_{version}_{lang}{suffix}.pdf"


def parse_edition(raw: str | None) -> Edition:
    try:
        return Edition(raw or Edition.PUBLIC.value)
    except ValueError:
        raise ValidationFailed(_("The edition is public or restricted."),
                               field="edition") from None


@bp.get("/plans/<code>/pdf")
def pdf(code: str) -> Response:
    raw = request.args.get("version") or None
    if raw is not None and not raw.isdigit():
        raise ValidationFailed(_("The version is a whole number."), field="version")
    number = int(raw) if raw is not None else None
    edition = parse_edition(request.args.get("edition"))
    lang = request.args.get("lang") or locale()
    body, found = plan_svc.document(db.session(), code, number=number, lang=lang,
                                    edition=edition)
    return pdf_response(body, pdf_filename(code, found.number if found else None, lang,
                                           edition))
