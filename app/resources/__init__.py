"""Shelters with live occupancy, response teams and members, and the response levels."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.api import register_blueprint
    from app.cli.common import list_group
    from app.notifications.jobs import register
    from app.resources import api, cli, jobs, pages

    app.register_blueprint(pages.bp)
    register_blueprint(app, api.bp)
    app.cli.add_command(list_group("shelters", cli.shelter_rows))
    app.cli.add_command(list_group("teams", cli.team_rows))
    register(jobs.JOBS)
