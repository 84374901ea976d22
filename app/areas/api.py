"""Areas API."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, subtree_prefix
from app.api.crud import code_routes
from app.areas import schemas as s
from app.areas import services as svc
from app.areas.models import Area
from app.core import db
from app.core.listing import page_of

bp = APIBlueprint("areas", __name__, url_prefix="/api/v1", tag="Areas")
AreaPage = envelope(s.AreaOut, "AreaPage")


class AreaListQuery(ListQuery, s.AreaQuery):
    pass


@bp.get("/areas")
@bp.input(AreaListQuery, location="query", arg_name="args")
@bp.output(AreaPage)
@bp.doc(summary="List areas in your subtree", responses=PROBLEM_RESPONSES)
def list_areas(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(Area).options(selectinload(Area.parent))
            .where(Area.path.startswith(subtree_prefix(args["area"]))))
    if args["level"]:
        stmt = stmt.where(Area.level == args["level"])
    if args["parent"]:
        parent_id = db.session().scalar(select(Area.id).where(Area.code == args["parent"]))
        stmt = stmt.where(Area.parent_id == parent_id)
    return page_of(stmt, args, {"code": Area.code, "name_zh": Area.name_zh,
                                "name_en": Area.name_en, "population": Area.population,
                                "level": Area.level, "path": Area.path},
                   [Area.code, Area.name_zh, Area.name_en], "code")


code_routes(bp, svc.AREA, "areas", schema_in=s.AreaIn, schema_patch=s.AreaPatch,
            schema_out=s.AreaOut,
            create=lambda data: svc.create_area(db.session(), data),
            update=lambda code, data: svc.update_area(db.session(), code, data),
            delete=lambda code: svc.delete_area(db.session(), code))
