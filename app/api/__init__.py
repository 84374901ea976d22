"""The JSON API shell under /api/v1: authentication, input guards, problem details and the
OpenAPI document. Each feature registers its own blueprint with `register_blueprint`."""
from __future__ import annotations

from typing import Any

from apiflask import APIFlask
from flask import Blueprint, Flask, request

from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import _

#: The largest id or number a path may carry: PostgreSQL's `integer`.
MAX_INT = 2**31 - 1
METHODS = {"get", "put", "post", "patch", "delete"}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "errors": {"type": "array", "items": {
            "type": "object",
            "properties": {"location": {"type": "string"},
                           "field": {"type": ["string", "null"]},
                           "message": {"type": "string"}}}},
    },
    "additionalProperties": True,
}
DEFAULT_PROBLEMS = {
    "400": "Bad request, such as malformed JSON (problem details)",
    "401": "Authentication required (problem details)",
    "403": "Outside your role or area (problem details)",
    "404": "Unknown code or id (problem details)",
    "422": "Validation failed (problem details)",
}


def register_blueprint(app: Flask, bp: Blueprint) -> None:
    """Register a feature's API blueprint: bearer tokens, never cookies, so no CSRF there."""
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(bp)


def init_app(app: APIFlask) -> None:
    """Token authentication, input guards and the OpenAPI document; features add routes."""
    from app.api import auth

    auth.init_app(app)

    @app.before_request
    def _guard_input() -> None:
        """Ids beyond PostgreSQL's integer are simply not found (404); NUL characters cannot
        be stored in PostgreSQL text, so they are refused up front (422)."""
        if not request.path.startswith("/api/"):
            return
        for name, value in (request.view_args or {}).items():
            if isinstance(value, int) and value > MAX_INT:
                raise NotFound(_("No record with %(name)s %(value)s.", name=name, value=value),
                               field=name)
        where = next((k for k, vs in request.args.lists() if _nul_in([k, *vs]) is not None),
                     None) or _nul_in(request.view_args or {})
        if where is None and request.is_json:
            where = _nul_in(request.get_json(silent=True))
        if where is not None:
            raise ValidationFailed(_("Text must not contain NUL (\\u0000) characters."),
                                   field=where or None)

    @app.spec_processor
    def _secure(spec: dict) -> dict:  # type: ignore[type-arg]
        spec["security"] = [{"BearerAuth": []}]
        # The password exchange is the one call that takes no token.
        spec["paths"]["/api/v1/auth/token"]["post"]["security"] = []
        return problems_declared(spec)


def _nul_in(node: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL character, else None."""
    if isinstance(node, str):
        return path if "\x00" in node else None
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return sub
            found = _nul_in(value, sub)
            if found is not None:
                return found
    if isinstance(node, list):
        for i, value in enumerate(node):
            found = _nul_in(value, f"{path}.{i}" if path else str(i))
            if found is not None:
                return found
    return None


def problems_declared(spec: dict[str, Any]) -> dict[str, Any]:
    """Every error an operation can answer with is declared, as problem details.

    400 (malformed request), 401 and 403 everywhere; 422 wherever there is input to validate;
    404 wherever a path or a body names records that may not exist. Request bodies are
    required. Error bodies are `application/problem+json` with one shared Problem schema.
    """
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for item in spec.get("paths", {}).values():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in METHODS:
                continue
            params = [*shared, *op.get("parameters", [])]
            body = op.get("requestBody")
            wanted = {"400", "401", "403"}
            if body:
                body["required"] = True
                wanted |= {"404", "422"}
            if any(p.get("in") == "path" for p in params):
                wanted.add("404")
            if any(p.get("in") == "query" for p in params):
                wanted.add("422")
            if op.get("security") == []:
                wanted.discard("403")
            responses = op.setdefault("responses", {})
            for code in sorted(wanted):
                responses.setdefault(code, {"description": DEFAULT_PROBLEMS[code]})
            for code, resp in responses.items():
                if code.startswith("4"):
                    resp["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
    for unused in ("HTTPError", "ValidationError"):
        schemas.pop(unused, None)
    return spec
