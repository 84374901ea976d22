"""`readygrid scheduler` (the one scheduler process) and `readygrid jobs` (run a job by hand).

APScheduler keeps its jobs in the app database (table `apscheduler_jobs`, not migrated by us).
A job store must never be shared by two running schedulers, so `SchedulerLock` lets only one
be active: a session-level advisory lock on PostgreSQL, an exclusive lock file next to the
database on SQLite. A second `readygrid scheduler` waits as a standby until the first stops.
`readygrid serve` runs the scheduler inside the web server instead (`ServeScheduler`), under
the same lock, unless another scheduler already holds it or `--no-scheduler` is given.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import IO, Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.background import (  # type: ignore[import-untyped]
    BackgroundScheduler,
)
from sqlalchemy import create_engine, func, make_url, select
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from app.core.db import make_engine

ADVISORY_KEY = 0x52475343  # "RGSC": ReadyGrid scheduler; paired with the database's name


# hash, since advisory locks belong to the whole server: a training database next to the
# production one on the same PostgreSQL has a scheduler of its own
DAILY_GRACE = timedelta(days=1)  # a daily check missed by less than a day still runs, once


REMINDER_GRACE = timedelta(days=7)


HOURLY_GRACE = timedelta(hours=1)


WAKEUP_SECONDS = 30  # look at the store again, for reminders added by another process


class SchedulerLock:
    """Held for the scheduler's lifetime; `acquire()` is False while another process holds it."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self._conn: Connection | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self.url.get_backend_name() == "postgresql":
            engine = create_engine(self.url, poolclass=NullPool)
            conn = engine.connect()
            got = bool(conn.execute(select(func.pg_try_advisory_lock(
                ADVISORY_KEY, func.hashtext(func.current_database())))).scalar())
            conn.commit()  # the lock is the session's, not the transaction's
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        return self._acquire_file()

    def _acquire_file(self) -> bool:
        import fcntl

        database = self.url.database
        if not database or database == ":memory:":
            return True  # a private in-memory database: nobody else can share its store
        handle = open(f"{database}.scheduler.lock", "a+")  # noqa: SIM115  (held open)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute(select(func.pg_advisory_unlock(
                ADVISORY_KEY, func.hashtext(func.current_database()))))
            self._conn.close()
            self._conn = None
        if self._file is not None:
            self._file.close()  # closing the file drops the flock
            self._file = None


def make_scheduler(url: str, *, misfire_grace: timedelta = DAILY_GRACE) -> BackgroundScheduler:
    """A scheduler on the app database: missed runs fire once (coalesce), one at a time."""
    from app.drills.services import local_tz

    return BackgroundScheduler(
        timezone=local_tz(),  # daily checks run at 06:00 in the district, not the server
        jobstores={"default": SQLAlchemyJobStore(engine=make_engine(url))},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(misfire_grace.total_seconds())})


def stop_scheduler(scheduler: BackgroundScheduler, wait: bool = True) -> None:
    """Shut down, let the scheduler's thread finish, then close the job store's connections.

    `shutdown()` disposes the store's engine while the thread may still be reading the store;
    joining first and disposing again leaves no connection open behind.
    """
    scheduler.shutdown(wait=wait)
    thread = getattr(scheduler, "_thread", None)  # APScheduler 3.x BackgroundScheduler
    if thread is not None:
        thread.join(timeout=10)
    for store in getattr(scheduler, "_jobstores", {}).values():
        if isinstance(store, SQLAlchemyJobStore):
            store.engine.dispose()


