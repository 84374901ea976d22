"""The `readygrid` command: a Flask CLI group calling the same services as the web.

The shell's own commands (db, demo, seed, serve, backup, restore) are registered by
`app.cli.commands`; every feature adds its own from its `init_app`.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.cli import FlaskGroup


def command_line(factory: Callable[[], Flask] | None = None) -> FlaskGroup:
    """The `readygrid` command group (the app is created when a command needs it, by
    `factory` if given)."""
    from app import create_app

    return FlaskGroup(create_app=factory or (lambda: create_app()), add_default_commands=True,
                      add_version_option=False, help="ReadyGrid: emergency resources, drills "
                      "and plans. 应急资源、演练与预案管理。")


def main() -> None:
    """Entry point of the console script."""
    command_line().main(prog_name="readygrid")


