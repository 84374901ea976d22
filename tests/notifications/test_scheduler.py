"""The scheduler on the app database: a restart loses no reminder and fires it exactly once;
only one scheduler can be active at a time."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.cli.db import recreate_postgres_database
from app.core import db
from app.models import Notification
from app.notifications.scheduler import (
    SchedulerLock,
    ServeScheduler,
    add_reminder,
    make_scheduler,
    register_daily_jobs,
    stop_scheduler,
)
from tests.helpers import ON_POSTGRES


def _wait_for(condition: Callable[[], bool], timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _reminders(app: Any, key: str) -> int:
    with app.app_context():
        return int(db.session().scalar(select(func.count()).select_from(Notification)
                                       .where(Notification.dedup_key == f"reminder:{key}")) or 0)


def test_a_reminder_due_while_the_scheduler_is_stopped_is_sent_exactly_once_after_restart(
        app: Any, database_url: str) -> None:
    due = datetime.now(UTC) + timedelta(seconds=2)
    first = make_scheduler(database_url)
    first.start()
    add_reminder(first, "drill-7", due, "演练提醒", "drill tomorrow", url=database_url)
    stop_scheduler(first, wait=False)  # stopped before the reminder is due

    time.sleep(max((due - datetime.now(UTC)).total_seconds(), 0) + 0.3)
    assert _reminders(app, "drill-7") == 0

    second = make_scheduler(database_url, misfire_grace=timedelta(hours=1))
    second.start()
    try:
        assert _wait_for(lambda: _reminders(app, "drill-7") == 1)
        assert _wait_for(lambda: second.get_job("reminder:drill-7") is None)
        time.sleep(0.2)  # a second run, were there one, would have written by now
        assert _reminders(app, "drill-7") == 1
    finally:
        stop_scheduler(second)


def test_registering_the_daily_jobs_again_replaces_them(app: Any, database_url: str) -> None:
    """The jobs every feature registered from its init_app (create_app), by their stable ids."""
    scheduler = make_scheduler(database_url)
    scheduler.start(paused=True)
    try:
        register_daily_jobs(scheduler)
        register_daily_jobs(scheduler)
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert sorted(jobs) == ["check_actions", "check_drill_reminders", "check_drills",
                                "check_plans", "check_qualifications", "check_stock",
                                "render_plan_documents"]
        assert all(j.coalesce and j.max_instances == 1 for j in jobs.values())
        assert all(j.misfire_grace_time == 86400 for k, j in jobs.items()
                   if k not in ("check_drill_reminders", "render_plan_documents"))
        assert "interval[0:01:00]" in str(jobs["render_plan_documents"].trigger)
        hourly = jobs["check_drill_reminders"]
        assert hourly.misfire_grace_time == 3600 and "minute='5'" in str(hourly.trigger)
    finally:
        stop_scheduler(scheduler, wait=False)


def test_two_scheduler_locks_cannot_both_be_held(database_url: str) -> None:
    first, second = SchedulerLock(database_url), SchedulerLock(database_url)
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's lock is a file beside the database")
def test_each_database_on_one_server_has_its_own_scheduler_lock(database_url: str) -> None:
    """Advisory locks belong to the server: a training database beside production must not
    keep production's scheduler from starting."""
    other = make_url(database_url).set(database=f"{make_url(database_url).database}_other")
    recreate_postgres_database(other.render_as_string(hide_password=False))
    mine, theirs = SchedulerLock(database_url), SchedulerLock(
        other.render_as_string(hide_password=False))
    assert theirs.acquire()
    try:
        assert mine.acquire()  # another database's scheduler does not block this one
        assert not SchedulerLock(database_url).acquire()  # but a second one here is
        mine.release()
    finally:
        theirs.release()


def test_a_second_scheduler_command_says_another_is_active(app: Any, database_url: str) -> None:
    lock = SchedulerLock(database_url)
    assert lock.acquire()
    try:
        result = app.test_cli_runner().invoke(args=["scheduler", "--no-wait"])
    finally:
        lock.release()
    assert result.exit_code == 0, result.output
    assert "another scheduler is active" in result.output


def test_a_job_can_be_run_by_hand(app: Any, demo: Any) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "check_stock",
                                                "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "check_stock:" in result.output and "new notification(s)" in result.output


def _drill_reminders(app: Any) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(Notification.dedup_key)
                                         .where(Notification.kind == "drill_reminder")))


