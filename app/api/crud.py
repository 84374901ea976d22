"""Register read/create/update/delete routes for a record kind keyed by code."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apiflask import APIBlueprint, Schema
from sqlalchemy import select

from app.api.common import PROBLEM_RESPONSES
from app.core import crud, db
from app.core.lookup import by_code, ensure_in_scope


def code_routes(bp: APIBlueprint, res: crud.Resource, path: str, *, schema_in: type[Schema],
                schema_patch: Schema | type[Schema], schema_out: type[Schema],
                create: Callable[[dict[str, Any]], Any] | None = None,
                update: Callable[[str, dict[str, Any]], Any] | None = None,
                delete: Callable[[str], None] | None = None) -> None:
    """GET/PATCH/DELETE /{path}/<code> and POST /{path}, calling the record services."""
    noun = res.noun
    session = db.session

    def _create(json_data: dict[str, Any]) -> tuple[Any, int]:
        obj = create(json_data) if create else crud.create(session(), res, json_data)
        return obj, 201

    def _read(code: str) -> Any:
        obj = by_code(session(), res.model, code, noun)
        if res.scoped:
            ensure_in_scope(obj)
        return obj

    def _update(code: str, json_data: dict[str, Any]) -> Any:
        return update(code, json_data) if update else crud.update(session(), res, code,
                                                                     json_data)

    def _delete(code: str) -> tuple[str, int]:
        if delete:
            delete(code)
        else:
            crud.delete(session(), res, code)
        return "", 204

    responses_w = {**PROBLEM_RESPONSES, 409: "Conflict (problem details)"}
    for fn, name in ((_create, "create"), (_read, "read"), (_update, "update"),
                     (_delete, "delete")):
        fn.__name__ = f"{name}_{noun}"
    bp.post(f"/{path}")(bp.input(schema_in, arg_name="json_data")(bp.output(
        schema_out, status_code=201)(bp.doc(summary=f"Create a {noun}",
                                            responses=responses_w)(_create))))
    bp.get(f"/{path}/<code>")(bp.output(schema_out)(bp.doc(
        summary=f"Read a {noun}", responses=PROBLEM_RESPONSES)(_read)))
    bp.patch(f"/{path}/<code>")(bp.input(schema_patch, arg_name="json_data")(bp.output(
        schema_out)(bp.doc(summary=f"Change a {noun}", responses=responses_w)(_update))))
    bp.delete(f"/{path}/<code>")(bp.output({}, status_code=204)(bp.doc(
        summary=f"Delete a {noun} nothing refers to", responses=responses_w)(_delete)))


def exists(model: type, code: str) -> bool:
    return db.session().scalar(select(model.id).where(model.code == code)) is not None
