"""Authentication for every API call: a bearer token.

(The browser session, with CSRF protection, joins when the web pages arrive.)"""
from __future__ import annotations

from flask import Flask, g, request

from app.accounts.services import principal_for_token
from app.core import db
from app.core.actor import Principal, reset_actor, set_actor
from app.core.errors import Unauthorized

PUBLIC_ENDPOINTS = {"auth.issue_token", "static"}
# Calendar apps cannot send headers: these read-only feeds also take the token as ?token=.
QUERY_TOKEN_ENDPOINTS = {"drills.area_calendar", "drills.team_calendar"}


def authenticate() -> Principal | None:
    """Who is calling, or None. Raises Unauthorized for a bad or expired token."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        return principal_for_token(db.session(), credentials.strip())
    token = request.args.get("token", "")
    if token and request.method in ("GET", "HEAD") and \
            request.endpoint in QUERY_TOKEN_ENDPOINTS:
        return principal_for_token(db.session(), token.strip())
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _authenticate() -> None:
        g.principal = None
        g.actor_token = None
        if not request.path.startswith("/api/") or request.endpoint in PUBLIC_ENDPOINTS:
            return
        principal = authenticate()
        if principal is None:
            raise Unauthorized("Sign in or send an API token.")
        g.principal = principal
        g.actor_token = set_actor(principal)

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        token = g.pop("actor_token", None)
        if token is not None:
            reset_actor(token)
