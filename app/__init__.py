"""ReadyGrid: emergency-preparedness resource and drill manager."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from apiflask import APIFlask

from app import api, web
from app.cli import commands as cli_commands
from app.core import audit, db, errors
from app.core.config import DEFAULTS, default_database_url, from_environment, secret_key

API_PREFIX = "/api/v1"
#: The feature packages, each registering its own pages, API, CLI commands and jobs.
FEATURES = ("accounts", "areas", "stock", "resources", "exchange", "incidents", "drills",
            "contingency", "notifications", "dashboard")


def create_app(config: dict[str, Any] | None = None) -> APIFlask:
    """Build the app: defaults, then READYGRID_* environment, then `config` overrides."""
    app = APIFlask(__name__, title="ReadyGrid API", version="1.0",
                   spec_path=f"{API_PREFIX}/openapi.json", docs_path=None,
                   instance_path=str(Path.cwd() / "instance"))
    app.config.update(DEFAULTS)
    app.config.update(from_environment())
    app.config.update(config or {})
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.instance_path)
    _openapi_settings(app)

    db.init_app(app)
    audit.install()
    errors.register(app)
    web.init_app(app)
    api.init_app(app)
    cli_commands.init_app(app)
    for feature in FEATURES:
        import_module(f"app.{feature}").init_app(app)
    _service_routes(app)
    _deployment(app)
    return app


def _deployment(app: APIFlask) -> None:
    """Rate limits, the session lifetime, and trust in PROXY_HOPS reverse proxies."""
    from datetime import timedelta

    from app.core import ratelimit
    ratelimit.init_app(app)
    # A session cookie's signature is checked against this age on every request.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_HOURS"])
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops, x_port=hops)


def _service_routes(app: APIFlask) -> None:
    @app.get("/healthz")
    @app.doc(hide=True)
    def healthz() -> dict[str, str]:
        """Liveness for a load balancer: the database answers. Reveals no data."""
        from sqlalchemy import text
        db.session().execute(text("SELECT 1"))
        return {"status": "ok"}


def _openapi_settings(app: APIFlask) -> None:
    app.config["SECURITY_SCHEMES"] = {
        "BearerAuth": {"type": "http", "scheme": "bearer",
                       "description": "An API token from `readygrid tokens create` or "
                                      "POST /api/v1/auth/token."},
    }
    app.config["INFO"] = {"description": "ReadyGrid: the emergency resource inventory of a "
                                         "district. Errors are RFC 9457 problem details."}
    app.config["VALIDATION_ERROR_STATUS_CODE"] = 422
    app.config["AUTO_404_RESPONSE"] = True
