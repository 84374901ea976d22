"""Drills: requirements and compliance, the yearly timetable, records, corrective actions."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.api import register_blueprint
    from app.drills import action_pages, api, cli, jobs, pages, planner_pages, record_pages  # noqa: F401  (their routes join pages.bp)
    from app.notifications.jobs import register

    app.register_blueprint(pages.bp)
    app.register_blueprint(planner_pages.bp)
    register_blueprint(app, api.bp)
    app.cli.add_command(cli.drills_group)
    register(jobs.JOBS)