def register_daily_jobs(scheduler: BackgroundScheduler) -> None:
    """The daily and hourly checks, by stable id: re-registering replaces, never duplicates.

    Missed runs coalesce into one. A missed hourly run is simply made up by the next one: the
    drill reminders are due over a window, not at an instant, so none is lost.
    """
    from app.notifications.jobs import load_feature_jobs, registered

    load_feature_jobs()
    for job in registered("daily"):
        hour, minute = job.at  # type: ignore[misc]
        scheduler.add_job(job.ref, "cron", hour=hour, minute=minute, id=job.name,
                          name=job.name, replace_existing=True)
    for job in registered("hourly"):
        scheduler.add_job(job.ref, "cron", minute=job.at, id=job.name, name=job.name,
                          replace_existing=True,
                          misfire_grace_time=int(HOURLY_GRACE.total_seconds()))
    for job in registered("minutely"):  # work queued by the app (approved plans' PDFs)
        scheduler.add_job(job.ref, "interval", minutes=1, id=job.name, name=job.name,
                          replace_existing=True, misfire_grace_time=60)


class ServeScheduler:
    """The scheduler inside `readygrid serve`: started in one gunicorn worker, under the lock.

    Why in a worker and not in the gunicorn master: the master forks its workers (and forks
    again whenever one dies), and a forked child inherits the parent's open database
    connections. A child closing its copy of the lock's PostgreSQL connection ends the
    parent's session, and with it the advisory lock, while the parent's scheduler runs on.
    So nothing of the scheduler exists before the fork: `post_fork` runs in each new worker,
    and the worker that takes the lock runs the scheduler until `worker_exit`; the others
    find the lock taken and only serve. When that worker dies, its lock goes with it and the
    worker gunicorn starts in its place takes it up. With `--workers 1` (the default) the one
    worker runs it.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.lock: SchedulerLock | None = None
        self.scheduler: BackgroundScheduler | None = None

    def start(self) -> bool:
        """Take the lock and start; False (and nothing started) while another holds it."""
        lock = SchedulerLock(self.url)
        if not lock.acquire():
            return False
        scheduler = make_scheduler(self.url)
        try:
            scheduler.start(paused=True)
            register_daily_jobs(scheduler)
            scheduler.resume()
        except BaseException:
            stop_scheduler(scheduler, wait=False)
            lock.release()
            raise
        self.lock, self.scheduler = lock, scheduler
        return True

    def stop(self) -> None:
        """Let running jobs finish, close the store, release the lock. Safe to call twice."""
        if self.scheduler is not None:
            stop_scheduler(self.scheduler, wait=True)
            self.scheduler = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    # gunicorn server hooks (arity 2: the arbiter and the worker)
    def post_fork(self, server: Any, _worker: Any) -> None:
        if self.start():
            log = getattr(server, "log", None) or logging.getLogger("readygrid.jobs")
            log.info("scheduler running in worker %s", os.getpid())

    def worker_exit(self, _server: Any, _worker: Any) -> None:
        self.stop()


def serve_scheduler(url: str, enabled: bool = True) -> tuple[ServeScheduler | None, str]:
    """For `readygrid serve`: the scheduler to run in a worker (None: serve without one) and
    the one line to print about it.

    The lock is only probed here, in the gunicorn master, and released at once: the worker
    takes it for real after the fork (see `ServeScheduler`).
    """
    if not enabled:
        return None, "scheduler off (--no-scheduler)"
    probe = SchedulerLock(url)
    if not probe.acquire():
        return None, "another scheduler is active; serving without one"
    probe.release()
    return ServeScheduler(url), "scheduler on: daily checks and drill reminders run here"


def add_reminder(scheduler: BackgroundScheduler, key: str, run_at: datetime, subject: str,
                 body: str = "", area_id: int | None = None, url: str | None = None) -> None:
    """A one-off reminder job; the job id and the notification's dedup key both come from key."""
    kwargs: dict[str, Any] = {"key": key, "subject": subject, "body": body, "area_id": area_id}
    if url:
        kwargs["url"] = url
    scheduler.add_job("app.jobs:send_reminder", "date", run_date=run_at, id=f"reminder:{key}",
                      name=f"reminder {key}", kwargs=kwargs, replace_existing=True,
                      misfire_grace_time=int(REMINDER_GRACE.total_seconds()))
