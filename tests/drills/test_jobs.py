"""The drill jobs called directly, as plain functions, on the small demo district: reminders
before drills, drills left unrecorded, compliance, corrective actions past due, plan reviews."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from app.contingency.jobs import check_plans
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.drills import actions
from app.drills import services as drills
from app.drills.enums import DrillStatus
from app.drills.jobs import check_actions, check_drill_reminders, check_drills
from app.models import (
    Area,
    Attendance,
    CapabilityRating,
    ContingencyPlan,
    CorrectiveAction,
    Drill,
    DrillRecord,
    DrillTeam,
    Measure,
    Notification,
    TimelineEvent,
)

START = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
TODAY = date(2026, 11, 23)  # a Monday


@contextmanager
def system(app: Any) -> Iterator[Any]:
    with app.app_context():
        token = set_actor(system_actor("test"))
        try:
            yield db.session()
        finally:
            reset_actor(token)


@pytest.fixture
def bare(app: Any, demo: Any) -> None:
    """The small demo without its drills, actions and plans: each test sets up its own."""
    with app.app_context():
        session = db.session()
        session.execute(update(Drill).values(series_id=None))
        for model in (Attendance, TimelineEvent, Measure, CapabilityRating, DrillRecord,
                      CorrectiveAction, DrillTeam, Drill, ContingencyPlan, Notification):
            session.execute(delete(model))
        session.commit()


def plan(app: Any, starts_at: datetime = START, **kw: Any) -> str:
    data = {"title": "消防疏散演练", "exercise_type": "drill", "form": "live", "hazard": "fire",
            "area": "S01-C01", "starts_at": starts_at.isoformat(), "duration_minutes": 90,
            "teams": ["T-S01-C01-V", "T-S01-R"], "venue_address": "园北社区广场", **kw}
    with system(app) as session:
        return drills.create(session, data)[0]


def notes(app: Any, kind: str) -> list[Notification]:
    with app.app_context():
        return list(db.session().scalars(select(Notification).where(Notification.kind == kind)
                                         .order_by(Notification.id)))


def area_codes(app: Any, rows: list[Notification]) -> list[str]:
    with app.app_context():
        code = {i: c for i, c in db.session().execute(select(Area.id, Area.code))}
    return sorted(code[n.area_id] for n in rows if n.area_id is not None)


# ---- reminders before a drill -------------------------------------------------------------
def test_reminders_come_7_days_and_1_day_before_to_the_drill_and_team_areas(
        app: Any, bare: None, database_url: str) -> None:
    code = plan(app)

    assert check_drill_reminders(START - timedelta(days=8), url=database_url) == []
    week = check_drill_reminders(START - timedelta(days=7), url=database_url)
    assert len(week) == 2  # the drill's community, and the street of the rescue team
    assert check_drill_reminders(START - timedelta(days=5), url=database_url) == []

    sent = notes(app, "drill_reminder")
    assert area_codes(app, sent) == ["S01", "S01-C01"]
    first = sent[0]
    assert first.dedup_key.startswith(f"drill:{code}:7d:") and ":area:" in first.dedup_key
    assert "消防疏散演练" in first.subject_en and "2026-12-01 09:30" in first.subject_en
    assert "园北社区广场" in first.subject_en and "7 day" in first.subject_en
    assert first.subject_zh and "2026-12-01 09:30" in first.subject_zh

    day = check_drill_reminders(START - timedelta(hours=20), url=database_url)
    assert len(day) == 2
    assert check_drill_reminders(START - timedelta(hours=1), url=database_url) == []
    assert check_drill_reminders(START + timedelta(minutes=1), url=database_url) == []
    keys = [n.dedup_key for n in notes(app, "drill_reminder")]
    assert sum(":1d:" in k for k in keys) == 2 and len(keys) == 4


def test_a_reminder_missed_while_down_is_sent_late_but_never_after_the_start(
        app: Any, bare: None, database_url: str) -> None:
    plan(app)
    # Down from 8 days before until 3 days before: the 7-day reminder still goes out, once.
    assert len(check_drill_reminders(START - timedelta(days=3), url=database_url)) == 2
    assert check_drill_reminders(START - timedelta(days=2), url=database_url) == []
    # Down over the whole last day: nothing once the drill has started.
    assert check_drill_reminders(START + timedelta(hours=1), url=database_url) == []
    assert all(":7d:" in n.dedup_key for n in notes(app, "drill_reminder"))


def test_a_drill_planned_at_short_notice_gets_only_the_nearest_reminder(
        app: Any, bare: None, database_url: str) -> None:
    plan(app)
    assert len(check_drill_reminders(START - timedelta(hours=12), url=database_url)) == 2
    assert all(":1d:" in n.dedup_key for n in notes(app, "drill_reminder"))


def test_cancelled_drills_get_no_reminder(app: Any, bare: None, database_url: str) -> None:
    code = plan(app)
    with system(app) as session:
        drills.set_status(session, code, "cancelled")
    for before in (timedelta(days=7), timedelta(hours=20)):
        assert check_drill_reminders(START - before, url=database_url) == []


def test_a_confirmed_drill_moved_to_another_day_is_reminded_of_again(
        app: Any, bare: None, database_url: str) -> None:
    code = plan(app)
    with system(app) as session:
        drills.set_status(session, code, "confirmed")
    assert len(check_drill_reminders(START - timedelta(hours=20), url=database_url)) == 2
    later = START + timedelta(days=1)
    with system(app) as session:
        drills.update(session, code, {"starts_at": later.isoformat()})
    assert len(check_drill_reminders(later - timedelta(hours=20), url=database_url)) == 2


# ---- drills left unrecorded ---------------------------------------------------------------
def test_a_drill_over_but_not_recorded_is_reported_once_a_day(
        app: Any, bare: None, database_url: str) -> None:
    code = plan(app, starts_at=datetime(2026, 11, 20, 1, 30, tzinfo=UTC))
    kept = plan(app, starts_at=datetime(2026, 11, 21, 1, 30, tzinfo=UTC))
    with system(app) as session:
        drills.set_status(session, kept, "cancelled")

    check_drills(TODAY, url=database_url)
    check_drills(TODAY, url=database_url)
    overdue = notes(app, "drill_overdue")
    assert [n.dedup_key for n in overdue] == [f"drill_overdue:{code}:{TODAY}"]
    assert "record it or cancel it" in overdue[0].subject_en
    assert area_codes(app, overdue) == ["S01-C01"]

    check_drills(TODAY + timedelta(days=1), url=database_url)
    assert len(notes(app, "drill_overdue")) == 2

    with app.app_context():
        db.session().execute(update(Drill).where(Drill.code == code)
                             .values(status=DrillStatus.DONE))
        db.session().commit()
    check_drills(TODAY + timedelta(days=2), url=database_url)
    assert len(notes(app, "drill_overdue")) == 2


def test_a_drill_still_running_is_not_overdue(app: Any, bare: None, database_url: str) -> None:
    plan(app)
    check_drills(url=database_url, now=START + timedelta(minutes=30))
    assert notes(app, "drill_overdue") == []
    check_drills(url=database_url, now=START + timedelta(minutes=91))
    assert len(notes(app, "drill_overdue")) == 1


# ---- compliance ---------------------------------------------------------------------------
def test_areas_overdue_on_a_requirement_are_reported_once_a_week(
        app: Any, bare: None, database_url: str) -> None:
    check_drills(TODAY, url=database_url)  # no drill anywhere: all overdue
    overdue = notes(app, "compliance_overdue")
    assert overdue and {n.dedup_key.rsplit(":", 1)[1] for n in overdue} == {"2026-W48"}
    codes = area_codes(app, overdue)
    assert {"S01", "S02", "S01-C01", "S02-C02"} <= set(codes) and len(set(codes)) == len(codes)
    assert any("no drill on record" in n.subject_en for n in overdue)

    assert check_drills(TODAY + timedelta(days=6), url=database_url) == []  # Sunday
    again = check_drills(TODAY + timedelta(days=7), url=database_url)
    assert len(again) == len(overdue)


def test_an_area_due_soon_is_reported_once_per_due_date(
        app: Any, bare: None, database_url: str) -> None:
    done_on = datetime(2025, 12, 10, 1, 30, tzinfo=UTC)  # the community rule: every 12 months
    code = plan(app, starts_at=done_on)
    with app.app_context():
        db.session().execute(update(Drill).where(Drill.code == code)
                             .values(status=DrillStatus.DONE))
        db.session().commit()

    check_drills(TODAY, url=database_url)
    check_drills(TODAY + timedelta(days=1), url=database_url)
    soon = notes(app, "compliance_due_soon")
    assert area_codes(app, soon) == ["S01-C01"]
    assert soon[0].dedup_key.endswith(":2026-12-10") and "2026-12-10" in soon[0].subject_en
    overdue_areas = area_codes(app, notes(app, "compliance_overdue"))
    assert "S01-C01" not in overdue_areas and "S01-C02" in overdue_areas


# ---- corrective actions -------------------------------------------------------------------
def test_an_overdue_action_is_in_the_next_days_reminders_each_day(
        app: Any, bare: None, database_url: str) -> None:
    due = date(2026, 11, 20)
    with system(app) as session:
        code = actions.create(session, {"area": "S01-C01", "title": "楼道堆物清理",
                                        "element": "equipment", "owner": "王主任",
                                        "start_on": "2026-11-01", "due_on": due.isoformat()})

    assert check_actions(due, url=database_url) == []  # due today: not yet overdue
    first = check_actions(due + timedelta(days=1), url=database_url)
    assert len(first) == 1
    assert check_actions(due + timedelta(days=1), url=database_url) == []
    assert len(check_actions(due + timedelta(days=2), url=database_url)) == 1

    sent = notes(app, "action_overdue")
    assert [n.dedup_key.rsplit(":", 1)[1] for n in sent] == ["2026-11-21", "2026-11-22"]
    assert code in sent[0].subject_en and "王主任" in sent[0].subject_en
    assert "1 day(s) overdue" in sent[0].subject_en and "2 day(s)" in sent[1].subject_en
    assert area_codes(app, sent) == ["S01-C01", "S01-C01"]

    with system(app) as session:
        actions.update(session, code, {"status": "done", "closing_note": "已清理"},
                       today=due + timedelta(days=2))
    assert check_actions(due + timedelta(days=3), url=database_url) == []


# ---- contingency plans --------------------------------------------------------------------
def _plan_doc(app: Any, code: str, **kw: Any) -> None:
    with system(app) as session:
        area = session.scalars(select(Area).where(Area.code == "S01")).one()
        session.add(ContingencyPlan(code=code, title_zh="防汛预案", title_en="Flood plan",
                                    area_id=area.id, **kw))
        session.commit()


def test_plans_due_for_review_or_flagged_are_reported_once_a_week(
        app: Any, bare: None, database_url: str) -> None:
    _plan_doc(app, "PLAN-SOON", review_due=TODAY + timedelta(days=20))
    _plan_doc(app, "PLAN-LATE", review_due=TODAY - timedelta(days=3))
    _plan_doc(app, "PLAN-FAR", review_due=TODAY + timedelta(days=200))
    _plan_doc(app, "PLAN-FLAG", review_due=None, needs_revision=True,
              revision_reasons=["CA-2026-001 (DRL-2026-001): 疏散路线不清"])

    assert len(check_plans(TODAY, url=database_url)) == 3
    assert check_plans(TODAY + timedelta(days=4), url=database_url) == []
    assert len(check_plans(TODAY + timedelta(days=7), url=database_url)) == 3

    subjects = {n.subject_en.split(" ")[1]: n for n in notes(app, "plan_review")}
    assert set(subjects) == {"PLAN-SOON", "PLAN-LATE", "PLAN-FLAG"}
    assert "needs revision" in subjects["PLAN-FLAG"].subject_en
    assert "疏散路线不清" in subjects["PLAN-FLAG"].body
    assert "overdue" in subjects["PLAN-LATE"].subject_en
    assert "Flood plan" in subjects["PLAN-SOON"].subject_en
    assert "防汛预案" in subjects["PLAN-SOON"].subject_zh


# ---- by hand ------------------------------------------------------------------------------
def test_each_drill_job_can_be_run_by_hand(app: Any, bare: None) -> None:
    plan(app)
    runner = app.test_cli_runner()
    for args in (["check_drills", "--today", "2026-11-23"],
                 ["check_actions", "--today", "2026-11-23"],
                 ["check_plans", "--today", "2026-11-23"],
                 ["check_drill_reminders", "--at", "2026-11-30T10:00"]):
        result = runner.invoke(args=["jobs", "run", *args])
        assert result.exit_code == 0, result.output
        assert f"{args[0]}:" in result.output
    assert "check_drill_reminders: 2 new notification(s)" in result.output


def test_on_the_demo_district_every_job_runs_and_a_second_run_writes_nothing(
        app: Any, demo: Any, database_url: str) -> None:
    now = datetime.now(UTC)
    first = (check_drill_reminders(now, url=database_url) + check_drills(
        url=database_url, now=now) + check_actions(url=database_url)
             + check_plans(url=database_url))
    assert first  # the demo has overdue areas and past-due actions to chase
    assert check_drill_reminders(now, url=database_url) == []
    assert check_drills(url=database_url, now=now) == []
    assert check_actions(url=database_url) == []
    assert check_plans(url=database_url) == []
