"""The incident log over the API: the timeline as JSON, situation reports and their photos."""
from __future__ import annotations

import base64
import binascii
from typing import Any

from apiflask import APIBlueprint, Schema, fields, validators
from flask import Response

from app.api.common import PROBLEM_RESPONSES
from app.api.schemas import Int, code_field
from app.core import db
from app.core.downloads import download
from app.core.errors import ValidationFailed
from app.core.i18n import _
from app.core.i18n import lang as current_lang
from app.incidents import log, sitreps
from app.incidents.log_models import COUNTS, PHOTO_MAX, TEXT_MAX

bp = APIBlueprint("incident_log", __name__, url_prefix="/api/v1", tag="Incident log")
READ = {**PROBLEM_RESPONSES, 200: "The log (JSON)", 404: "Unknown code (problem)"}


class LogQuery(Schema):
    lang = fields.String(load_default=None, validate=validators.OneOf(["zh", "en"]),
                         metadata={"description": "default: Accept-Language, else English"})
    kind = fields.String(load_default=None, validate=validators.OneOf(list(log.KINDS)))


class SitrepIn(Schema):
    text = fields.String(required=True, validate=validators.Length(min=1, max=TEXT_MAX))
    area = code_field(required=False)
    photo_base64 = fields.String(load_default=None, allow_none=True, validate=validators.Length(
        max=(PHOTO_MAX + 2) // 3 * 4 + 8), metadata={
            "description": "optional JPEG, PNG or WebP image (at most 5 MB), base64-encoded"})
    affected = Int(strict=True, load_default=None, allow_none=True,
                   validate=validators.Range(min=0, max=COUNTS["affected"]))
    evacuated = Int(strict=True, load_default=None, allow_none=True,
                    validate=validators.Range(min=0, max=COUNTS["evacuated"]))
    injured = Int(strict=True, load_default=None, allow_none=True,
                  validate=validators.Range(min=0, max=COUNTS["injured"]))
    missing = Int(strict=True, load_default=None, allow_none=True,
                  validate=validators.Range(min=0, max=COUNTS["missing"]))
    dead = Int(strict=True, load_default=None, allow_none=True,
               validate=validators.Range(min=0, max=COUNTS["dead"]))


@bp.get("/incidents/<code>/log")
@bp.input(LogQuery, location="query", arg_name="args")
@bp.doc(summary="The incident log (ICS 214): every step with who and when, oldest first",
        responses=READ)
def read_log(code: str, args: dict[str, Any]) -> dict[str, Any]:
    language = args["lang"] or ("zh" if current_lang().startswith("zh") else "en")
    entries = log.incident_log(db.session(), code, language,
                               [args["kind"]] if args["kind"] else None)
    return {"incident": code, "lang": language, "entries": [e.as_dict() for e in entries]}


def _photo(raw: str | None) -> bytes | None:
    if not raw:
        return None
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("The photo is not valid base64."), field="photo_base64") from None


@bp.post("/incidents/<code>/situation-reports")
@bp.input(SitrepIn, arg_name="json_data")
@bp.doc(summary="Add a situation report (text, counts, optional photo) to the incident log",
        responses={**PROBLEM_RESPONSES, 201: "The report", 404: "Unknown code (problem)",
                   409: "The incident is not active (problem)"})
def add_sitrep(code: str, json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    session = db.session()
    given = sitreps.ReportInput(json_data["text"], json_data.get("area"),
                                {k: json_data.get(k) for k in COUNTS},
                                _photo(json_data.get("photo_base64")))
    report_id = sitreps.add(session, code, given)
    found = next(r for r in sitreps.reports(session, _incident_id(code)) if r["id"] == report_id)
    return {**found, "at": found["at"].isoformat()}, 201


def _incident_id(code: str) -> int:
    from app.incidents import services as incidents
    return incidents.load(db.session(), code).id


PHOTO: dict[Any, Any] = {200: {"description": "The image", "content": {
    kind: {"schema": {"type": "string", "format": "binary"}}
    for kind in ("image/jpeg", "image/png", "image/webp")}},
    **PROBLEM_RESPONSES, 404: "No such photo (problem)"}


@bp.get("/incidents/<code>/situation-reports/<int:report_id>/photo")
@bp.doc(summary="A situation report's photo (its own image type)", responses=PHOTO)
def sitrep_photo(code: str, report_id: int) -> Response:
    body, kind = sitreps.photo(db.session(), code, report_id)
    return download(body, f"{code}-report-{report_id}.{kind.split('/')[1]}", kind, inline=True)
