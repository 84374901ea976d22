"""Settings: defaults, then READYGRID_* environment variables, then explicit overrides."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: a SQLite file in the instance folder
    "SECRET_KEY": None,
    "PAGE_SIZE": 50,
    "MAX_PAGE_SIZE": 500,
    "EXPIRY_WARNING_DAYS": 30,
    "TOKEN_TTL_DAYS": 90,
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None: Secure whenever the request came over HTTPS; true/false to force it.
    "SESSION_COOKIE_SECURE": None,
    "SQL_ECHO": False,
    # Signed-in web sessions end after this many hours (Flask's PERMANENT_SESSION_LIFETIME).
    "SESSION_HOURS": 12,
    # Rate limits (app/ratelimit.py). RATELIMIT_ENABLED: on, off under TESTING unless set.
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_API": "600 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",  # per process; redis://... shared by workers
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
    "PROXY_HOPS": 0,
    # When a dispatch order's reserved stock is issued through the ledger: "receipt" (the
    # receiving point confirms it) or "dispatch" (the depot hands it over).
    "STOCK_ISSUED_ON": "receipt",
}

_INT_KEYS = {"PAGE_SIZE", "MAX_PAGE_SIZE", "EXPIRY_WARNING_DAYS", "TOKEN_TTL_DAYS",
             "MAX_CONTENT_LENGTH", "SESSION_HOURS", "PROXY_HOPS"}
_BOOL_KEYS = {"SQL_ECHO", "SESSION_COOKIE_SECURE", "RATELIMIT_ENABLED",
              "RATELIMIT_HEADERS_ENABLED"}


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read READYGRID_<KEY> variables, converting numbers and booleans."""
    environ = dict(os.environ if environ is None else environ)
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("READYGRID_"):
            continue
        key = name.removeprefix("READYGRID_")
        if key in _INT_KEYS:
            out[key] = int(raw)
        elif key in _BOOL_KEYS:
            out[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        else:
            out[key] = raw
    return out


def default_database_url(instance_path: str) -> str:
    """The embedded default: a SQLite file in the Flask instance folder."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'readygrid.sqlite'}"


def secret_key(instance_path: str) -> str:
    """A per-installation random key kept in the instance folder (never committed)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
