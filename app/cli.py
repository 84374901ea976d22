"""The `readygrid` command: a Flask CLI group calling the same services as the web."""
from __future__ import annotations

import contextvars
import functools
import gc
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import db
from app.actor import reset_actor, set_actor, system_actor
from app.errors import DomainError

# Piped output (CI logs, `| less`) gets a wide fixed width instead of 80 columns.
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def command_line() -> FlaskGroup:
    """The `readygrid` command group (the app is created when a command needs it)."""
    from app import create_app

    return FlaskGroup(create_app=lambda: create_app(), add_default_commands=True,
                      add_version_option=False, help="ReadyGrid: emergency resources, drills "
                      "and plans. 应急资源、演练与预案管理。")


def main() -> None:
    """Entry point of the console script."""
    command_line().main(prog_name="readygrid")


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


def register_cli(app: Flask) -> None:
    from app import (
        cli_backup,
        cli_data,
        cli_db,
        cli_drills,
        cli_incidents,
        cli_plans,
        cli_scheduler,
        cli_solve,
    )

    for group in (cli_db.db_group, cli_data.stock_group, cli_data.users_group,
                  cli_data.tokens_group, cli_incidents.incidents_group, cli_solve.solve_group,
                  cli_drills.drills_group, cli_scheduler.jobs_group, cli_plans.plan_group):
        app.cli.add_command(group)
    for cmd in (cli_data.demo, cli_data.import_cmd, cli_data.export_cmd, cli_data.seed, serve,
                cli_scheduler.scheduler_cmd, cli_backup.backup_cmd, cli_backup.restore_cmd):
        app.cli.add_command(cmd)
    for name, lister in LISTERS.items():
        group = click.Group(name, help=f"{name.capitalize()} of the district.")
        group.add_command(_list_command(name, lister))
        app.cli.add_command(group)


# ---- listing tables -----------------------------------------------------------------------
def _areas(level: str | None) -> list[dict[str, Any]]:
    from app.models import Area
    stmt = select(Area).options(selectinload(Area.parent)).order_by(Area.code)
    if level:
        stmt = stmt.where(Area.level == level)
    return [{"code": a.code, "level": a.level.value, "name_zh": a.name_zh, "name_en": a.name_en,
             "parent": a.parent.code if a.parent else "", "population": a.population,
             "vulnerable": sum(a.vulnerable.values())} for a in db.session().scalars(stmt)]


def _depots(_level: str | None) -> list[dict[str, Any]]:
    from sqlalchemy import func

    from app.models import Depot, StockLot
    lots = dict(db.session().execute(select(StockLot.depot_id, func.count())
                                     .where(StockLot.on_hand > 0)
                                     .group_by(StockLot.depot_id)).all())
    return [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "area": d.area.code,
             "lots": lots.get(d.id, 0), "contact": f"{d.contact_name} {d.contact_phone}".strip()}
            for d in db.session().scalars(select(Depot).options(selectinload(Depot.area))
                                          .order_by(Depot.code))]


def _shelters(_level: str | None) -> list[dict[str, Any]]:
    from app.models import Shelter
    return [{"code": s.code, "name_zh": s.name_zh, "area": s.area.code,
             "class": s.duration_class.value, "grade": s.grade.value, "capacity": s.capacity,
             "occupancy": s.occupancy, "status": s.status.value,
             "facilities": ",".join(s.facilities)}
            for s in db.session().scalars(select(Shelter).options(selectinload(Shelter.area))
                                          .order_by(Shelter.code))]


def _teams(_level: str | None) -> list[dict[str, Any]]:
    from app.models import Team
    return [{"code": t.code, "name_zh": t.name_zh, "kind": t.kind.value,
             "speciality": t.speciality.value, "area": t.home_area.code,
             "members": len(t.members), "availability": t.availability.value}
            for t in db.session().scalars(select(Team).options(
                selectinload(Team.home_area), selectinload(Team.members)).order_by(Team.code))]


LISTERS: dict[str, Callable[[str | None], list[dict[str, Any]]]] = {
    "areas": _areas, "depots": _depots, "shelters": _shelters, "teams": _teams}


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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True,
              help="Do not run the scheduler here (run `readygrid scheduler` elsewhere).")
@with_appcontext
def serve(host: str, port: int, workers: int, threads: int, no_scheduler: bool) -> None:
    """Run the web app and API under gunicorn, with the scheduler in one worker.

    The scheduler (daily checks, hourly drill reminders) starts after gunicorn forks, in the
    worker that takes the scheduler lock, and stops when that worker exits; see
    `app.cli_scheduler.ServeScheduler` for why not in the master. If another scheduler
    (`readygrid scheduler`, another serve) holds the lock, this one serves without one.
    """
    from gunicorn.app.base import BaseApplication

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    options, note = gunicorn_options(host, port, workers, threads,
                                     str(app.config["DATABASE_URL"]), not no_scheduler)

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    out.print(f"ReadyGrid on http://{host}:{port}/  (database: "
              f"{db.engine().url.render_as_string(hide_password=True)})")
    out.print(note, highlight=False)
    db.engine().dispose()  # no pooled connection of the master is inherited by a worker
    # What is loaded by now (the app, its libraries) lives as long as the workers: frozen out
    # of the cyclic garbage collector, a full collection in a worker scans only what requests
    # made (measured: 172 ms → 14 ms, which was the dashboard's p99 under load), and the
    # pages stay shared between the workers after the fork.
    gc.collect()
    gc.freeze()
    # Outside the app context the CLI pushed: a sync worker (--threads 1) serves requests on
    # the thread it was forked from, and Flask reuses an app context that is already active,
    # so one request's `g` (signed-in user, database session) would leak into the next.
    contextvars.Context().run(_Server().run)


def gunicorn_options(host: str, port: int, workers: int, threads: int, url: str,
                     scheduler: bool) -> tuple[dict[str, Any], str]:
    """gunicorn's settings for `serve`, with the scheduler's hooks when it runs here, and the
    line to print about the scheduler."""
    from app.cli_scheduler import serve_scheduler

    options: dict[str, Any] = {"bind": f"{host}:{port}", "workers": workers,
                               "threads": threads, "accesslog": "-",
                               # a district plan's draft (~60 pages) renders live on
                               # download in ~10 s, more on a busy host; approved versions
                               # render in the scheduler's job, not in a request
                               "timeout": 120}
    embedded, note = serve_scheduler(url, scheduler)
    if embedded is not None:
        options.update(post_fork=embedded.post_fork, worker_exit=embedded.worker_exit)
    return options, note


def path_arg(path: str) -> Path:
    return Path(path)
