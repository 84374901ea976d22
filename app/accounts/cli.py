"""`readygrid users` and `readygrid tokens`: accounts from the terminal."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli.common import command_errors, err, out
from app.core import db
from app.core.vocabulary import Role


@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--area", required=True, help="Code of the area the user is responsible for.")
@click.option("--name", "display_name", default="")
@click.password_option(help="At least 10 characters (prompted if not given).")
@with_appcontext
@command_errors
def users_create(username: str, role: str, area: str, display_name: str,
                 password: str) -> None:
    """Create a user scoped to an area subtree."""
    from app.accounts.services import create_user

    create_user(db.session(), {"username": username, "role": role, "area": area,
                               "display_name": display_name, "password": password})
    out.print(f"created {role} '{username}' for {area}")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for machine clients."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--days", default=None, type=int, help="Lifetime (default: TOKEN_TTL_DAYS).")
@with_appcontext
@command_errors
def tokens_create(username: str, name: str, days: int | None) -> None:
    """Create an API token; it is shown once."""
    from app.accounts.services import issue_token

    clear, token = issue_token(db.session(), username, name,
                               days or current_app.config["TOKEN_TTL_DAYS"])
    click.echo(clear)
    err.print(f"token '{name}' for {username}, expires {token.expires_at:%Y-%m-%d}")
