"""The data context of a contingency plan document: plain data from live records.

`build` reads everything the plan document shows — organisation and roster, risks, levels,
resources against the scenario's needs, shelters with the optimiser's evacuation assignment,
expiring stock, the drill record, a map, and the restricted register — and returns it as
JSON-serialisable data only (str, int, float, bool, None, lists and dicts; dates as ISO
strings). Submitting a version stores this dict as its frozen snapshot and hashes it, so both
languages are kept side by side (``*_zh`` / ``*_en``) and the renderer needs no database.
"""
from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.areas.models import Area
from app.contingency.enums import VersionStatus
from app.contingency.models import ContingencyPlan, PlanVersion
from app.core import mapsvg
from app.core.clock import district_today
from app.core.db import utcnow
from app.core.vocabulary import VULNERABLE_GROUPS, AreaLevel, Hazard
from app.drills.enums import OPEN_ACTIONS, DrillStatus
from app.drills.models import CorrectiveAction, Drill, DrillRecord
from app.incidents.services import assumptions
from app.resources.enums import Facility, ShelterStatus, TeamKind
from app.resources.levels import teams_mobilised
from app.resources.models import MobilisationLevel, Shelter, Team
from app.stock.models import Depot, Item, StockLot
from app.stock.summary import norm_rows, resolve_norms
from optimizer import shelters as shelter_opt
from optimizer.geo import great_circle_matrix
from optimizer.needs import People, needs

SCHEMA = 1
EXPIRING_DAYS = 90
EXPIRING_ROWS = 20  # the document lists the soonest lots; the rest are counted
DEPOT_ROWS = 12  # depots listed: the area's own, then the nearest; all count in the stock
SHELTER_ROWS = 15  # shelters listed: the area's own and those assigned, then the nearest
DRILL_YEARS = 3
LAW_ZH = "《中华人民共和国突发事件应对法》（2024年修订）"
LAW_EN = "Emergency Response Law of the PRC (revised 2024)"
TEMPLATE_SOURCE = "应急厅函〔2023〕231号 street and community plan templates [secondary]"

# The Ministry template's chapters, and the Art. 28 element each carries.
CHAPTERS = [
    ("general", "总则", "General provisions", None),
    ("organisation", "应急组织体系", "Organisation",
     ("应急指挥机构及其职责", "Command organisation and duties")),
    ("warning", "报告与预警", "Reporting and warning",
     ("预防与预警机制", "Prevention and warning")),
    ("response", "应急处置", "Response", ("应急处置程序", "Response procedures")),
    ("recovery", "后期处置", "Recovery", ("事后恢复与重建", "Recovery and reconstruction")),
    ("support", "应急保障", "Support", ("应急保障措施", "Support measures")),
    ("management", "预案管理", "Plan management", None),
    ("annexes", "附件", "Annexes", None),
]

DUTIES = {  # command duties by the level of the team's home area
    AreaLevel.DISTRICT: (
        "统一领导全区突发事件应对；决定启动、调整和终止区级应急响应；调度区级队伍、物资和避难场所；"
        "向上级政府报告并请求支援。",
        "Leads the district's response; starts, changes and ends district responses; deploys "
        "district teams, supplies and shelters; reports to and requests support from above."),
    AreaLevel.STREET: (
        "组织本街道先期处置和群众转移安置；调度街道队伍与储备点物资；向区应急指挥部报告。",
        "Runs the street's first response, evacuation and sheltering; deploys street teams and "
        "supply points; reports to the district command."),
    AreaLevel.COMMUNITY: (
        "发出预警、组织居民疏散和自救互救；优先转移独居老人、残疾人、孕妇和婴幼儿；及时报告信息。",
        "Warns residents, runs evacuation and self/mutual rescue; moves vulnerable residents "
        "first; reports promptly."),
}


def _names(obj: Any) -> dict[str, str]:
    return {"name_zh": obj.name_zh, "name_en": obj.name_en or obj.name_zh}


def _area(area: Area | None) -> dict[str, Any] | None:
    if area is None:
        return None
    return {"code": area.code, **_names(area), "level": area.level.value,
            "level_zh": area.level.label("zh"), "level_en": area.level.label("en")}


