"""`readygrid serve`: the web app and API under gunicorn, with the scheduler in one worker."""
from __future__ import annotations

import contextvars
import gc
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.cli.common import out
from app.core import db


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
    from app.notifications.scheduler import serve_scheduler

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
