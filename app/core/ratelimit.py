"""Rate limits (Flask-Limiter): sign-in attempts per client address, API calls per caller.

Settings (READYGRID_<KEY> in the environment, see app/config.py):
- RATELIMIT_ENABLED: on by default; off under TESTING unless set explicitly.
- RATELIMIT_LOGIN: POST /login and POST /api/v1/auth/token, per client address.
- RATELIMIT_API: every other /api/ call, per bearer token (per address without one).
- RATELIMIT_STORAGE_URI: memory:// counts per process, so with N gunicorn workers a client
  gets up to N times the limit; several workers or machines should share a store such as
  redis://host:6379/0 (needs the `redis` package).
Behind a reverse proxy the client address is only right with READYGRID_PROXY_HOPS set.
"""
from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from app.core.errors import problem_response

LOGIN_ENDPOINTS = ("auth_web.login", "auth.issue_token")


def api_caller() -> str:
    """The API's key: a hash of the bearer token, else the client address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and len(header) > 7:
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "addr:" + (get_remote_address() or "unknown")


def _not_api() -> bool:
    return not request.path.startswith("/api/")


def init_app(app: Flask) -> Limiter:
    """Install the limiter after every blueprint is registered."""
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING"))
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(api_caller, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                      # one allowance per caller across every API route, not per route
                      application_limits=[lambda: current_app.config["RATELIMIT_API"]],
                      application_limits_exempt_when=_not_api)
    login = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"],
                          key_func=lambda: "login:" + (get_remote_address() or "unknown"),
                          scope="login", methods=["POST"])
    for endpoint in LOGIN_ENDPOINTS:
        if endpoint in app.view_functions:  # the wrapper checks the limit, then the view runs
            app.view_functions[endpoint] = login(app.view_functions[endpoint])
    app.register_error_handler(RateLimitExceeded, _too_many)
    app.extensions["readygrid.limiter"] = limiter  # the views hold it only weakly
    return limiter


def _too_many(exc: RateLimitExceeded) -> Response:
    retry = {"Retry-After": "60"}
    if request.path.startswith("/api/"):
        return problem_response({"type": "about:blank", "title": "Too Many Requests",
                                 "status": 429, "detail": "Too many requests; the limit is "
                                 f"{exc.description}. Wait and try again.",
                                 "limit": exc.description}, retry)
    # Only sign-in is limited on the web: the sign-in lockout's (translated) message fits.
    page = render_template("errors/error.html", code=429, message=_(
        "Too many failed sign-ins; try again in a few minutes."))
    return Response(page, status=429, headers=retry, mimetype="text/html")
