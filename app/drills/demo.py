"""Demo drills: plans, a year of drill history with records, upcoming drills, open actions.

The history is uneven on purpose, like a real district's: some communities drilled last
spring, some more than a year ago (now overdue), some never; a few corrective actions are
past due so the board and the reminders have something to chase.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.areas.models import Area
from app.contingency.models import ContingencyPlan
from app.core.vocabulary import Hazard
from app.drills.enums import (
    ActionStatus,
    DrillForm,
    DrillScope,
    DrillStatus,
    DrillUnit,
    ExerciseType,
    Poete,
    Rating,
)
from app.drills.models import (
    Attendance,
    CapabilityRating,
    CorrectiveAction,
    Drill,
    DrillRecord,
    Measure,
    TimelineEvent,
)
from app.resources.models import Team

TZ = ZoneInfo("Asia/Shanghai")
_KINDS = [  # (type, form, scope, zh title, en title)
    (ExerciseType.DRILL, DrillForm.LIVE, DrillScope.SINGLE, "{area}消防疏散演练",
     "{area} fire evacuation drill"),
    (ExerciseType.TABLETOP, DrillForm.TABLETOP, DrillScope.COMPREHENSIVE, "{area}防汛桌面推演",
     "{area} flood tabletop exercise"),
    (ExerciseType.FUNCTIONAL, DrillForm.LIVE, DrillScope.COMPREHENSIVE,
     "{area}地震应急综合演练", "{area} earthquake response exercise"),
]
_HAZARD = {ExerciseType.DRILL: Hazard.FIRE, ExerciseType.TABLETOP: Hazard.FLOOD,
           ExerciseType.FUNCTIONAL: Hazard.EARTHQUAKE}
_FINDINGS = [("楼道堆放杂物影响疏散", Poete.EQUIPMENT, "疏散"),
             ("部分志愿者不熟悉集合点位置", Poete.TRAINING, "人员集结"),
             ("预案中联络人电话已过期", Poete.PLANNING, "指挥协调"),
             ("应急广播覆盖不到高层住户", Poete.EQUIPMENT, "预警发布"),
             ("老人转移分工不明确", Poete.ORGANISATION, "弱势群体转移")]


def _at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ).astimezone(UTC)


class _Codes:
    def __init__(self) -> None:
        self.by_year: dict[str, int] = {}

    def next(self, prefix: str, year: int) -> str:
        key = f"{prefix}-{year}"
        self.by_year[key] = self.by_year.get(key, 0) + 1
        return f"{key}-{self.by_year[key]:03d}"


def build_drills(session: Session, rng: random.Random, district: Area, streets: list[Area],
                 communities: list[Area], teams_of: dict[int, list[Team]], today: date) -> int:
    """Plans, drills, records and corrective actions; returns the number of drills."""
    codes = _Codes()
    session.add(ContingencyPlan(
        code="P-D01", title_zh=f"{district.name_zh}突发事件总体应急预案",
        title_en=f"{district.name_en} general emergency plan", area_id=district.id,
        hazard=Hazard(district.hazards[0]), hazards=list(district.hazards),
        review_due=today + timedelta(days=20)))
    for street in streets:
        session.add(ContingencyPlan(
            code=f"P-{street.code}", title_zh=f"{street.name_zh}突发事件综合应急预案",
            title_en=f"{street.name_en} emergency plan", area_id=street.id,
            hazard=Hazard(street.hazards[0]), hazards=list(street.hazards),
            review_due=today + timedelta(days=rng.randint(30, 500))))
    drills = 0
    for n, community in enumerate(communities):
        hazard = Hazard.FLOOD if Hazard.FLOOD.value in community.hazards else Hazard.FIRE
        plan = ContingencyPlan(
            code=f"P-{community.code}", title_zh=f"{community.name_zh}{hazard.label('zh')}应急预案",
            title_en=f"{community.name_en} {hazard.label('en').lower()} plan",
            area_id=community.id, hazard=hazard,
            hazards=[hazard.value, *[h for h in community.hazards if h != hazard.value]],
            review_due=today + timedelta(days=rng.randint(-40, 700)))
        session.add(plan)
        session.flush()
        teams = teams_of.get(community.id, [])
        # History: 0 (never drilled), recent, or more than a year ago (now overdue).
        history = rng.choices([0, 1, 2], [0.15, 0.55, 0.30])[0]
        if history or n == 0:  # the staff user's community always has a record to show
            months_ago = rng.randint(2, 10) if history != 2 else rng.randint(13, 18)
            held = today - timedelta(days=30 * months_ago + rng.randint(0, 20))
            drill = _drill(codes, community, plan, teams, held, rng, DrillStatus.DONE)
            session.add(drill)
            session.flush()
            _record(session, codes, drill, teams, rng, today)
            drills += 1
        if rng.random() < 0.55 or n == 0:
            ahead = today + timedelta(days=rng.choice([1, 5, 6, 12, 25, 40, 75]) + (n == 0) * 5)
            status = DrillStatus.CONFIRMED if (ahead - today).days <= 14 else DrillStatus.PLANNED
            session.add(_drill(codes, community, plan, teams, ahead, rng, status))
            drills += 1
    session.flush()
    return drills


def _drill(codes: _Codes, area: Area, plan: ContingencyPlan, teams: list[Team], day: date,
           rng: random.Random, status: DrillStatus) -> Drill:
    kind, form, scope, zh, _en = rng.choice(_KINDS)
    start = _at(day, rng.choice([9, 14, 19]), rng.choice([0, 30]))
    drill = Drill(code=codes.next("DRL", day.year), title=zh.format(area=area.name_zh),
                  exercise_type=kind, form=form, scope=scope, unit=DrillUnit.COMMUNITY,
                  hazard=_HAZARD[kind], area_id=area.id, plan_id=plan.id,
                  objectives=["检验预案可操作性", "熟悉疏散路线与集合点", "检验队伍集结时间"],
                  starts_at=start, ends_at=start + timedelta(minutes=rng.choice([60, 90, 120])),
                  venue_address=f"{area.name_zh}活动中心", status=status,
                  expected_participants=rng.randint(30, 120), created_by="demo")
    drill.teams = list(teams)
    return drill


def _record(session: Session, codes: _Codes, drill: Drill, teams: list[Team],
            rng: random.Random, today: date) -> None:
    record = DrillRecord(drill_id=drill.id, recorded_by="demo",
                         summary="演练按脚本完成，暴露出若干需整改问题。",
                         strengths=["各队伍集结迅速", "指挥口令清晰"],
                         improvements=[f[0] for f in rng.sample(_FINDINGS, 2)],
                         evaluation={"execution": "按计划执行", "equipment": "广播设备需更新"})
    for team in teams:
        expected = len(team.members)
        record.attendance.append(Attendance(team_id=team.id, expected=expected,
                                            present=max(0, expected - rng.randint(0, 3))))
    t0 = drill.starts_at
    for minutes, text in [(0, "发布预警，启动演练"), (3, "各队伍到达集合点"),
                          (6, "开始组织群众疏散"), (12, "疏散完毕，清点人数")]:
        record.events.append(TimelineEvent(at=t0 + timedelta(minutes=minutes), text=text))
    actual = rng.randint(95, 260)
    record.measures.append(Measure(name="低层建筑疏散完毕", target_seconds=120,
                                   actual_seconds=actual,
                                   source="中小学幼儿园应急疏散演练指南 (2014)"))
    record.ratings = [CapabilityRating(capability="疏散", rating=Rating.S if actual <= 120
                                       else Rating.M),
                      CapabilityRating(capability="指挥协调", rating=Rating.P)]
    session.add(record)
    held = drill.starts_at.astimezone(TZ).date()
    for title, element, capability in rng.sample(_FINDINGS, 2):
        due = held + timedelta(days=rng.choice([30, 60, 90]))
        # Most old findings were fixed; recent ones are still being worked on.
        fixed = 0.85 if (today - due).days > 60 else 0.2
        status = (ActionStatus.DONE if rng.random() < fixed else
                  rng.choice([ActionStatus.OPEN, ActionStatus.IN_PROGRESS]))
        session.add(CorrectiveAction(
            code=codes.next("CA", held.year), drill_id=drill.id, area_id=drill.area_id,
            title=title, element=element, capability=capability,
            owner=rng.choice(["社区主任", "网格长", "物业经理", "志愿者队长"]), start_on=held,
            due_on=due, status=status,
            closed_on=min(due, today) if status is ActionStatus.DONE else None,
            closing_note="已整改并复查" if status is ActionStatus.DONE else ""))
