"""Contingency plans and their versions: draft → submitted → approved → superseded.

A draft is rendered from live data whenever it is downloaded. Submitting freezes the data
into the version's snapshot (what the approver reviews) with its SHA-256. Approval is quick;
the PDFs (Chinese and English, public and restricted editions) are rendered from the snapshot
afterwards, by a job or at their first download, and stored with their own hashes; from then
on the version never changes, except that its filing with the parent area is recorded and a
later approval supersedes it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.contingency.enums import Edition, VersionStatus
from app.contingency.models import ContingencyPlan, PlanDocument, PlanVersion
from app.core.access import require_writer
from app.core.clock import district_today
from app.core.db import unit_of_work, utcnow
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.fields import optional_date_field
from app.core.i18n import _
from app.core.lookup import actor, ensure_in_scope, reject_unknown, scoped_by_code
from app.core.vocabulary import AreaLevel, Hazard, Role

LANGS = ("zh", "en")
FILING_WORKING_DAYS = 20  # community plans are filed with the street within 20 working days
FILING_SOURCE = "应急厅函〔2023〕231号 templates: filed with the street within 20 working days " \
                "of issue [secondary]"
APPROVERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.OFFICIAL})
RESTRICTED_READERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.OFFICIAL})
PLAN_LEVELS = (AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY)
FIELDS = {"code", "area", "title_zh", "title_en", "hazards", "scenario_displaced",
          "scenario_days", "review_due"}


def in_scope(prefix: str) -> Select[tuple[ContingencyPlan]]:
    return (select(ContingencyPlan).join(Area, Area.id == ContingencyPlan.area_id)
            .where(Area.path.startswith(prefix)))


def load(session: Session, code: str) -> ContingencyPlan:
    plan = session.scalar(select(ContingencyPlan).where(ContingencyPlan.code == code)
                          .options(selectinload(ContingencyPlan.area)))
    if plan is None:
        raise NotFound(_("No contingency plan with code '%(code)s'.", code=code), field="plan")
    ensure_in_scope(plan, "plan")
    return plan


def hazards_of(plan: ContingencyPlan) -> list[Hazard]:
    codes = plan.hazards or ([plan.hazard.value] if plan.hazard else [])
    return [Hazard(c) for c in codes]


def _hazards(raw: Any) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    out: list[str] = []
    for item in items:
        try:
            value = Hazard.parse(str(item)).value
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="hazards") from None
        if value not in out:
            out.append(value)
    if not out:
        raise ValidationFailed(_("A plan covers at least one hazard."), field="hazards")
    return out


def save_plan(session: Session, data: dict[str, Any], code: str | None = None
              ) -> ContingencyPlan:
    """Create (code None: data names the code and area) or change a plan's header."""
    require_writer("plans")
    reject_unknown(data, FIELDS)
    with unit_of_work(session):
        if code is None:
            for key in ("code", "area", "title_zh", "hazards"):
                if data.get(key) in (None, "", []):
                    raise ValidationFailed(_("This field is required."), field=key)
            if session.scalar(select(ContingencyPlan.id).where(
                    ContingencyPlan.code == data["code"])) is not None:
                raise Conflict(_("The code '%(code)s' is already used.", code=data["code"]),
                               field="code")
            area = scoped_by_code(session, Area, data["area"], "area")
            if area.level not in PLAN_LEVELS:
                raise ValidationFailed(_("Plans are written for a community, a street or the "
                                         "district."), field="area")
            plan = ContingencyPlan(code=str(data["code"]).strip(), area_id=area.id,
                                   title_zh="")
            plan.area = area
            session.add(plan)
        else:
            plan = load(session, code)
            if "area" in data and data["area"] != plan.area.code:
                raise ValidationFailed(_("A plan stays with its area."), field="area")
        for key in ("title_zh", "title_en"):
            if key in data:
                value = str(data[key] or "").strip()
                if key == "title_zh" and not value:
                    raise ValidationFailed(_("This field is required."), field=key)
                setattr(plan, key, value)
        if "hazards" in data:
            plan.hazards = _hazards(data["hazards"])
            plan.hazard = Hazard(plan.hazards[0])
        if "scenario_displaced" in data:
            value = data["scenario_displaced"]
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValidationFailed(_("A whole number, 0 or more."),
                                       field="scenario_displaced")
            plan.scenario_displaced = value
        if "scenario_days" in data:
            if not isinstance(data["scenario_days"], int) or not 1 <= data["scenario_days"] <= 30:
                raise ValidationFailed(_("The scenario lasts 1 to 30 days."),
                                       field="scenario_days")
            plan.scenario_days = data["scenario_days"]
        if "review_due" in data:
            plan.review_due = optional_date_field(data["review_due"], "review_due")
        session.flush()
        return plan


def versions(session: Session, plan: ContingencyPlan) -> list[PlanVersion]:
    return list(session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                .order_by(PlanVersion.number.desc())))


