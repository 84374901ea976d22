"""Who is told what when an incident moves: drafts for the outbox (in-app; e-mail when SMTP
is configured, by the outbox job), written in the same transaction as the change. Subjects
come in both languages; bodies hold only codes and arrows, so they read in either.

- declared, level changed, closed: the affected communities' staff (the notification's area is
  the community) and the called teams (their home area: their leaders and their community);
- plan confirmed: each source depot's keepers (the depot's area: its orders, what to load),
  each receiving area (expected arrivals, by depot), each shelter's managers (expected
  evacuees; a shelter still to be opened is told to open);
- dispatch cancelled: the depot and the receiving area;
- a receipt differs from what was sent: the coordinators (the incident's district).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.incidents.enums import IncidentStatus, MobilisationStatus, PlanStatus
from app.incidents.models import AllocationPlan, Dispatch, Incident, PlanPlacement
from app.notifications.services import Draft, record
from app.resources.arrivals import Expected
from app.resources.enums import ShelterStatus

ROMAN = "ⅠⅡⅢⅣ"


def _what(incident: Incident) -> tuple[str, str]:
    lv = ROMAN[incident.level - 1]
    tag = ("【演练】", "[EXERCISE] ") if incident.exercise else ("", "")
    return (f"{tag[0]}{incident.code} {incident.title}（{lv}级响应）",
            f"{tag[1]}{incident.code} {incident.title} (level {lv})")


def incident_changed(session: Session, incident: Incident, event: str) -> list[int]:
    """`event`: declared, level_changed or closed."""
    zh, en = _what(incident)
    n = len(incident.events)
    verbs = {"declared": ("启动应急响应", "Response declared"),
             "level_changed": ("响应级别调整", "Response level changed"),
             "closed": ("应急响应结束", "Response ended")}[event]
    names = ", ".join(sorted(ia.area.code for ia in incident.areas))
    drafts = [Draft(f"incident_{event}", community.id, f"{verbs[0]}：{zh}", f"{verbs[1]}: {en}",
                    names, f"incident:{incident.code}:{n}:{community.code}")
              for community in {ia.area.unit() for ia in incident.areas}]
    if event != "closed":
        for mob in incident.mobilisations:
            if mob.status is not MobilisationStatus.CALLED:
                continue
            team = mob.team
            drafts.append(Draft(
                "team_called", team.home_area_id, f"队伍调集：{team.name('zh')} — {zh}",
                f"Team called out: {team.name('en')} — {en}",
                f"{team.code} → {names}",
                f"callout:{incident.code}:{n}:{team.code}"))
    return record(session, drafts)


def _loads_of(plan: AllocationPlan, orders: list[Dispatch]) -> list[str]:
    """One line per vehicle load of the depot: vehicle (or — when it has none) and orders."""
    order_of = {o.area_id: o.code for o in orders}
    out = []
    for load in plan.loads:
        if load.depot_id != orders[0].depot_id:
            continue
        carried = sorted({order_of[ln.area_id] for ln in load.lines if ln.area_id in order_of})
        vehicle = f"{load.vehicle.code} {load.vehicle.plate}" if load.vehicle else "—"
        out.append(f"{vehicle}: {', '.join(carried)} ({load.weight_kg:g} kg)")
    return out


def plan_confirmed(session: Session, plan: AllocationPlan, orders: list[Dispatch]) -> list[int]:
    incident = plan.incident
    zh, en = _what(incident)
    drafts = []
    by_depot: dict[int, list[Dispatch]] = defaultdict(list)
    by_area: dict[int, list[Dispatch]] = defaultdict(list)
    for order in orders:
        by_depot[order.depot_id].append(order)
        by_area[order.area_id].append(order)
    key = f"{incident.code}:{plan.number}"
    for depot_orders in by_depot.values():
        depot = depot_orders[0].depot
        lines = "; ".join(f"{o.code} → {o.area.code}" for o in depot_orders)
        loads = _loads_of(plan, depot_orders)
        if loads:
            lines += "\n" + "\n".join(loads)
        drafts.append(Draft(
            "depot_orders", depot.area_id,
            f"出库任务：{depot.name('zh')} {len(depot_orders)} 张派送单 — {zh}",
            f"Orders to load: {depot.name('en')}, {len(depot_orders)} dispatch orders — {en}",
            lines, f"orders:{key}:{depot.code}"))
    for area_orders in by_area.values():
        area = area_orders[0].area
        sources = ", ".join(sorted({o.depot.code for o in area_orders}))
        drafts.append(Draft(
            "expected_arrivals", area.unit().id,
            f"待接收物资：{area.name('zh')} {len(area_orders)} 车次 — {zh}",
            f"Supplies on their way: {area.name('en')}, {len(area_orders)} trips — {en}",
            f"{sources} → {area.code}", f"arrivals:{key}:{area.code}"))
    evacuees: dict[int, list[Any]] = defaultdict(list)
    for placement in plan.placements:
        evacuees[placement.shelter_id].append(placement)
    for placements in evacuees.values():
        shelter = placements[0].shelter
        people = sum(p.people for p in placements)
        opening = shelter.status is ShelterStatus.READY
        drafts.append(Draft(
            "shelter_arrivals", shelter.area_id,
            f"{'请启用避难场所' if opening else '避难场所待接收'}：{shelter.name('zh')} 预计 "
            f"{people} 人 — {zh}",
            f"{'Open the shelter' if opening else 'Evacuees expected'}: {shelter.name('en')}, "
            f"{people} people — {en}",
            ", ".join(sorted(p.area.code for p in placements)) + f" → {shelter.code}",
            f"shelter:{key}:{shelter.code}"))
    return record(session, drafts)


def dispatch_cancelled(session: Session, order: Dispatch) -> list[int]:
    zh, en = _what(order.incident)
    return record(session, [Draft(
        "dispatch_cancelled", area_id, f"派送单已取消：{order.code} — {zh}",
        f"Dispatch order cancelled: {order.code} — {en}",
        f"{order.depot.code} → {order.area.code}", f"cancelled:{order.code}:{area_id}")
        for area_id in {order.depot.area_id, order.area.unit().id}])


def receipt_differs(session: Session, order: Dispatch, lines: list[dict[str, Any]],
                    reason: str) -> list[int]:
    """The receiving point counted less than was sent: the district's coordinators are told."""
    zh, en = _what(order.incident)
    short = "; ".join(f"{ln['item']} {ln['sent']} → {ln['received']}" for ln in lines
                      if ln["sent"] != ln["received"])
    return record(session, [Draft(
        "receipt_differs", order.incident.district_id,
        f"签收数量与发出不符：{order.code}（{order.area.code}）— {zh}",
        f"Receipt differs from what was sent: {order.code} ({order.area.code}) — {en}",
        f"{order.depot.code} → {order.area.code}: {short}\n{reason}",
        f"receipt:{order.code}")])


def expected_at(session: Session, shelter: Any) -> list[Expected]:
    """For the shelter page (resources.arrivals): evacuees the confirmed plans of active
    incidents send to this shelter, per incident (an exercise's only in its own name)."""
    rows = session.execute(
        select(Incident.code, Incident.title, Incident.exercise, Area.code,
               func.sum(PlanPlacement.people), func.sum(PlanPlacement.need_access))
        .join(AllocationPlan, AllocationPlan.id == PlanPlacement.plan_id)
        .join(Incident, Incident.id == AllocationPlan.incident_id)
        .join(Area, Area.id == PlanPlacement.area_id)
        .where(PlanPlacement.shelter_id == shelter.id,
               AllocationPlan.status == PlanStatus.CONFIRMED,
               Incident.status == IncidentStatus.ACTIVE)
        .group_by(Incident.code, Incident.title, Incident.exercise, Area.code)
        .order_by(Incident.code, Area.code)).all()
    by: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by[row[0]].append(row)
    return [Expected(code, ("【演练】" if group[0][2] else "") + group[0][1],
                     sum(int(r[4]) for r in group), sum(int(r[5]) for r in group),
                     [r[3] for r in group], "incidents_web.incident")
            for code, group in by.items()]
