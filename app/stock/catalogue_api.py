"""Items and planning norms API."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, fields
from sqlalchemy import select

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope
from app.api.crud import code_routes
from app.areas.models import Area
from app.core import crud, db
from app.core.listing import page_of
from app.stock import catalogue as svc
from app.stock import schemas as s
from app.stock.models import Item, PlanningNorm

bp = APIBlueprint("catalogue", __name__, url_prefix="/api/v1", tag="Items and norms")
ItemPage = envelope(s.ItemOut, "ItemPage")
NormPage = envelope(s.NormOut, "NormPage")


class ItemListQuery(ListQuery, s.ItemQuery):
    pass


@bp.get("/items")
@bp.input(ItemListQuery, location="query", arg_name="args")
@bp.output(ItemPage)
@bp.doc(summary="List supply items", responses=PROBLEM_RESPONSES)
def list_items(args: dict[str, Any]) -> dict[str, Any]:
    stmt = select(Item)
    if args["category"]:
        stmt = stmt.where(Item.category == args["category"])
    return page_of(stmt, args, {"code": Item.code, "name_zh": Item.name_zh,
                                "name_en": Item.name_en, "category": Item.category},
                   [Item.code, Item.name_zh, Item.name_en], "code")


code_routes(bp, svc.ITEM, "items", schema_in=s.ItemIn, schema_patch=s.ItemPatch,
            schema_out=s.ItemOut)


class NormListQuery(ListQuery):
    item = fields.String(load_default=None)


def _with_area_code(norm: PlanningNorm) -> PlanningNorm:
    area = db.session().get(Area, norm.area_id) if norm.area_id else None
    norm.area_code = area.code if area else None  # type: ignore[attr-defined]
    return norm


@bp.get("/norms")
@bp.input(NormListQuery, location="query", arg_name="args")
@bp.output(NormPage)
@bp.doc(summary="List planning norms with their sources", responses=PROBLEM_RESPONSES)
def list_norms(args: dict[str, Any]) -> dict[str, Any]:
    page = page_of(svc.norms(args["item"]), args, {"id": PlanningNorm.id, "item": Item.code},
                   [Item.code, Item.name_zh, PlanningNorm.source], "item")
    page["items"] = [_with_area_code(n) for n in page["items"]]
    return page


@bp.post("/norms")
@bp.input(s.NormIn, arg_name="json_data")
@bp.output(s.NormOut, status_code=201)
@bp.doc(summary="Add a planning norm (a local override when an area is given)",
        responses=PROBLEM_RESPONSES)
def create_norm(json_data: dict[str, Any]) -> tuple[Any, int]:
    return _with_area_code(crud.create(db.session(), svc.NORM, json_data)), 201


def _norm(norm_id: int) -> PlanningNorm:
    return svc.norm(db.session(), norm_id)


@bp.get("/norms/<int:norm_id>")
@bp.output(s.NormOut)
@bp.doc(summary="Read a planning norm", responses=PROBLEM_RESPONSES)
def read_norm(norm_id: int) -> Any:
    return _with_area_code(_norm(norm_id))


@bp.patch("/norms/<int:norm_id>")
@bp.input(s.NormPatch, arg_name="json_data")
@bp.output(s.NormOut)
@bp.doc(summary="Change a planning norm", responses=PROBLEM_RESPONSES)
def update_norm(norm_id: int, json_data: dict[str, Any]) -> Any:
    return _with_area_code(svc.update_norm(db.session(), norm_id, json_data))


@bp.delete("/norms/<int:norm_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="Delete a planning norm", responses=PROBLEM_RESPONSES)
def delete_norm(norm_id: int) -> tuple[str, int]:
    svc.delete_norm(db.session(), norm_id)
    return "", 204