def version(session: Session, code: str, number: int) -> PlanVersion:
    plan = load(session, code)
    found = session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                     PlanVersion.number == number))
    if found is None:
        raise NotFound(_("Plan %(code)s has no version %(number)s.", code=code, number=number),
                       field="version")
    return found


def current(session: Session, plan: ContingencyPlan) -> PlanVersion | None:
    """The approved version in force, if any."""
    return session.scalar(select(PlanVersion).where(
        PlanVersion.plan_id == plan.id, PlanVersion.status == VersionStatus.APPROVED))


def new_draft(session: Session, code: str, note: str = "") -> PlanVersion:
    """Start the next version; only one draft or submitted version may be open at a time."""
    require_writer("plans")
    with unit_of_work(session):
        plan = load(session, code)
        open_ = session.scalar(select(PlanVersion).where(
            PlanVersion.plan_id == plan.id,
            PlanVersion.status.in_([VersionStatus.DRAFT, VersionStatus.SUBMITTED])))
        if open_ is not None:
            raise Conflict(_("Version %(number)s of plan %(code)s is still %(status)s.",
                             number=open_.number, code=code, status=open_.status.label()),
                           field="version")
        number = (session.scalar(select(func.max(PlanVersion.number))
                                 .where(PlanVersion.plan_id == plan.id)) or 0) + 1
        draft = PlanVersion(plan_id=plan.id, number=number, note=note.strip(),
                            created_by=actor().label)
        session.add(draft)
        session.flush()
        return draft


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submit(session: Session, code: str, number: int) -> PlanVersion:
    """Freeze today's data into the version for review."""
    from app.contingency import context as plan_context

    require_writer("plans")
    with unit_of_work(session):
        found = version(session, code, number)
        if found.status is not VersionStatus.DRAFT:
            raise Conflict(_("Only a draft can be submitted; version %(number)s is %(status)s.",
                             number=number, status=found.status.label()), field="status")
        snapshot = plan_context.build(session, found.plan, version=found)
        found.snapshot = snapshot
        found.snapshot_sha256 = sha256(canonical_json(snapshot))
        found.status = VersionStatus.SUBMITTED
        found.submitted_by = actor().label
        found.submitted_at = utcnow()
        session.flush()
        return found


def return_to_draft(session: Session, code: str, number: int, comment: str) -> PlanVersion:
    """The reviewer sends a submitted version back, saying why."""
    with unit_of_work(session):
        found = version(session, code, number)
        _check_approver(found)
        if found.status is not VersionStatus.SUBMITTED:
            raise Conflict(_("Only a submitted version can be returned."), field="status")
        if not comment.strip():
            raise ValidationFailed(_("Say what must change."), field="comment")
        found.status = VersionStatus.DRAFT
        found.snapshot = None
        found.snapshot_sha256 = ""
        found.review_comment = comment.strip()
        session.flush()
        return found


def _check_approver(found: PlanVersion) -> None:
    """An official, coordinator or administrator responsible for the parent area (for the
    district plan: the district), and not the person who submitted it."""
    who = actor()
    if who.role not in APPROVERS:
        raise Forbidden(_("Only officials, coordinators and administrators approve plans."))
    area = found.plan.area
    parent_path = area.path
    if area.parent is not None:
        parent_path = area.parent.path
    if not who.covers(parent_path):
        raise Forbidden(_("A plan is approved at the level above its area."))
    if found.submitted_by and found.submitted_by == who.label and who.user_id is not None:
        raise Forbidden(_("Someone other than the submitter approves the plan."))


def working_days_after(start: date, days: int) -> date:
    """The date `days` working days (Monday–Friday) after `start`."""
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def approve(session: Session, code: str, number: int, comment: str = "") -> PlanVersion:
    """Approve a submitted version and supersede the old one.

    Its four PDFs (zh/en × public/restricted) are rendered from the frozen snapshot after the
    commit, not in the approver's request (a district plan takes ~40 s): by the scheduler's
    `render_plan_documents` job within a minute, or at the first download of each, whichever
    comes first. Either way each is rendered once and then served byte for byte.
    """
    with unit_of_work(session):
        found = version(session, code, number)
        _check_approver(found)
        if found.status is not VersionStatus.SUBMITTED or found.snapshot is None:
            raise Conflict(_("Only a submitted version can be approved; version %(number)s "
                             "is %(status)s.", number=number, status=found.status.label()),
                           field="status")
        if sha256(canonical_json(found.snapshot)) != found.snapshot_sha256:
            raise Conflict(_("The submitted data no longer matches its hash."), field="version")
        today = district_today()
        old = current(session, found.plan)
        if old is not None:
            old.status = VersionStatus.SUPERSEDED
        found.status = VersionStatus.APPROVED
        found.approved_by = actor().label
        found.approved_at = utcnow()
        found.review_comment = comment.strip()
        found.issued_on = today
        found.filing_due = working_days_after(today, FILING_WORKING_DAYS)
        found.plan.needs_revision = False
        found.plan.revision_reasons = []
        session.flush()
        return found