def test_a_drill_reminder_due_while_the_scheduler_is_stopped_is_sent_once_after_restart(
        app: Any, demo: Any, database_url: str, monkeypatch: Any) -> None:
    """The registered hourly job, run by the scheduler after a restart, exactly once."""
    from app.core.actor import reset_actor, set_actor, system_actor
    from app.drills import services as drills
    from app.drills.jobs import check_drill_reminders

    monkeypatch.setenv("READYGRID_DATABASE_URL", database_url)  # the jobs' own database
    before = set(_drill_reminders(app))
    start = datetime.now(UTC) + timedelta(days=1, seconds=-60)  # its 1-day reminder is due
    with app.app_context():
        token = set_actor(system_actor("test"))
        code = drills.create(db.session(), {
            "title": "夜间疏散演练", "exercise_type": "drill", "form": "live",
            "hazard": "fire", "area": "S02-C01", "starts_at": start.isoformat(),
            "teams": ["T-S02-C01-V"]})[0]
        reset_actor(token)

    def mine() -> list[str]:
        return [k for k in _drill_reminders(app) if k not in before and f":{code}:" in k]

    due = datetime.now(UTC) + timedelta(seconds=2)
    first = make_scheduler(database_url)
    first.start()
    register_daily_jobs(first)
    first.modify_job("check_drill_reminders", next_run_time=due)
    stop_scheduler(first, wait=False)  # stopped before the hourly run is due

    time.sleep(max((due - datetime.now(UTC)).total_seconds(), 0) + 0.3)
    assert mine() == []

    second = make_scheduler(database_url)
    second.start()
    try:
        assert _wait_for(lambda: len(mine()) == 1)
        # coalesced into one run, then back on its hourly course (the next slot may be
        # seconds away when the test runs just before one)
        after = second.get_job("check_drill_reminders").next_run_time
        assert due < after <= due + timedelta(hours=1, minutes=1)
        time.sleep(0.2)
        assert len(mine()) == 1 and ":1d:" in mine()[0]
    finally:
        stop_scheduler(second)
    check_drill_reminders(url=database_url)  # a run by hand afterwards: no second one
    assert len(mine()) == 1


def test_serve_runs_without_a_scheduler_when_asked(database_url: str) -> None:
    from app.cli.serve import gunicorn_options

    options, note = gunicorn_options("127.0.0.1", 5000, 1, 8, database_url, False)
    assert "post_fork" not in options and "worker_exit" not in options
    assert note == "scheduler off (--no-scheduler)"


def test_serve_runs_without_a_scheduler_while_another_holds_the_lock(database_url: str) -> None:
    from app.cli.serve import gunicorn_options

    lock = SchedulerLock(database_url)
    assert lock.acquire()
    try:
        options, note = gunicorn_options("127.0.0.1", 5000, 2, 8, database_url, True)
    finally:
        lock.release()
    assert "post_fork" not in options
    assert note == "another scheduler is active; serving without one"


def test_serve_runs_the_scheduler_in_the_worker_that_takes_the_lock(database_url: str) -> None:
    """The gunicorn hooks, called as a worker would (after the fork, then on exit)."""
    from app.cli.serve import gunicorn_options

    options, note = gunicorn_options("127.0.0.1", 5000, 2, 8, database_url, True)
    assert note.startswith("scheduler on")
    probe = SchedulerLock(database_url)
    assert probe.acquire()  # only probed in the master: free until a worker takes it
    probe.release()
    first, second = (ServeScheduler(database_url), ServeScheduler(database_url))
    options["post_fork"](None, None)
    embedded = options["post_fork"].__self__
    try:
        assert embedded.running
        assert {j.id for j in embedded.scheduler.get_jobs()} >= {"check_drill_reminders",
                                                                  "check_stock"}
        assert not SchedulerLock(database_url).acquire()  # the other workers only serve
        assert not first.start() and not first.running
    finally:
        options["worker_exit"](None, None)
    assert not embedded.running
    assert second.start()  # released on exit: a replacement worker takes it up
    second.stop()
    second.stop()  # twice is harmless


def test_the_serve_command_hands_gunicorn_the_hooks_only_when_the_scheduler_runs_here(
        app: Any, monkeypatch: Any) -> None:
    import gc

    from gunicorn.app.base import BaseApplication

    seen: list[Any] = []
    monkeypatch.setattr(BaseApplication, "run", lambda self: seen.append(self.cfg))
    frozen: list[bool] = []  # the objects loaded before the fork leave the collector
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["serve", "--no-scheduler", "--port", "5999"])
    assert result.exit_code == 0, result.output
    assert frozen == [True]
    assert "scheduler off" in result.output
    assert seen[-1].settings["bind"].value == ["127.0.0.1:5999"]
    assert seen[-1].settings["post_fork"].value.__name__ == "post_fork"  # gunicorn's default
    assert getattr(seen[-1].settings["post_fork"].value, "__self__", None) is None

    result = runner.invoke(args=["serve"])
    assert result.exit_code == 0, result.output
    assert "scheduler on" in result.output
    assert isinstance(seen[-1].settings["post_fork"].value.__self__, ServeScheduler)

    lock = SchedulerLock(app.config["DATABASE_URL"])
    assert lock.acquire()
    try:
        result = runner.invoke(args=["serve"])
    finally:
        lock.release()
    assert result.exit_code == 0, result.output
    assert "another scheduler is active; serving without one" in result.output