def _labelled(member: Any) -> dict[str, str]:
    return {"code": member.value, "zh": member.label("zh"), "en": member.label("en")}


def _ancestors(session: Session, area: Area) -> list[Area]:
    """The area's ancestors, the district first (not the area itself)."""
    ids = [int(x) for x in area.path.strip("/").split("/") if x][:-1]
    found = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _split(total: int, weights: list[int]) -> list[int]:
    """Split a total over weights, whole numbers that add up exactly (largest remainder)."""
    if not weights or total <= 0:
        return [0] * len(weights)
    if not sum(weights):
        weights = [1] * len(weights)
    exact = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in exact]
    for i in sorted(range(len(out)), key=lambda i: out[i] - exact[i])[:total - sum(out)]:
        out[i] += 1
    return out


def build(session: Session, plan: ContingencyPlan, *, version: PlanVersion | None = None,
          today: date | None = None) -> dict[str, Any]:
    """Everything the document shows, as JSON-serialisable plain data (no ORM objects)."""
    today = today or district_today()
    area = plan.area
    lineage = _ancestors(session, area)
    district = lineage[0] if lineage else area
    cells = list(session.scalars(
        select(Area).where(Area.path.startswith(area.path), Area.level == AreaLevel.GRID)
        .order_by(Area.code))) or [area]
    hazards = [Hazard(c) for c in (plan.hazards or ([plan.hazard.value] if plan.hazard else []))]
    scenario = _scenario(plan, area, hazards)
    dist = assumptions()["distances"]
    resources, depots = _resources(session, area, district, cells, scenario, today,
                                   float(dist["supply_km"]))
    shelters = _shelters(session, area, district, cells, scenario, float(dist["shelter_km"]))
    return {
        "schema": SCHEMA,
        "meta": _meta(plan, version, area, lineage, hazards, scenario, today),
        "chapters": [{"key": k, "zh": zh, "en": en,
                      "element_zh": el[0] if el else None, "element_en": el[1] if el else None}
                     for k, zh, en, el in CHAPTERS],
        "organisation": _organisation(session, area, lineage),
        "risks": _risks(area, hazards, len(cells) if cells != [area] else 0),
        "levels": _levels(session, district, area),
        "resources": resources,
        "shelters": shelters,
        "expiring": _expiring(session, depots, today),
        "drills": _drills(session, area, today),
        "map": _map(area, cells, depots, shelters),
        "restricted": _restricted(session, area, cells),
    }


def _scenario(plan: ContingencyPlan, area: Area, hazards: list[Hazard]) -> dict[str, Any]:
    shares = assumptions()["displaced_share"]
    main = hazards[0] if hazards else None
    share = float(shares.get(main.value, shares["default"])) if main else float(shares["default"])
    derived = plan.scenario_displaced is None
    displaced = math.ceil(area.population * share) if derived else int(plan.scenario_displaced or 0)
    days = int(plan.scenario_days or 3)
    if derived:
        source_zh = (f"本区域常住人口 {area.population} 人 × {main.label('zh') if main else ''}"
                     f"转移比例 {share:.0%}（app/seeds/incidents.toml）")
        source_en = (f"Area population {area.population} × displaced share {share:.0%} for "
                     f"{main.label('en').lower() if main else 'the hazard'} "
                     "(app/seeds/incidents.toml)")
    else:
        source_zh = "预案设定的转移安置人数"
        source_en = "Displaced figure set in the plan"
    return {"displaced": displaced, "days": days, "hours": days * 24,
            "population": area.population, "share": share if derived else None,
            "derived": derived, "hazard": main.value if main else None,
            "source_zh": source_zh, "source_en": source_en,
            "assumption_source": shares.get("source", "")}


