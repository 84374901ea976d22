"""What every `readygrid` command shares: the consoles, domain errors as one line, tables and
the `NAME list` groups."""
from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from rich.console import Console
from rich.table import Table

from app.core.actor import reset_actor, set_actor, system_actor
from app.core.errors import DomainError

# Piped output (CI logs, `| less`) gets a wide fixed width instead of 80 columns.
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def command_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run as the CLI actor; domain errors exit 1 with one readable line."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = set_actor(system_actor())
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            err.print(f"[red]error:[/red] {exc.detail}", highlight=False, soft_wrap=True)
            if getattr(exc, "errors", None) and kwargs.get("show_errors"):
                for e in exc.errors:
                    err.print(f"  row {e.get('row')}, {e.get('column')}: {e.get('message')}",
                              highlight=False)
            sys.exit(1)
        finally:
            reset_actor(token)

    return run


def list_group(name: str, lister: Callable[[str | None], list[dict[str, Any]]]) -> click.Group:
    """`readygrid NAME list [--json]`: a feature's records as a table (or JSON)."""
    group = click.Group(name, help=f"{name.capitalize()} of the district.")
    group.add_command(_list_command(name, lister))
    return group


def _list_command(name: str, lister: Callable[[str | None], list[dict[str, Any]]]) -> click.Command:
    @click.command("list", help=f"List {name}: a table whose first column is the code.")
    @click.option("--level", type=click.Choice(["district", "street", "community", "grid"]),
                  help="Only areas of this level (areas only).")
    @click.option("--json", "as_json", is_flag=True, help="JSON for machines.")
    @with_appcontext
    @command_errors
    def run(level: str | None, as_json: bool) -> None:
        if level and name != "areas":
            raise click.UsageError("--level applies to 'areas list' only.")
        rows = lister(level)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            print_table(rows, f"{name} ({len(rows)})")

    return run


def print_table(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title, show_lines=False, header_style="bold")
    for key in rows[0].keys() if rows else ["code"]:
        table.add_column(key, justify="right" if rows and isinstance(rows[0][key], int)
                         else "left", no_wrap=key == "code")
    for row in rows:
        table.add_row(*[str(v) for v in row.values()])
    out.print(table)


def path_arg(path: str) -> Path:
    return Path(path)
