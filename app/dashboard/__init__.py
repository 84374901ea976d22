"""The readiness dashboard of an area's sub-areas."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.dashboard import pages

    app.register_blueprint(pages.bp)