def _meta(plan: ContingencyPlan, version: PlanVersion | None, area: Area, lineage: list[Area],
          hazards: list[Hazard], scenario: dict[str, Any], today: date) -> dict[str, Any]:
    status = version.status if version is not None else VersionStatus.DRAFT
    return {
        "plan": {"code": plan.code, "title_zh": plan.title_zh,
                 "title_en": plan.title_en or plan.title_zh,
                 "review_due": plan.review_due.isoformat() if plan.review_due else None},
        "version": {"id": version.id if version is not None else None,
                    "number": version.number if version is not None else None,
                    "status": status.value, "status_zh": status.label("zh"),
                    "status_en": status.label("en"),
                    "note": version.note if version is not None else ""},
        "as_of": utcnow().isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "area": _area(area),
        "parent": _area(lineage[-1]) if lineage else None,
        "lineage": [_area(a) for a in lineage],
        "hazards": [_labelled(h) for h in hazards],
        "scenario": scenario,
        "law_zh": LAW_ZH, "law_en": LAW_EN, "template_source": TEMPLATE_SOURCE,
    }


def _member_rows(team: Team) -> list[dict[str, Any]]:
    return [{"team": team.code, "team_zh": team.name_zh, "team_en": team.name_en or team.name_zh,
             "name": m.name, "role": m.role, "phone": m.phone}
            for m in team.members if m.active]


def _team(team: Team, duties: tuple[str, str] | None = None) -> dict[str, Any]:
    active = [m for m in team.members if m.active]
    leader = next((m for m in active if m.role in ("队长", "组长", "leader")),
                  active[0] if active else None)
    return {"code": team.code, **_names(team), "kind": team.kind.value,
            "kind_zh": team.kind.label("zh"), "kind_en": team.kind.label("en"),
            "speciality": team.speciality.value, "speciality_zh": team.speciality.label("zh"),
            "speciality_en": team.speciality.label("en"), "size": len(active),
            "availability": team.availability.value,
            "availability_zh": team.availability.label("zh"),
            "availability_en": team.availability.label("en"),
            "phone": team.contact_phone, "home": team.home_area.code,
            "leader": leader.name if leader else "", "leader_phone": leader.phone if leader else "",
            "duties_zh": duties[0] if duties else "", "duties_en": duties[1] if duties else ""}


def _organisation(session: Session, area: Area, lineage: list[Area]) -> dict[str, Any]:
    chain = [*lineage, area]
    chain_ids = [a.id for a in chain]
    command = list(session.scalars(
        select(Team).where(Team.kind == TeamKind.COMMAND, Team.home_area_id.in_(chain_ids))
        .options(selectinload(Team.members), selectinload(Team.home_area))))
    command.sort(key=lambda t: (chain_ids.index(t.home_area_id), t.code), reverse=True)
    own = list(session.scalars(select(Team).where(Team.home_area_id == area.id)
                               .options(selectinload(Team.members)).order_by(Team.kind, Team.code)))
    field = list(session.scalars(
        select(Team).join(Area, Area.id == Team.home_area_id)
        .where(Team.kind != TeamKind.COMMAND,
               Area.path.startswith(area.path) | Team.home_area_id.in_(chain_ids))
        .options(selectinload(Team.members), selectinload(Team.home_area))
        .order_by(Team.kind, Team.code)))
    return {
        "command": [_team(t, DUTIES.get(t.home_area.level)) for t in command],
        "roster": [row for t in sorted(own, key=lambda t: (t.kind != TeamKind.COMMAND, t.code))
                   for row in _member_rows(t)],
        "field_teams": [_team(t) for t in field],
    }


def _risks(area: Area, hazards: list[Hazard], grids: int) -> dict[str, Any]:
    return {"hazards": [_labelled(h) for h in hazards],
            "area_hazards": [_labelled(Hazard(h)) for h in area.hazards or []],
            "population": area.population, "households": area.households, "grids": grids,
            "vulnerable": [{**_labelled(g), "count": getattr(area, g.value)}
                           for g in VULNERABLE_GROUPS],
            "vulnerable_total": sum(area.vulnerable.values())}


