"""Users, roles and area scopes, sign-in, API tokens and the audit log's pages."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's pages, API, CLI commands and jobs."""
    from app.accounts import admin_pages, api, cli, pages
    from app.api import register_blueprint

    app.register_blueprint(pages.bp)
    app.register_blueprint(admin_pages.bp)
    register_blueprint(app, api.bp)
    app.cli.add_command(cli.users_group)
    app.cli.add_command(cli.tokens_group)
