"""Contingency plans (应急预案): versions, approval and filing, bilingual PDF documents."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.api import register_blueprint
    from app.contingency import api, cli, jobs, pages
    from app.notifications.jobs import register

    app.register_blueprint(pages.bp)
    register_blueprint(app, api.bp)
    app.cli.add_command(cli.plan_group)
    register(jobs.JOBS)
