"""`readygrid scheduler` (the one scheduler process) and `readygrid jobs` (run a job by hand,
list the store, add a reminder)."""
from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from typing import Any

import click
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.background import (  # type: ignore[import-untyped]
    BackgroundScheduler,
)
from flask import current_app
from flask.cli import with_appcontext

from app.cli.common import command_errors, out
from app.core.clock import district_today
from app.core.db import make_engine
from app.notifications.scheduler import (
    REMINDER_GRACE,
    WAKEUP_SECONDS,
    SchedulerLock,
    add_reminder,
    make_scheduler,
    register_daily_jobs,
    stop_scheduler,
)


@click.command("scheduler")
@click.option("--no-wait", is_flag=True,
              help="Exit 0 at once if another scheduler is active, instead of standing by.")
@with_appcontext
@command_errors
def scheduler_cmd(no_wait: bool) -> None:
    """Run the one scheduler: daily checks, hourly drill reminders, reminders. Ctrl-C stops."""
    url = _loaded_url()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    lock = SchedulerLock(url)
    if not lock.acquire():
        out.print("another scheduler is active; waiting" if not no_wait
                  else "another scheduler is active; exiting", highlight=False)
        if no_wait:
            return
        while not lock.acquire():
            time.sleep(5)
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    scheduler = make_scheduler(url)
    try:
        scheduler.start(paused=True)
        register_daily_jobs(scheduler)
        scheduler.resume()
        for job in scheduler.get_jobs():
            out.print(f"scheduled {job.id}: next run {job.next_run_time}", highlight=False)
        out.print("scheduler running; Ctrl-C to stop", highlight=False)
        ticks = 0
        while not stopping:
            time.sleep(1)
            ticks += 1
            if ticks % WAKEUP_SECONDS == 0:
                scheduler.wakeup()
    except KeyboardInterrupt:
        pass
    finally:
        stop_scheduler(scheduler, wait=True)
        lock.release()
        out.print("scheduler stopped", highlight=False)


@click.group("jobs")
def jobs_group() -> None:
    """Scheduled jobs: run one by hand, list the store, add a reminder."""


@jobs_group.command("run")
@click.argument("name")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Check as of this date.")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]),
              help="Check as of this local time (drill reminders; the date for the others).")
@with_appcontext
@command_errors
def jobs_run(name: str, today: datetime | None, at: datetime | None) -> None:
    """Run one registered job (`readygrid jobs run --help` after NAME lists them) now, in this
    process; prints how many notifications it wrote."""
    from app.notifications.jobs import REGISTRY
    job = REGISTRY.get(name)
    if job is None:
        raise click.BadParameter(f"{name!r} is not one of "
                                 f"{', '.join(repr(n) for n in sorted(REGISTRY))}.",
                                 param_hint="'NAME'")
    url = _loaded_url()
    if job.every == "minutely":
        done = job.run(url=url)
        out.print(f"{name}: {done} done", highlight=False)
        return
    if job.every == "hourly":
        if at is None and today is not None:  # that day at this time of day
            at = datetime.combine(today.date(), datetime.now().time())
        now = at.astimezone() if at else datetime.now().astimezone()
        ids = job.run(now, url=url)
    else:
        day = at.date() if at else today.date() if today else district_today()
        ids = job.run(day, url=url)
    out.print(f"{name}: {len(ids)} new notification(s)", highlight=False)


@jobs_group.command("list")
@with_appcontext
@command_errors
def jobs_list() -> None:
    """The jobs in the store with their next run time."""
    store = SQLAlchemyJobStore(engine=make_engine(_loaded_url()))
    scheduler = BackgroundScheduler(jobstores={"default": store})
    scheduler.start(paused=True)
    try:
        for job in scheduler.get_jobs():
            out.print(f"{job.id}\t{job.next_run_time}", highlight=False)
    finally:
        stop_scheduler(scheduler, wait=False)


@jobs_group.command("remind")
@click.argument("key")
@click.option("--at", "at", required=True, type=click.DateTime(["%Y-%m-%dT%H:%M",
                                                                 "%Y-%m-%dT%H:%M:%S"]),
              help="Local time the reminder is due.")
@click.option("--subject", required=True)
@click.option("--body", default="")
@with_appcontext
@command_errors
def jobs_remind(key: str, at: datetime, subject: str, body: str) -> None:
    """Store a one-off reminder; the running scheduler picks it up within 30 s."""
    scheduler = make_scheduler(_loaded_url(), misfire_grace=REMINDER_GRACE)
    scheduler.start(paused=True)  # paused: only writes the job, runs nothing
    try:
        add_reminder(scheduler, key, at.astimezone(), subject, body)
    finally:
        stop_scheduler(scheduler, wait=False)
    out.print(f"reminder {key} due {at.astimezone().isoformat()}", highlight=False)


def _loaded_url() -> str:
    return str(current_app.config["DATABASE_URL"])
