"""Drills: planning (with recurrence), records, corrective actions, compliance, exercises."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.core.errors import Conflict, ValidationFailed
from app.drills import actions, compliance
from app.drills import records as drill_records
from app.drills import services as drills
from app.drills.compliance import Standing
from app.drills.enums import ActionStatus, DrillStatus
from app.models import Area, ContingencyPlan, CorrectiveAction, Drill, Incident, LedgerEntry

COMMUNITY = "S01-C01"


@pytest.fixture
def blank(ctx: Any, demo: Any) -> Any:
    """The small demo without its drill history, so each test writes the history it needs."""
    ctx.execute(delete(CorrectiveAction))
    ctx.execute(delete(Drill).where(Drill.series_id.is_not(None)))
    ctx.execute(delete(Drill))
    ctx.commit()
    return ctx


def plan_drill(ctx: Any, **kw: Any) -> list[str]:
    data = {"title": "消防疏散演练", "exercise_type": "drill", "form": "live", "hazard": "fire",
            "area": COMMUNITY, "starts_at": "2026-03-14T09:30", "duration_minutes": 90,
            "teams": ["T-S01-C01-V"], "objectives": ["疏散 2 分钟内完成"]}
    return drills.create(ctx, {**data, **kw})


def test_a_recurrence_becomes_one_drill_per_date_in_local_time(ctx: Any, blank: Any) -> None:
    codes = plan_drill(ctx, rrule="FREQ=MONTHLY;INTERVAL=3;COUNT=4")
    assert len(codes) == 4
    rows = [drills.load(ctx, c) for c in codes]
    assert [drills.local_date(d.starts_at) for d in rows] == [
        date(2026, 3, 14), date(2026, 6, 14), date(2026, 9, 14), date(2026, 12, 14)]
    # 09:30 in Shanghai is 01:30 UTC; every date keeps the first one's length and teams.
    assert rows[0].starts_at == datetime(2026, 3, 14, 1, 30, tzinfo=UTC)
    assert all(d.ends_at - d.starts_at == timedelta(minutes=90) for d in rows)
    assert all(d.series_id == rows[0].id for d in rows[1:])
    assert all([t.code for t in d.teams] == ["T-S01-C01-V"] for d in rows)


@pytest.mark.parametrize(("rule", "why"), [("FREQ=DAILY", "COUNT or UNTIL"),
                                           ("FREQ=SOMETIMES;COUNT=2", "RFC 5545"),
                                           ("FREQ=DAILY;COUNT=500", "at most")])
def test_bad_recurrences_are_refused_and_nothing_is_written(ctx: Any, blank: Any, rule: str,
                                                            why: str) -> None:
    before = ctx.query(Drill).count()
    with pytest.raises(ValidationFailed) as err:
        plan_drill(ctx, rrule=rule)
    assert err.value.field == "rrule" and why in err.value.detail
    assert ctx.query(Drill).count() == before


def test_a_discussion_exercise_cannot_be_live(ctx: Any, blank: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        plan_drill(ctx, exercise_type="tabletop", form="live")
    assert err.value.field == "form"


def test_recording_a_drill_marks_it_done_and_keeps_measures(ctx: Any, blank: Any) -> None:
    code = plan_drill(ctx)[0]
    drill_records.save(ctx, code, {
        "attendance": [{"team": "T-S01-C01-V", "expected": 12, "present": 10}],
        "events": [{"at": "2026-03-14T09:31", "text": "警报拉响"}],
        "measures": [{"name": "疏散完毕", "target_seconds": "2:00", "actual_seconds": "4:10"}],
        "ratings": [{"capability": "疏散", "rating": "m"}],
        "strengths": ["集合迅速"], "improvements": ["楼道堆物"], "complete": True})
    drill = drills.load(ctx, code)
    assert drill.status is DrillStatus.DONE
    measure = drill.record.measures[0]
    assert (measure.target_seconds, measure.actual_seconds, measure.met) == (120, 250, False)
    assert drill.record.ratings[0].rating.value == "M"


def test_a_future_drill_cannot_be_marked_done(ctx: Any, blank: Any) -> None:
    code = plan_drill(ctx, starts_at=(datetime.now(UTC) + timedelta(days=3)).isoformat())[0]
    with pytest.raises(ValidationFailed) as err:
        drill_records.save(ctx, code, {"events": [{"at": "2026-03-14T09:31", "text": "x"}],
                                       "complete": True})
    assert err.value.field == "complete"
    assert drills.load(ctx, code).status is DrillStatus.PLANNED


def test_a_finding_flags_the_linked_plan_and_the_action_is_chased(ctx: Any,
                                                                   blank: Any) -> None:
    community = ctx.scalar(select(Area).where(Area.code == COMMUNITY))
    ctx.add(ContingencyPlan(code="P-TEST", title_zh="社区预案", area_id=community.id))
    ctx.commit()
    code = plan_drill(ctx, plan="P-TEST")[0]
    ca = actions.create(ctx, {"drill": code, "title": "清理楼道堆物", "element": "equipment",
                              "owner": "王主任", "start_on": "2026-03-15", "due_on": "2026-04-15",
                              "flags_plan": True}, today=date(2026, 3, 15))
    plan = ctx.scalar(select(ContingencyPlan).where(ContingencyPlan.code == "P-TEST"))
    assert plan.needs_revision and ca in plan.revision_reasons[0]
    board = actions.board(ctx, date(2026, 4, 16))
    assert [a.code for a in board.overdue] == [ca]
    assert [a.code for a in actions.past_due(ctx, date(2026, 4, 16))] == [ca]
    assert actions.past_due(ctx, date(2026, 4, 15)) == []
    with pytest.raises(ValidationFailed) as err:
        actions.update(ctx, ca, {"status": "done"})
    assert err.value.field == "closing_note"
    actions.update(ctx, ca, {"status": "done", "closing_note": "已清理"}, today=date(2026, 4, 16))
    assert actions.load(ctx, ca).status is ActionStatus.DONE
    assert actions.past_due(ctx, date(2026, 4, 17)) == []
    with pytest.raises(Conflict):
        actions.update(ctx, ca, {"status": "cancelled"})


def test_compliance_counts_done_drills_below_the_area(ctx: Any, blank: Any) -> None:
    today = date(2026, 12, 28)  # the due-soon window is 30 days (seeded setting)
    rows = {r.area.code: r for r in compliance.compliance(ctx, today,
                                                          requirement="REQ-COMMUNITY")}
    assert rows[COMMUNITY].standing is Standing.OVERDUE and rows[COMMUNITY].last_done is None
    code = plan_drill(ctx, area=f"{COMMUNITY}-G01", starts_at="2026-01-20T09:00")[0]
    drill_records.save(ctx, code, {"events": [{"at": "2026-01-20T09:05", "text": "x"}],
                                   "complete": True})
    rows = {r.area.code: r for r in compliance.compliance(ctx, today,
                                                          requirement="REQ-COMMUNITY")}
    assert rows[COMMUNITY].standing is Standing.DUE_SOON
    assert rows["S02-C01"].standing is Standing.OVERDUE  # a grid's drill counts only upward
    assert rows[COMMUNITY].next_due == date(2027, 1, 20)
    plan_drill(ctx, starts_at="2027-01-10T09:00")
    rows = {r.area.code: r for r in compliance.compliance(ctx, today,
                                                          requirement="REQ-COMMUNITY")}
    assert rows[COMMUNITY].standing is Standing.PLANNED
    assert rows[COMMUNITY].next_planned == date(2027, 1, 10)


def test_an_exercise_runs_the_incident_workflow_without_touching_stock(ctx: Any,
                                                                       blank: Any) -> None:
    code = plan_drill(ctx, exercise_type="functional")[0]
    before = ctx.query(LedgerEntry).count()
    incident_code, number = drill_records.run_exercise(ctx, code, level=3)
    incident = ctx.scalar(select(Incident).where(Incident.code == incident_code))
    assert incident.exercise and number == 1
    record = drills.load(ctx, code).record
    assert record.exercise_incident_id == incident.id
    assert record.exercise_summary["areas"] == [COMMUNITY]
    assert ctx.query(LedgerEntry).count() == before
    with pytest.raises(Conflict):
        drill_records.run_exercise(ctx, code)
