"""The shell's own commands: migrations, the demo district and seeds, serving, backups."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The shell's own commands; every feature adds its commands in its `init_app`."""
    from app.cli import backup, db, serve, setup

    app.cli.add_command(db.db_group)
    for cmd in (setup.demo, setup.seed, serve.serve, backup.backup_cmd, backup.restore_cmd):
        app.cli.add_command(cmd)


