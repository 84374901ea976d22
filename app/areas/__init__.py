"""The area tree: district > street > community > grid, with people and vulnerable residents."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.api import register_blueprint
    from app.areas import api, cli, pages
    from app.cli.common import list_group

    app.register_blueprint(pages.bp)
    register_blueprint(app, api.bp)
    app.cli.add_command(list_group("areas", cli.areas_rows))