DOCUMENT_KINDS = tuple((lang, edition) for lang in LANGS for edition in Edition)


def missing_documents(found: PlanVersion) -> list[tuple[str, Edition]]:
    """The (language, edition) PDFs an approved or superseded version has not stored yet."""
    if found.status not in (VersionStatus.APPROVED, VersionStatus.SUPERSEDED):
        return []
    have = {(d.lang, d.edition) for d in found.documents}
    return [kind for kind in DOCUMENT_KINDS if kind not in have]


def versions_missing_documents(session: Session) -> list[int]:
    """Ids of approved or superseded versions with fewer than all four PDFs stored."""
    stored = (select(PlanDocument.version_id, func.count().label("n"))
              .group_by(PlanDocument.version_id).subquery())
    return list(session.scalars(
        select(PlanVersion.id).outerjoin(stored, stored.c.version_id == PlanVersion.id)
        .where(PlanVersion.status.in_([VersionStatus.APPROVED, VersionStatus.SUPERSEDED]),
               func.coalesce(stored.c.n, 0) < len(DOCUMENT_KINDS))
        .order_by(PlanVersion.id)))


def store_document(session: Session, found: PlanVersion, lang: str,
                   edition: Edition) -> PlanDocument:
    """Render one PDF of an approved version from its snapshot and store it, in a savepoint:
    when another process stored the same one first, that one is kept and returned."""
    from app.contingency import pdf as plan_pdf

    pdf, pages = plan_pdf.render(found.snapshot or {}, lang=lang, edition=edition,
                                 status=VersionStatus.APPROVED.value)
    doc = PlanDocument(version_id=found.id, lang=lang, edition=edition, pdf=pdf,
                       sha256=sha256(pdf), pages=pages)
    try:
        with session.begin_nested():
            session.add(doc)
    except IntegrityError:
        session.expire(found, ["documents"])
        return next(d for d in found.documents if d.lang == lang and d.edition is edition)
    session.expire(found, ["documents"])
    return doc


def record_filing(session: Session, code: str, number: int, filed_on: date | None = None
                  ) -> PlanVersion:
    """Record that the approved version was filed (备案) with the parent area."""
    with unit_of_work(session):
        found = version(session, code, number)
        _check_approver(found)
        if found.status is not VersionStatus.APPROVED:
            raise Conflict(_("Only the approved version is filed."), field="status")
        found.filed_on = filed_on or district_today()
        found.filed_by = actor().label
        session.flush()
        return found


@dataclass(frozen=True)
class Filing:
    due: date | None
    filed_on: date | None
    overdue: bool
    days_left: int | None


def filing(found: PlanVersion, today: date | None = None) -> Filing:
    today = today or district_today()
    if found.filing_due is None:
        return Filing(None, found.filed_on, False, None)
    if found.filed_on is not None:
        return Filing(found.filing_due, found.filed_on, found.filed_on > found.filing_due, None)
    return Filing(found.filing_due, None, today > found.filing_due,
                  (found.filing_due - today).days)


def may_read(edition: Edition) -> bool:
    return edition is Edition.PUBLIC or actor().role in RESTRICTED_READERS


def document(session: Session, code: str, *, number: int | None = None, lang: str = "zh",
             edition: Edition = Edition.PUBLIC) -> tuple[bytes, PlanVersion | None]:
    """The PDF of a version (default: the approved one, else a draft from live data).

    Approved versions are served from storage, byte for byte; a submitted version renders
    from its frozen snapshot; a draft (or a plan with no version yet) from live data.
    """
    from app.contingency import context as plan_context
    from app.contingency import pdf as plan_pdf

    if lang not in LANGS:
        raise ValidationFailed(_("The language is zh or en."), field="lang")
    if not may_read(edition):
        raise Forbidden(_("The restricted edition lists vulnerable residents; your role cannot "
                          "download it."), field="edition")
    plan = load(session, code)
    found = version(session, code, number) if number is not None else current(session, plan)
    if found is not None and found.status in (VersionStatus.APPROVED, VersionStatus.SUPERSEDED):
        stored = next((d for d in found.documents
                       if d.lang == lang and d.edition is edition), None)
        if stored is None:  # approved moments ago: render it now, once, for everyone
            with unit_of_work(session):
                stored = store_document(session, found, lang, edition)
        return stored.pdf, found
    if found is not None and found.snapshot is not None:
        return plan_pdf.render(found.snapshot, lang=lang, edition=edition,
                               status=found.status.value)[0], found
    context = plan_context.build(session, plan, version=found)
    return plan_pdf.render(context, lang=lang, edition=edition)[0], found