def _levels(session: Session, district: Area, area: Area) -> list[dict[str, Any]]:
    rows = session.scalars(select(MobilisationLevel).where(
        MobilisationLevel.district_id == district.id).order_by(MobilisationLevel.level)
        .options(selectinload(MobilisationLevel.rules), selectinload(MobilisationLevel.checklist)))
    out = []
    for level in rows:
        teams = teams_mobilised(session, level, area)
        by_kind: dict[str, int] = defaultdict(int)
        for t in teams:
            by_kind[t.kind.value] += 1
        out.append({
            "level": level.level, "name_zh": level.name_zh, "name_en": level.name_en,
            "colour": level.colour, "colour_hex": level.colour_hex,
            "severity_zh": level.severity_zh, "severity_en": level.severity_en,
            "trigger_zh": level.trigger_zh, "trigger_en": level.trigger_en or level.trigger_zh,
            "source": level.source,
            "rules": [{"kind_zh": r.team_kind.label("zh"), "kind_en": r.team_kind.label("en"),
                       "speciality_zh": r.speciality.label("zh") if r.speciality else "",
                       "speciality_en": r.speciality.label("en") if r.speciality else "",
                       "scope_zh": r.scope.label("zh"), "scope_en": r.scope.label("en")}
                      for r in level.rules],
            "teams": [{"code": t.code, **_names(t), "kind": t.kind.value} for t in teams],
            "team_counts": [{**_labelled(k), "count": by_kind[k.value]} for k in TeamKind
                            if by_kind[k.value]],
            "checklist": [{"zh": c.text_zh, "en": c.text_en or c.text_zh, "owner": c.owner}
                          for c in level.checklist],
        })
    return out


def _people(area: Area, count: int) -> People:
    """`count` of the area's residents, households and vulnerable groups pro rata (as the
    incident needs do)."""
    ratio = count / area.population if area.population else 0.0
    return People(count, math.ceil(area.households * ratio),
                  {k: math.ceil(v * ratio) for k, v in area.vulnerable.items()})


def _km_to(lat: list[float | None], lon: list[float | None],
           cells: list[Area]) -> list[float | None]:
    """Per point, the km to the nearest placed cell (None when either side has no place)."""
    placed = [c for c in cells if c.lat is not None and c.lon is not None]
    ok = [i for i, (a, b) in enumerate(zip(lat, lon, strict=True))
          if a is not None and b is not None]
    out: list[float | None] = [None] * len(lat)
    if not placed or not ok:
        return out
    km = great_circle_matrix([lat[i] for i in ok], [lon[i] for i in ok],  # type: ignore[misc]
                             [c.lat for c in placed], [c.lon for c in placed])  # type: ignore[misc]
    for row, i in enumerate(ok):
        out[i] = round(float(km[row].min()), 2)
    return out


