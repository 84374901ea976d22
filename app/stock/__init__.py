"""Depots, the item catalogue and planning norms, stock lots on an append-only ledger."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.api import register_blueprint
    from app.cli.common import list_group
    from app.notifications.jobs import register
    from app.stock import api, catalogue_api, cli, jobs, pages

    app.register_blueprint(pages.bp)
    register_blueprint(app, api.bp)
    register_blueprint(app, catalogue_api.bp)
    app.cli.add_command(cli.stock_group)
    app.cli.add_command(list_group("depots", cli.depot_rows))
    register(jobs.JOBS)
