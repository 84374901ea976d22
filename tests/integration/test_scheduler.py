"""The scheduler on the app database: a restart loses no reminder and fires it exactly once;
only one scheduler can be active at a time."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app import db
from app.cli_scheduler import (
    SchedulerLock,
    add_reminder,
    make_scheduler,
    register_daily_jobs,
    stop_scheduler,
)
from app.models import Notification


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


def test_registering_the_daily_jobs_again_replaces_them(database_url: str) -> None:
    scheduler = make_scheduler(database_url)
    scheduler.start(paused=True)
    try:
        register_daily_jobs(scheduler)
        register_daily_jobs(scheduler)
        jobs = scheduler.get_jobs()
        assert sorted(j.id for j in jobs) == ["check_qualifications", "check_stock"]
        assert all(j.coalesce and j.max_instances == 1 and j.misfire_grace_time == 86400
                   for j in jobs)
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
