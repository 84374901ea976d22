"""Shared pieces of the JSON API: pagination, sorting, search, envelopes, scope filters."""
from __future__ import annotations

from apiflask import Schema, fields, validators
from flask import g

from app.api.schemas import Int
from app.core import db
from app.core.access import narrowed_scope
from app.core.actor import Principal

PROBLEM_RESPONSES = {
    400: "Bad request (problem details)",
    401: "Authentication required (problem details)",
    403: "Outside your role or area (problem details)",
}


class ListQuery(Schema):
    page = Int(load_default=1, validate=validators.Range(min=1, max=1_000_000))
    per_page = Int(load_default=None, validate=validators.Range(min=1, max=500))
    sort = fields.String(load_default=None, metadata={"description": "a field; '-' for desc"})
    q = fields.String(load_default=None, validate=validators.Length(max=100),
                      metadata={"description": "search in codes and names"})
    area = fields.String(load_default=None, validate=validators.Length(max=32),
                         metadata={"description": "only this area's subtree (code)"})


def envelope(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page of results: items plus page, per_page, total and pages."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(nested(item_schema))),
        "page": Int(), "per_page": Int(),
        "total": Int(), "pages": Int(),
    }, name=name)


def nested(schema: type[Schema]) -> type[Schema]:
    """A subclass for nesting: APIFlask and apispec must not register one class twice."""
    return type(f"{schema.__name__}Item", (schema,), {})


def principal() -> Principal:
    return g.principal  # set by app.auth for every /api call


def subtree_prefix(area_code: str | None) -> str:
    """The path prefix to filter on: the caller's scope, narrowed to `area` if given."""
    return narrowed_scope(db.session(), area_code)