def _resources(session: Session, area: Area, district: Area, cells: list[Area],
               scenario: dict[str, Any], today: date,
               reach: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Usable stock of the depots in reach against the scenario's needs, per item."""
    all_depots = list(session.scalars(
        select(Depot).join(Area, Area.id == Depot.area_id)
        .where(Area.path.startswith(district.path), Depot.active.is_(True))
        .options(selectinload(Depot.area)).order_by(Depot.code)))
    km = _km_to([d.lat for d in all_depots], [d.lon for d in all_depots], [*cells, area])
    depots = []
    for d, dkm in zip(all_depots, km, strict=True):
        own = d.area.path.startswith(area.path)
        if own or (dkm is not None and dkm <= reach):
            depots.append({"id": d.id, "code": d.code, **_names(d), "area": d.area.code,
                           "own": own, "km": 0.0 if own and dkm is None else dkm,
                           "lat": d.lat, "lon": d.lon, "address": d.address,
                           "contact": d.contact_name, "phone": d.contact_phone})
    ids = [d["id"] for d in depots]
    usable = StockLot.expiry_date.is_(None) | (StockLot.expiry_date >= today)
    stock: dict[int, int] = defaultdict(int)
    for item_id, on_hand, reserved in session.execute(
            select(StockLot.item_id, StockLot.on_hand, StockLot.reserved)
            .where(StockLot.depot_id.in_(ids), usable, StockLot.on_hand > 0)):
        stock[item_id] += int(on_hand) - int(reserved)
    people = _people(area, int(scenario["displaced"]))
    need = needs(resolve_norms(norm_rows(session), area.path), people, scenario["days"])
    rows = []
    for item in session.scalars(select(Item).order_by(Item.category, Item.code)):
        n = need.get(item.code)
        required = int(n.total) if n is not None else 0
        have = stock.get(item.id, 0)
        if not required and not have:
            continue
        rows.append({"code": item.code, **_names(item), "category": item.category.value,
                     "category_zh": item.category.label("zh"),
                     "category_en": item.category.label("en"),
                     "unit_zh": item.unit_zh, "unit_en": item.unit_en or item.unit_zh,
                     "stock": have, "need": required if n is not None else None,
                     "coverage": round(have / required, 4) if required else None,
                     "sources": list(n.sources) if n is not None else []})
    short = [r for r in rows if r["coverage"] is not None and r["coverage"] < 1]
    listed = sorted(depots, key=lambda d: (not d["own"], d["km"] is None, d["km"] or 0.0,
                                           d["code"]))[:max(DEPOT_ROWS, sum(d["own"] for d in
                                                                            depots))]
    return ({"reach_km": reach, "depot_count": len(depots),
             "depots": [{k: v for k, v in d.items() if k != "id"} for d in listed],
             "more_depots": len(depots) - len(listed),
             "people": scenario["displaced"], "days": scenario["days"], "items": rows,
             "short_items": len(short),
             "source": assumptions()["distances"]["source"]}, depots)


def _shelters(session: Session, area: Area, district: Area, cells: list[Area],
              scenario: dict[str, Any], reach: float) -> dict[str, Any]:
    """Places in reach against the evacuees, and the optimiser's grid → shelter assignment."""
    sites = list(session.scalars(
        select(Shelter).join(Area, Area.id == Shelter.area_id)
        .where(Area.path.startswith(district.path), Shelter.status != ShelterStatus.CLOSED)
        .options(selectinload(Shelter.area)).order_by(Shelter.code)))
    evacuees = _split(int(scenario["displaced"]), [c.population for c in cells])
    total_pop = sum(c.population for c in cells)
    access = [min(math.ceil(c.disabled * e / c.population), e) if c.population else 0
              for c, e in zip(cells, evacuees, strict=True)]
    problem = shelter_opt.ShelterProblem(
        [shelter_opt.EvacuationArea(c.code, c.lat, c.lon, e, a)
         for c, e, a in zip(cells, evacuees, access, strict=True)],
        [shelter_opt.Shelter(s.code, s.lat, s.lon, s.capacity,
                             Facility.WHEELCHAIR.value in (s.facilities or []))
         for s in sites], reach)
    solver = assumptions()["solver"]
    plan = shelter_opt.solve(problem, shelter_opt.ShelterParams(
        time_limit_s=float(solver["time_limit_s"]), workers=min(os.cpu_count() or 1, 4),
        consolidate_time_s=min(float(solver["consolidate_time_s"]), 1.0)))
    by_code = {s.code: s for s in sites}
    cell_by = {c.code: c for c in cells}
    km = _km_to([s.lat for s in sites], [s.lon for s in sites], cells)
    used = {p.shelter for p in plan.assignments}
    listed = []
    for s, skm in zip(sites, km, strict=True):
        own = s.area.path.startswith(area.path) if s.area else False
        if own or s.code in used or (skm is not None and skm <= reach):
            listed.append({
                "code": s.code, **_names(s), "area": s.area.code, "own": own, "km": skm,
                "lat": s.lat, "lon": s.lon, "address": s.address, "capacity": s.capacity,
                "grade_zh": s.grade.label("zh"), "grade_en": s.grade.label("en"),
                "duration_zh": s.duration_class.label("zh"),
                "duration_en": s.duration_class.label("en"),
                "indoor": s.indoor, "status": s.status.value,
                "accessible": Facility.WHEELCHAIR.value in (s.facilities or []),
                "contact": s.contact_name, "phone": s.contact_phone,
                "assigned": sum(p.people for p in plan.assignments if p.shelter == s.code)})
    places = sum(s["capacity"] for s in listed)
    in_reach = len(listed)
    listed.sort(key=lambda s: (not (s["own"] or s["code"] in used), s["km"] is None,
                               s["km"] or 0.0, s["code"]))
    listed = listed[:max(SHELTER_ROWS, sum(1 for s in listed if s["own"] or s["code"] in used))]
    evac = int(scenario["displaced"])
    return {
        "reach_km": reach, "evacuees": evac, "places": places,
        "coverage": round(places / evac, 4) if evac else None,
        "population": total_pop, "status": plan.status, "placed": plan.placed,
        "person_km": plan.person_km, "in_reach": in_reach, "list": listed,
        "more": in_reach - len(listed),
        "assignment": [{"grid": p.area, **_names(cell_by[p.area]), "shelter": p.shelter,
                        "shelter_zh": by_code[p.shelter].name_zh,
                        "shelter_en": by_code[p.shelter].name_en or by_code[p.shelter].name_zh,
                        "people": p.people, "need_access": p.need_access, "km": round(p.km, 2),
                        "lat": cell_by[p.area].lat, "lon": cell_by[p.area].lon,
                        "s_lat": by_code[p.shelter].lat, "s_lon": by_code[p.shelter].lon}
                       for p in plan.assignments],
        "unplaced": [{"grid": u.area, "people": u.people, "reason": u.reason}
                     for u in plan.unplaced],
        "source": assumptions()["distances"]["source"],
    }


def _expiring(session: Session, depots: list[dict[str, Any]], today: date) -> dict[str, Any]:
    horizon = today + timedelta(days=EXPIRING_DAYS)
    names = {d["id"]: d for d in depots}
    lots = session.execute(
        select(StockLot, Item).join(Item, Item.id == StockLot.item_id)
        .where(StockLot.depot_id.in_(list(names)), StockLot.on_hand > 0,
               StockLot.expiry_date.is_not(None), StockLot.expiry_date <= horizon)
        .order_by(StockLot.expiry_date, StockLot.id)).all()
    rows = [{"depot": names[lot.depot_id]["code"], "depot_zh": names[lot.depot_id]["name_zh"],
             "depot_en": names[lot.depot_id]["name_en"], "item": item.code, **_names(item),
             "unit_zh": item.unit_zh, "unit_en": item.unit_en or item.unit_zh,
             "lot": lot.lot_number, "expiry": lot.expiry_date.isoformat(),
             "quantity": lot.on_hand, "expired": lot.expiry_date < today,
             "days_left": (lot.expiry_date - today).days} for lot, item in lots]
    return {"within_days": EXPIRING_DAYS, "total_lots": len(rows),
            "depots": len({r["depot"] for r in rows}),
            "rows": rows[:EXPIRING_ROWS], "more": max(len(rows) - EXPIRING_ROWS, 0)}


def _drills(session: Session, area: Area, today: date) -> dict[str, Any]:
    since = today.replace(year=today.year - DRILL_YEARS) if not (
        today.month == 2 and today.day == 29) else today - timedelta(days=365 * DRILL_YEARS)
    drills = session.scalars(
        select(Drill).join(Area, Area.id == Drill.area_id)
        .where(Area.path.startswith(area.path), Drill.status == DrillStatus.DONE)
        .options(selectinload(Drill.record).selectinload(DrillRecord.measures),
                 selectinload(Drill.record).selectinload(DrillRecord.ratings),
                 selectinload(Drill.area))
        .order_by(Drill.starts_at.desc()))
    done = []
    for d in drills:
        held = d.starts_at.date()
        if held < since or held > today:
            continue
        rec = d.record
        done.append({
            "code": d.code, "title": d.title, "date": held.isoformat(), "area": d.area.code,
            "type_zh": d.exercise_type.label("zh"), "type_en": d.exercise_type.label("en"),
            "form_zh": d.form.label("zh"), "form_en": d.form.label("en"),
            "hazard_zh": d.hazard.label("zh"), "hazard_en": d.hazard.label("en"),
            "participants": d.expected_participants, "recorded": rec is not None,
            "measures": [{"name": m.name, "target_s": m.target_seconds,
                          "actual_s": m.actual_seconds, "met": m.met}
                         for m in (rec.measures if rec else [])],
            "ratings": [{"capability": r.capability, "rating": r.rating.value,
                         "zh": r.rating.label("zh"), "en": r.rating.label("en")}
                        for r in (rec.ratings if rec else [])],
        })
    actions = session.scalars(
        select(CorrectiveAction).join(Area, Area.id == CorrectiveAction.area_id)
        .where(Area.path.startswith(area.path), CorrectiveAction.status.in_(list(OPEN_ACTIONS)))
        .order_by(CorrectiveAction.due_on, CorrectiveAction.code))
    return {"since": since.isoformat(), "years": DRILL_YEARS, "done": done,
            "actions": [{"code": a.code, "title": a.title, "owner": a.owner,
                         "element_zh": a.element.label("zh"), "element_en": a.element.label("en"),
                         "due": a.due_on.isoformat(), "overdue": a.overdue(today),
                         "status_zh": a.status.label("zh"), "status_en": a.status.label("en")}
                        for a in actions]}


def _map(area: Area, cells: list[Area], depots: list[dict[str, Any]],
         shelters: dict[str, Any]) -> dict[str, str]:
    """The area's grids, nearby depots, the shelters in use and the evacuation lines, drawn
    locally as SVG (one per language: labels differ)."""
    near = shelters["reach_km"]  # depots further off would shrink the area to a dot
    shown_depots = [d for d in depots if d["own"] or (d["km"] is not None and d["km"] <= near)]
    used = {a["shelter"] for a in shelters["assignment"]}
    sites = [s for s in shelters["list"] if s["own"] or s["code"] in used]
    links = [mapsvg.Link((a["lat"], a["lon"]), (a["s_lat"], a["s_lon"]), "shelter",
                         a["people"], f'{a["grid"]} → {a["shelter"]}: {a["people"]}')
             for a in shelters["assignment"]]
    out = {}
    for lang in ("zh", "en"):
        key = f"name_{lang}"
        points = [mapsvg.Point(c.lat, c.lon, c.name(lang), "area", "#9ecae1",
                               max(c.population, 1)) for c in cells]
        points += [mapsvg.Point(d["lat"], d["lon"], d[key], "depot") for d in shown_depots]
        points += [mapsvg.Point(s["lat"], s["lon"], s[key], "shelter") for s in sites]
        svg = mapsvg.render(points, width=640, height=440, links=links,
                            labels=len(cells) <= 16)
        out[lang] = (svg.replace('class="map-label"',
                                 'class="map-label" font-size="10" fill="#222"')
                     .replace('class="map-bg"', 'class="map-bg" fill="#f4f6f8"'))
    return out


def _restricted(session: Session, area: Area, cells: list[Area]) -> dict[str, Any]:
    """The vulnerable-resident register by grid (counts, not names) and the grid contacts:
    rendered only in the restricted edition."""
    grids = [c for c in cells if c.level is AreaLevel.GRID]
    parents = {c.parent_id for c in grids}
    users: dict[int, list[User]] = defaultdict(list)
    for u in session.scalars(select(User).where(User.area_id.in_([c.id for c in grids]),
                                                User.active.is_(True)).order_by(User.username)):
        users[u.area_id].append(u)
    leads: dict[int, list[dict[str, str]]] = {}
    for team in session.scalars(select(Team).where(Team.kind == TeamKind.COMMAND,
                                                   Team.home_area_id.in_(parents))
                                .options(selectinload(Team.members)).order_by(Team.code)):
        rows = [{"name": m.name, "role": m.role, "phone": m.phone} for m in team.members
                if m.active and m.role in ("队长", "副队长")]
        leads.setdefault(team.home_area_id, []).extend(rows)
    register, contacts = [], []
    for c in grids:
        register.append({"code": c.code, **_names(c), "population": c.population,
                         "households": c.households,
                         **{g.value: getattr(c, g.value) for g in VULNERABLE_GROUPS},
                         "total": sum(c.vulnerable.values())})
        people = [{"name": u.display_name or u.username, "role": u.role.label("zh"),
                   "role_en": u.role.label("en"), "phone": "", "source": "grid"}
                  for u in users.get(c.id, [])]
        people += [{**r, "role_en": {"队长": "Leader", "副队长": "Deputy"}.get(r["role"],
                                                                              r["role"]),
                    "source": "community"} for r in leads.get(c.parent_id or 0, [])]
        contacts.append({"code": c.code, **_names(c), "people": people})
    totals = {g.value: sum(r[g.value] for r in register) for g in VULNERABLE_GROUPS}
    return {"groups": [_labelled(g) for g in VULNERABLE_GROUPS], "register": register,
            "totals": totals, "contacts": contacts}
