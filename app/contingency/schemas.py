"""Schemas: contingency plans, their versions and documents.

The request schemas check shapes; the plan service checks the rules (hazards, scope, role,
the version's state) and names the field at fault.
"""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas import Int, code_field, one_of
from app.contingency.enums import Edition, VersionStatus
from app.core.vocabulary import AreaLevel

LEVELS = [AreaLevel.DISTRICT.value, AreaLevel.STREET.value, AreaLevel.COMMUNITY.value]


class PlanIn(Schema):
    code = code_field()
    area = code_field()
    title_zh = fields.String(required=True, validate=validators.Length(min=1, max=200))
    title_en = fields.String(validate=validators.Length(max=200))
    hazards = fields.List(fields.String(validate=validators.Length(min=1, max=40)),
                          required=True, validate=validators.Length(min=1, max=20),
                          metadata={"description": "hazard codes (e.g. flood, fire), the "
                                                   "main one first"})
    scenario_displaced = Int(
        strict=True, allow_none=True, validate=validators.Range(min=0, max=100_000_000),
        metadata={"description": "people displaced in the planning scenario; null: the "
                                 "area's population times the main hazard's share"})
    scenario_days = Int(strict=True, validate=validators.Range(min=1, max=30),
                                   metadata={"description": "days the scenario lasts (3)"})
    review_due = fields.Date(allow_none=True)


class PlanPatch(Schema):
    title_zh = fields.String(validate=validators.Length(min=1, max=200))
    title_en = fields.String(validate=validators.Length(max=200))
    hazards = fields.List(fields.String(validate=validators.Length(min=1, max=40)),
                          validate=validators.Length(min=1, max=20))
    scenario_displaced = Int(strict=True, allow_none=True,
                                        validate=validators.Range(min=0, max=100_000_000))
    scenario_days = Int(strict=True, validate=validators.Range(min=1, max=30))
    review_due = fields.Date(allow_none=True)


class PlanQuery(Schema):
    level = fields.String(load_default=None, validate=validators.OneOf(LEVELS),
                          metadata={"description": "only plans of areas of this level"})


class FilingOut(Schema):
    due = fields.Date(allow_none=True, metadata={
        "description": "20 working days after issue"})
    filed_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    days_left = Int(allow_none=True)


class OpenVersionOut(Schema):
    number = Int()
    status = fields.String()


class PlanOut(Schema):
    code = fields.String()
    area = fields.String()
    area_level = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    hazards = fields.List(fields.String())
    scenario_displaced = Int(allow_none=True)
    scenario_days = Int()
    review_due = fields.Date(allow_none=True)
    needs_revision = fields.Boolean()
    revision_reasons = fields.List(fields.String())
    approved_version = Int(allow_none=True, metadata={
        "description": "number of the approved version in force"})
    issued_on = fields.Date(allow_none=True)
    filing = fields.Nested(FilingOut, allow_none=True)
    open_version = fields.Nested(OpenVersionOut, allow_none=True, metadata={
        "description": "the draft or submitted version, if any"})
    updated_at = fields.DateTime()


class DocumentOut(Schema):
    lang = fields.String()
    edition = fields.String(validate=one_of(Edition))
    sha256 = fields.String()
    pages = Int()
    size = Int(metadata={"description": "bytes"})
    url = fields.String(metadata={"description": "where to download it"})


class PendingDocumentOut(Schema):
    lang = fields.String()
    edition = fields.String(validate=one_of(Edition))
    url = fields.String(metadata={"description": "where to download it"})


class VersionOut(Schema):
    plan = fields.String()
    number = Int()
    status = fields.String(validate=one_of(VersionStatus))
    note = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()
    submitted_by = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    approved_by = fields.String()
    approved_at = fields.DateTime(allow_none=True)
    review_comment = fields.String()
    snapshot_sha256 = fields.String()
    issued_on = fields.Date(allow_none=True)
    filing = fields.Nested(FilingOut, allow_none=True)
    documents = fields.List(fields.Nested(DocumentOut))
    documents_pending = fields.List(fields.Nested(PendingDocumentOut), metadata={
        "description": "PDFs of a just-approved version not rendered yet: the scheduler "
                       "renders them within a minute, or a download renders that one now"})


class VersionList(Schema):
    plan = fields.String()
    items = fields.List(fields.Nested(type("VersionItem", (VersionOut,), {})))


class NoteIn(Schema):
    note = fields.String(load_default="", validate=validators.Length(max=500))


class ApproveIn(Schema):
    comment = fields.String(load_default="", validate=validators.Length(max=2000))


class ReturnIn(Schema):
    comment = fields.String(required=True, validate=validators.Length(min=1, max=2000),
                            metadata={"description": "what must change"})


class FilingIn(Schema):
    filed_on = fields.Date(load_default=None, metadata={
        "description": "the day it was filed with the parent area (default: today)"})


class PdfQuery(Schema):
    lang = fields.String(load_default="zh", validate=validators.OneOf(["zh", "en"]))
    edition = fields.String(load_default="public", validate=one_of(Edition), metadata={
        "description": "restricted lists vulnerable residents: officials, coordinators and "
                       "administrators only"})
