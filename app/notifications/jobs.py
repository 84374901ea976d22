"""Scheduled jobs: the registry every feature adds its jobs to, and what they share.

A job is a plain function, callable directly (tests, `readygrid jobs run`) or by the
scheduler, which references it by its module path and stores it under its name (the job id).
Each feature names its own jobs and their schedule in its `jobs.py` (`JOBS`) and registers
them from its `init_app`.

Each job opens its own engine on the database it is given (default: the app's configured
one, resolved like `create_app` does), owns one transaction, and returns the new
notification ids. No Flask globals are needed.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.core.actor import reset_actor, set_actor, system_actor
from app.core.config import default_database_url, from_environment
from app.core.db import make_engine
from app.notifications import services as notifications

log = logging.getLogger("readygrid.jobs")


def settings() -> dict[str, Any]:
    """READYGRID_* settings as `create_app` reads them (SMTP_HOST, DATABASE_URL, ...)."""
    return from_environment()


def database_url() -> str:
    """The app's database: READYGRID_DATABASE_URL or the SQLite file in ./instance."""
    return settings().get("DATABASE_URL") or default_database_url(str(Path.cwd() / "instance"))


@contextmanager
def job_transaction(url: str | None) -> Iterator[Session]:
    """One transaction on its own engine, acting as the scheduler (full scope, audited as
    'scheduler') for services that ask who is acting."""
    engine = make_engine(url or database_url())
    token = set_actor(system_actor("scheduler"))
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        reset_actor(token)
        engine.dispose()


def deliver(url: str | None, name: str, ids: list[int]) -> list[int]:
    """After the commit: email what is unsent. A mail failure keeps the outbox, retried later."""
    sent = 0
    if settings().get("SMTP_HOST"):
        try:
            with job_transaction(url) as session:
                sent = notifications.email_pending(session, settings())
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("%s: email not sent (%s); will retry on the next run", name, exc)
    log.info("%s: %d new notification(s)%s", name, len(ids), f", {sent} emailed" if sent else "")
    return ids


def send_reminder(key: str, subject: str, body: str = "", area_id: int | None = None, *,
                  url: str | None = None) -> list[int]:
    """One-off: write one reminder notification; the key makes a second run a no-op."""
    draft = notifications.Draft("reminder", area_id, subject, subject, body, f"reminder:{key}")
    with job_transaction(url) as session:
        ids = notifications.record(session, [draft])
    return deliver(url, "send_reminder", ids)


@dataclass(frozen=True)
class Job:
    """A job and when it runs: `daily` at (hour, minute) local time, `hourly` at a minute past
    each hour, or `minutely` (work the app queued). Daily jobs take the day, hourly ones the
    moment, minutely ones nothing; all take `url=`."""

    name: str
    run: Callable[..., Any]
    every: str  # "daily" | "hourly" | "minutely"
    at: tuple[int, int] | int | None = None

    @property
    def ref(self) -> str:
        """The textual reference the scheduler stores."""
        return f"{self.run.__module__}:{self.run.__name__}"


REGISTRY: dict[str, Job] = {}


def register(jobs: Iterable[Job]) -> None:
    """Add a feature's jobs (called from its `init_app`; registering again replaces)."""
    for job in jobs:
        if job.every not in ("daily", "hourly", "minutely"):
            raise ValueError(f"{job.name}: unknown schedule {job.every!r}")
        REGISTRY[job.name] = job


def load_feature_jobs() -> None:
    """Register the jobs of every feature package that has a `jobs.py` (`JOBS`), with or
    without an app: a scheduler may start in a gunicorn worker before the worker loads the
    app. Registering again replaces."""
    import pkgutil
    from importlib import import_module
    from importlib.util import find_spec

    spec = find_spec("app")
    for info in pkgutil.iter_modules(list(spec.submodule_search_locations or []) if spec
                                     else []):
        if info.ispkg and find_spec(f"app.{info.name}.jobs") is not None:
            register(getattr(import_module(f"app.{info.name}.jobs"), "JOBS", ()))


def registered(every: str | None = None) -> list[Job]:
    """The registered jobs (of one schedule), by name."""
    return sorted((j for j in REGISTRY.values() if every in (None, j.every)),
                  key=lambda j: j.name)
