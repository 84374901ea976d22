"""CSV import (all rows or none) and export of the inventory."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.api import register_blueprint
    from app.exchange import api, cli, pages

    app.register_blueprint(pages.bp)
    register_blueprint(app, api.bp)
    app.cli.add_command(cli.import_cmd)
    app.cli.add_command(cli.export_cmd)
