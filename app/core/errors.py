"""Typed domain errors and their single translation into RFC 9457 problem details."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE = "https://readygrid.example/problems/"


class DomainError(Exception):
    """A rule of the domain was broken. Subclasses fix the HTTP status and title."""

    status = 422
    title = "Unprocessable request"
    slug = "invalid"

    def __init__(self, detail: str, field: str | None = None,
                 errors: list[dict[str, Any]] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.errors = errors or []
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_TYPE + self.slug, "title": self.title,
                                "status": self.status, "detail": self.detail}
        if self.field:
            body["field"] = self.field
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    status, title, slug = 422, "Validation failed", "validation"


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class InsufficientStock(Conflict):
    slug = "insufficient-stock"


class ExpiredStock(Conflict):
    slug = "expired-stock"


class StockMoved(Conflict):
    """Stock a plan counted on was taken or expired since: the plan must be made again."""

    slug = "stock-moved"


class Unauthorized(DomainError):
    status, title, slug = 401, "Authentication required", "unauthorized"


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class BadRequest(DomainError):
    status, title, slug = 400, "Bad request", "bad-request"


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    resp = jsonify(body)
    resp.status_code = body["status"]
    resp.mimetype = "application/problem+json"
    if body["status"] == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="readygrid"'
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _flatten_validation(detail: Any, location: str = "") -> list[dict[str, Any]]:
    """Turn marshmallow's nested {'json': {'field': ['msg']}} into a flat list."""
    out: list[dict[str, Any]] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, str(key)])
        elif isinstance(node, list) and all(isinstance(x, str) for x in node):
            out.append({"location": path[0] if path else location,
                        "field": ".".join(path[1:]) or None, "message": "; ".join(node)})
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, [*path, str(i)])
        else:
            out.append({"location": path[0] if path else location,
                        "field": ".".join(path[1:]) or None, "message": str(node)})

    walk(detail, [])
    return out


def api_error_processor(error: Any) -> Response:
    """APIFlask's HTTPError (validation, abort, 404 ...) → problem details (or a page)."""
    if _wants_page():
        return page_response(error.status_code, error.message)
    body: dict[str, Any] = {"type": "about:blank", "title": _title(error.status_code),
                            "status": error.status_code, "detail": error.message}
    if error.status_code == 422 and error.detail:
        errs = _flatten_validation(error.detail)
        body.update(type=PROBLEM_TYPE + "validation", title="Validation failed", errors=errs,
                    field=errs[0]["field"] if errs else None,
                    detail="; ".join(f"{e['field'] or e['location']}: {e['message']}"
                                     for e in errs) or error.message)
    elif isinstance(error.detail, dict) and error.detail:
        body.update(error.detail)
    return problem_response(body, dict(error.headers or {}))


def _title(status: int) -> str:
    from http import HTTPStatus
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _wants_page() -> bool:
    """Pages get an HTML error page; the API gets problem details."""
    return not request.path.startswith("/api/")


def page_response(status: int, detail: str) -> Response:
    from flask import render_template
    return Response(render_template("errors/error.html", code=status, message=detail),
                    status=status, mimetype="text/html")


def register(app: Flask) -> None:
    """Install the one translation point for every error the app can raise."""
    app.error_processor(api_error_processor)  # type: ignore[attr-defined]

    @app.errorhandler(DomainError)
    def _domain(err: DomainError) -> Response:
        if _wants_page():
            return page_response(err.status, err.detail)
        return problem_response(err.to_problem())

    @app.errorhandler(IntegrityError)
    def _integrity(err: IntegrityError) -> Response:
        app.logger.info("integrity error: %s", err.orig)
        return problem_response(Conflict(
            "The change conflicts with existing data (a duplicate code, or a record still in "
            "use).", detail_db=str(err.orig).splitlines()[0][:200]).to_problem())

    @app.errorhandler(DataError)
    def _data(err: DataError) -> Response:
        # The last line of defence behind the schemas: a value the database cannot store
        # (text too long for its column, a number out of range) is the client's error.
        app.logger.info("data error: %s", err.orig)
        from app.core.i18n import _
        return problem_response(ValidationFailed(
            _("A value does not fit what can be stored (too long, or out of range).")
        ).to_problem())

    @app.errorhandler(OperationalError)
    def _operational(err: OperationalError) -> Response:
        app.logger.warning("database busy: %s", err.orig)
        return problem_response({"type": "about:blank", "title": "Service Unavailable",
                                 "status": 503, "detail": "The database is busy; try again."},
                                {"Retry-After": "1"})

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        if isinstance(err, HTTPException) and _wants_page():
            return page_response(err.code or 500, err.description or "")
        if isinstance(err, HTTPException):
            return problem_response({"type": "about:blank", "title": _title(err.code or 500),
                                     "status": err.code or 500,
                                     "detail": err.description or ""})
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_page():
            return page_response(500, "An unexpected error was logged.")
        return problem_response({"type": "about:blank", "title": "Internal Server Error",
                                 "status": 500, "detail": "An unexpected error was logged."})
