"""Contingency plans API: plans, versions, approval and PDF downloads."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, subtree_prefix
from app.areas.models import Area
from app.contingency import schemas as s
from app.contingency import services as plans
from app.contingency.enums import Edition, VersionStatus
from app.contingency.models import ContingencyPlan, PlanVersion
from app.contingency.pages import pdf_filename
from app.core import db
from app.core.downloads import pdf_response
from app.core.errors import NotFound, ValidationFailed
from app.core.listing import page_of

bp = APIBlueprint("plans", __name__, url_prefix="/api/v1", tag="Contingency plans")
READ = {**PROBLEM_RESPONSES, 404: "Unknown code (problem)"}
WRITE = {**READ, 409: "Conflict (problem)"}
PlanPage = envelope(s.PlanOut, "PlanPage")
PDF_RESPONSES: dict[Any, Any] = {
    **READ,
    200: {"description": "The plan document as PDF (an attachment named like "
                         "`P-S01-C01_v2_zh.pdf`). Approved versions are served byte for byte "
                         "as stored; their SHA-256 is in the version's `documents`.",
          "content": {"application/pdf": {"schema": {"type": "string",
                                                     "format": "binary"}}}},
}
OPEN = (VersionStatus.DRAFT, VersionStatus.SUBMITTED)


def _filing(found: PlanVersion | None) -> dict[str, Any] | None:
    if found is None or found.filing_due is None:
        return None
    f = plans.filing(found)
    return {"due": f.due, "filed_on": f.filed_on, "overdue": f.overdue,
            "days_left": f.days_left}


def _plan_dicts(found: list[ContingencyPlan]) -> list[dict[str, Any]]:
    current: dict[int, PlanVersion] = {}
    open_: dict[int, PlanVersion] = {}
    if found:
        for v in db.session().scalars(select(PlanVersion).where(
                PlanVersion.plan_id.in_([p.id for p in found]),
                PlanVersion.status.in_([VersionStatus.APPROVED, *OPEN]))):
            (current if v.status is VersionStatus.APPROVED else open_)[v.plan_id] = v
    out = []
    for p in found:
        cur, opn = current.get(p.id), open_.get(p.id)
        out.append({
            "code": p.code, "area": p.area.code, "area_level": p.area.level.value,
            "title_zh": p.title_zh, "title_en": p.title_en,
            "hazards": [h.value for h in plans.hazards_of(p)],
            "scenario_displaced": p.scenario_displaced, "scenario_days": p.scenario_days,
            "review_due": p.review_due, "needs_revision": p.needs_revision,
            "revision_reasons": list(p.revision_reasons or []),
            "approved_version": cur.number if cur else None,
            "issued_on": cur.issued_on if cur else None, "filing": _filing(cur),
            "open_version": {"number": opn.number, "status": opn.status.value} if opn else None,
            "updated_at": p.updated_at})
    return out


def _version_dict(code: str, v: PlanVersion) -> dict[str, Any]:
    return {
        "plan": code, "number": v.number, "status": v.status.value, "note": v.note,
        "created_by": v.created_by, "created_at": v.created_at,
        "submitted_by": v.submitted_by, "submitted_at": v.submitted_at,
        "approved_by": v.approved_by, "approved_at": v.approved_at,
        "review_comment": v.review_comment, "snapshot_sha256": v.snapshot_sha256,
        "issued_on": v.issued_on, "filing": _filing(v),
        "documents": [{"lang": d.lang, "edition": d.edition.value, "sha256": d.sha256,
                       "pages": d.pages, "size": len(d.pdf),
                       "url": url_for("plans.version_pdf", code=code, number=v.number,
                                      lang=d.lang, edition=d.edition.value)}
                      for d in v.documents if plans.may_read(d.edition)],
        "documents_pending": [{"lang": lang, "edition": edition.value,
                               "url": url_for("plans.version_pdf", code=code, number=v.number,
                                              lang=lang, edition=edition.value)}
                              for lang, edition in plans.missing_documents(v)
                              if plans.may_read(edition)]}


def _one(code: str) -> dict[str, Any]:
    session = db.session()
    session.expire_all()
    return _plan_dicts([plans.load(session, code)])[0]


# ---------------------------------------------------------------- plans

class PlanListQuery(ListQuery, s.PlanQuery):
    pass


@bp.get("/plans")
@bp.input(PlanListQuery, location="query", arg_name="args")
@bp.output(PlanPage)
@bp.doc(summary="Contingency plans in your areas (filters: area subtree, area level), with "
                "the approved version, its filing deadline and any open version",
        responses=PROBLEM_RESPONSES)
def list_plans(args: dict[str, Any]) -> dict[str, Any]:
    stmt = plans.in_scope(subtree_prefix(args["area"])).options(
        selectinload(ContingencyPlan.area))
    if args["level"]:
        stmt = stmt.where(Area.level == args["level"])
    page = page_of(stmt, args, {"code": ContingencyPlan.code, "area": Area.path,
                                "title": ContingencyPlan.title_zh},
                   [ContingencyPlan.code, ContingencyPlan.title_zh, ContingencyPlan.title_en],
                   "area")
    return {**page, "items": _plan_dicts(list(page["items"]))}


@bp.post("/plans")
@bp.input(s.PlanIn, arg_name="json_data")
@bp.output(s.PlanOut, status_code=201)
@bp.doc(summary="Write down a new plan for a community, a street or the district (writers)",
        responses=WRITE)
def create_plan(json_data: dict[str, Any]) -> dict[str, Any]:
    try:
        plan = plans.save_plan(db.session(), json_data)
    except NotFound as err:  # a code in the body that names nothing is bad input
        raise ValidationFailed(err.detail, field=err.field) from None
    return _one(plan.code)


@bp.get("/plans/<code>")
@bp.output(s.PlanOut)
@bp.doc(summary="A contingency plan", responses=READ)
def read_plan(code: str) -> dict[str, Any]:
    return _one(code)


@bp.patch("/plans/<code>")
@bp.input(s.PlanPatch, arg_name="json_data")
@bp.output(s.PlanOut)
@bp.doc(summary="Change a plan's titles, hazards, scenario or review date (writers)",
        responses=WRITE)
def update_plan(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    plans.save_plan(db.session(), json_data, code=code)
    return _one(code)


# ---------------------------------------------------------------- versions

@bp.get("/plans/<code>/versions")
@bp.output(s.VersionList)
@bp.doc(summary="A plan's versions, newest first, with their hashes and documents",
        responses=READ)
def list_versions(code: str) -> dict[str, Any]:
    session = db.session()
    plan = plans.load(session, code)
    return {"plan": code, "items": [_version_dict(code, v)
                                    for v in plans.versions(session, plan)]}


@bp.post("/plans/<code>/versions")
@bp.input(s.NoteIn, arg_name="json_data")
@bp.output(s.VersionOut, status_code=201)
@bp.doc(summary="Start the next version as a draft (writers; one open version at a time)",
        responses=WRITE)
def create_version(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    return _version_dict(code, plans.new_draft(db.session(), code, json_data["note"]))


@bp.post("/plans/<code>/versions/<int:number>/submit")
@bp.output(s.VersionOut)
@bp.doc(summary="Submit a draft for approval: today's data is frozen into its snapshot "
                "(writers)", responses=WRITE)
def submit_version(code: str, number: int) -> dict[str, Any]:
    return _version_dict(code, plans.submit(db.session(), code, number))


@bp.post("/plans/<code>/versions/<int:number>/approve")
@bp.input(s.ApproveIn, arg_name="json_data")
@bp.output(s.VersionOut)
@bp.doc(summary="Approve a submitted version: its PDFs are rendered and stored, the old "
                "approved version is superseded (officials, coordinators, administrators "
                "responsible for the parent area; not the submitter)", responses=WRITE)
def approve_version(code: str, number: int, json_data: dict[str, Any]) -> dict[str, Any]:
    return _version_dict(code, plans.approve(db.session(), code, number,
                                             json_data["comment"]))


@bp.post("/plans/<code>/versions/<int:number>/return")
@bp.input(s.ReturnIn, arg_name="json_data")
@bp.output(s.VersionOut)
@bp.doc(summary="Return a submitted version to draft, saying what must change (approvers)",
        responses=WRITE)
def return_version(code: str, number: int, json_data: dict[str, Any]) -> dict[str, Any]:
    return _version_dict(code, plans.return_to_draft(db.session(), code, number,
                                                     json_data["comment"]))


@bp.post("/plans/<code>/versions/<int:number>/filing")
@bp.input(s.FilingIn, arg_name="json_data")
@bp.output(s.VersionOut)
@bp.doc(summary="Record that the approved version was filed (备案) with the parent area "
                "(approvers)", responses=WRITE)
def file_version(code: str, number: int, json_data: dict[str, Any]) -> dict[str, Any]:
    return _version_dict(code, plans.record_filing(db.session(), code, number,
                                                   json_data["filed_on"]))


# ---------------------------------------------------------------- documents

def _pdf(code: str, number: int | None, args: dict[str, Any]) -> Response:
    edition = Edition(args["edition"])
    if number is None and plans.may_read(edition):
        session = db.session()
        plan = plans.load(session, code)
        if plans.current(session, plan) is None:  # not approved yet: the newest version
            newest = plans.versions(session, plan)
            number = newest[0].number if newest else None
    body, found = plans.document(db.session(), code, number=number, lang=args["lang"],
                                 edition=edition)
    return pdf_response(body, pdf_filename(code, found.number if found else None,
                                           args["lang"], edition))


@bp.get("/plans/<code>/versions/<int:number>.pdf")
@bp.input(s.PdfQuery, location="query", arg_name="args")
@bp.doc(summary="A version's document as PDF (approved: as stored; submitted: from its "
                "snapshot; draft: from today's data)", responses=PDF_RESPONSES)
def version_pdf(code: str, number: int, args: dict[str, Any]) -> Response:
    return _pdf(code, number, args)


@bp.get("/plans/<code>/pdf")
@bp.input(s.PdfQuery, location="query", arg_name="args")
@bp.doc(summary="The plan's document as PDF: the approved version, else the newest draft "
                "from today's data", responses=PDF_RESPONSES)
def plan_pdf(code: str, args: dict[str, Any]) -> Response:
    return _pdf(code, None, args)
