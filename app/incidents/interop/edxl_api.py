"""EDXL-RM 1.0 resource messages and HXL-tagged CSV exports of an incident."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema, fields, validators
from flask import Response

from app.api.common import PROBLEM_RESPONSES, subtree_prefix
from app.core import db
from app.core.downloads import download
from app.incidents.interop import edxl
from app.incidents.interop import hxl as hxl_exports

bp = APIBlueprint("edxl", __name__, url_prefix="/api/v1", tag="EDXL and HXL exchange")
READ = {**PROBLEM_RESPONSES, 404: "Unknown incident or plan (problem)"}


class HxlQuery(Schema):
    lang = fields.String(load_default="en", validate=validators.OneOf(["en", "zh"]),
                         metadata={"description": "header row and names: English or Chinese"})
    encoding = fields.String(load_default="utf-8-sig", validate=validators.OneOf(
        ["utf-8", "utf-8-sig", "gb18030"]), metadata={"description": "utf-8-sig adds a BOM "
                                                      "for spreadsheet programs"})


class ShelterHxlQuery(HxlQuery):
    area = fields.String(load_default=None, validate=validators.Length(max=32),
                         metadata={"description": "only this area's subtree (code)"})


def _csv(export: hxl_exports.CsvExport, encoding: str) -> Response:
    return download(export.text.encode(encoding), export.filename, "text/csv")


def _xml(filename: str, body: bytes) -> Response:
    return download(body, filename, edxl.MEDIA_TYPE)


@bp.get("/incidents/<code>/hxl/needs.csv")
@bp.input(HxlQuery, location="query", arg_name="args")
@bp.output({}, content_type="text/csv", description="HXL-tagged CSV: one row per area × item")
@bp.doc(summary="Needs of the newest plan as HXL-tagged CSV (required / priority / planned / "
                "shortfall per area and item)", responses=READ)
def hxl_needs(code: str, args: dict[str, Any]) -> Response:
    return _csv(hxl_exports.needs_csv(db.session(), code, args["lang"]), args["encoding"])


@bp.get("/incidents/<code>/hxl/deliveries.csv")
@bp.input(HxlQuery, location="query", arg_name="args")
@bp.output({}, content_type="text/csv", description="HXL-tagged CSV: one row per dispatched lot")
@bp.doc(summary="Dispatch orders of the incident, lot by lot, as HXL-tagged CSV",
        responses=READ)
def hxl_deliveries(code: str, args: dict[str, Any]) -> Response:
    return _csv(hxl_exports.deliveries_csv(db.session(), code, args["lang"]), args["encoding"])


@bp.get("/hxl/shelters.csv")
@bp.input(ShelterHxlQuery, location="query", arg_name="args")
@bp.output({}, content_type="text/csv", description="HXL-tagged CSV: one row per shelter")
@bp.doc(summary="Shelter capacity and live occupancy in your areas as HXL-tagged CSV",
        responses=PROBLEM_RESPONSES)
def hxl_shelters(args: dict[str, Any]) -> Response:
    prefix = subtree_prefix(args["area"])
    export = hxl_exports.shelters_csv(db.session(), prefix, args["lang"], args["area"])
    return _csv(export, args["encoding"])


@bp.get("/incidents/<code>/edxl/request-resource.xml")
@bp.output({}, content_type=edxl.MEDIA_TYPE, description="EDXL-RM 1.0 RequestResource")
@bp.doc(summary="EDXL-RM 1.0 RequestResource for the shortfalls of the newest plan; 409 when "
                "nothing falls short", responses={**READ, 409: "No shortfall (problem)"})
def request_resource(code: str) -> Response:
    return _xml(*edxl.request_resource(db.session(), code))


@bp.get("/incidents/<code>/plans/<int:number>/edxl/commit-resource.xml")
@bp.output({}, content_type=edxl.MEDIA_TYPE, description="EDXL-RM 1.0 CommitResource")
@bp.doc(summary="EDXL-RM 1.0 CommitResource for the shipments of a confirmed plan; 409 for a "
                "plan not confirmed", responses={**READ, 409: "Plan not confirmed (problem)"})
def commit_resource(code: str, number: int) -> Response:
    return _xml(*edxl.commit_resource(db.session(), code, number))
