"""CSV import (upload) and export."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema, fields, validators
from flask import Response

from app.api.common import PROBLEM_RESPONSES
from app.api.schemas import Int
from app.core import db
from app.core.downloads import download as file_download
from app.core.errors import ValidationFailed
from app.exchange import services as imports
from app.exchange.kinds import KINDS

bp = APIBlueprint("exchange", __name__, url_prefix="/api/v1", tag="Import and export")


class UploadIn(Schema):
    file = fields.File(required=True)


class UploadQuery(Schema):
    dry_run = fields.Boolean(load_default=False,
                             metadata={"description": "validate and preview, write nothing"})
    encoding = fields.String(load_default=None, validate=validators.OneOf(
        ["utf-8", "utf-8-sig", "gb18030", "gbk"]))


class ImportOut(Schema):
    kind = fields.String()
    rows = Int()
    created = Int()
    updated = Int()
    encoding = fields.String()
    has_hxl = fields.Boolean()
    dry_run = fields.Boolean()
    preview = fields.List(fields.Dict())


class ExportQuery(Schema):
    lang = fields.String(load_default="en", validate=validators.OneOf(["en", "zh"]))
    hxl = fields.Boolean(load_default=True)
    encoding = fields.String(load_default="utf-8-sig", validate=validators.OneOf(
        ["utf-8", "utf-8-sig", "gb18030"]))


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationFailed(f"Unknown kind '{kind}'. Choose from: {', '.join(KINDS)}.",
                               field="kind")
    return kind


@bp.post("/import/<kind>")
@bp.input(UploadQuery, location="query", arg_name="args")
@bp.input(UploadIn, location="files", arg_name="files_data")
@bp.output(ImportOut, status_code=201)
@bp.doc(summary="Import a CSV (UTF-8 with or without BOM, or GB18030; Chinese or English "
                "headers; optional HXL row). All rows or none; errors name row and column.",
        responses={**PROBLEM_RESPONSES, 409: "Conflict (problem details)"})
def upload(kind: str, args: dict[str, Any], files_data: dict[str, Any]) -> tuple[Any, int]:
    raw = files_data["file"].read()
    result = imports.import_csv(db.session(), _kind(kind), raw, encoding=args["encoding"],
                                dry_run=args["dry_run"])
    return result.as_dict(), 200 if args["dry_run"] else 201


@bp.get("/export/<kind>")
@bp.input(ExportQuery, location="query", arg_name="args")
@bp.output({}, content_type="text/csv", description="CSV with the import's columns")
@bp.doc(summary="Export a kind as CSV, with the same columns the import reads",
        responses=PROBLEM_RESPONSES)
def download(kind: str, args: dict[str, Any]) -> Response:
    text = imports.export_csv(db.session(), _kind(kind), lang=args["lang"], hxl=args["hxl"])
    return file_download(text.encode(args["encoding"]), f"{kind}.csv", "text/csv")
