"""The incident's first screen, from a few aggregate queries rather than every plan row: one
row per item for the whole incident (need, priority need, in reach, kept in reserve, planned,
confirmed, delivered, shortfall, and why in one sentence) and one row per affected community
with its grids.

"Confirmed" and "delivered" count the dispatch orders of every confirmed plan of the incident
(cancelled ones not), "delivered" what was received where a receipt counted less than was
sent; "planned" is what the plan shown adds. In reach is over the whole
incident (every depot that may serve some affected area, counted once), as the plan stored it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.i18n import lang
from app.incidents.enums import DispatchStatus
from app.incidents.models import AllocationPlan, Dispatch, IncidentArea, PlanLine, PlanShipment
from app.stock.models import Item

# a plan line whose committed and planned units fall short of what it requires
_SHORT = case((PlanLine.committed + PlanLine.planned < PlanLine.required, 1), else_=0)


@dataclass
class ItemRow:
    code: str
    name: str
    unit: str
    required: int = 0
    priority: int = 0
    in_reach: int = 0
    reserve: int = 0
    committed: int = 0  # under way from earlier plans when the plan shown was made
    planned: int = 0
    confirmed: int = 0
    delivered: int = 0
    short_lines: int = 0
    why: str = ""  # the shortfall in one sentence, in the page's language

    @property
    def shortfall(self) -> int:
        return max(self.required - self.committed - self.planned, 0)

    @property
    def coverage(self) -> float:
        return min((self.committed + self.planned) / self.required, 1.0) if self.required \
            else 1.0


@dataclass
class AreaRow:
    code: str
    name: str
    affected: int = 0
    displaced: int = 0
    vulnerable: int = 0
    coverage: float = 1.0  # the worst-covered item
    worst_item: str = ""
    short_lines: int = 0
    grids: list[AreaRow] = field(default_factory=list)


def item_rows(session: Session, plan: AllocationPlan) -> list[ItemRow]:
    """Per item over every affected area: two grouped queries (the plan's lines, the
    incident's dispatch orders)."""
    lg = lang()
    supplies = plan.summary.get("supplies", {})
    in_reach = supplies.get("in_reach") or {}
    kept = plan.summary.get("reserves", {}).get("kept", {})
    rows: dict[str, ItemRow] = {}
    for item, req, prio, com, plan_units, n_short, reach in session.execute(
            select(Item, func.sum(PlanLine.required), func.sum(PlanLine.priority),
                   func.sum(PlanLine.committed), func.sum(PlanLine.planned), func.sum(_SHORT),
                   func.max(PlanLine.in_reach))
            .join(Item, Item.id == PlanLine.item_id).where(PlanLine.plan_id == plan.id)
            .group_by(Item.id).order_by(Item.code)):
        rows[item.code] = ItemRow(
            item.code, item.name(lg), item.unit_zh if lg == "zh" else item.unit_en,
            int(req or 0), int(prio or 0),
            int(in_reach.get(item.code, reach or 0)),  # older plans: the largest per area
            int(kept.get(item.code, 0)), int(com or 0), int(plan_units or 0),
            short_lines=int(n_short or 0))
    for code, status, units in session.execute(
            select(Item.code, Dispatch.status, func.sum(PlanShipment.quantity))
            .join(Dispatch, Dispatch.id == PlanShipment.dispatch_id)
            .join(Item, Item.id == PlanShipment.item_id)
            .where(Dispatch.incident_id == plan.incident_id,
                   Dispatch.status != DispatchStatus.CANCELLED)
            .group_by(Item.code, Dispatch.status)):
        row = rows.get(code)
        if row is None:
            continue
        row.confirmed += int(units or 0)
        if status is DispatchStatus.DELIVERED:
            row.delivered += int(units or 0)
    return list(rows.values())


def count_received(rows: list[ItemRow], differences: list[dict[str, Any]]) -> None:
    """Delivered counts what was received where a receipt counted less than was sent (the
    differing receipt lines, receipt_views.differences, which the page reads anyway)."""
    by_code = {r.code: r for r in rows}
    for line in differences:
        if line["item"] in by_code:
            by_code[line["item"]].delivered -= line["sent"] - line["received"]


def worst_by_area(session: Session, plan: AllocationPlan) -> dict[int, tuple[float, str, int]]:
    """Per area of the plan: its worst-covered item's coverage (at most 1), that item's code
    and how many of its lines fall short; one query over the plan's lines."""
    worst: dict[int, tuple[float, str, int]] = {}
    covered = case((PlanLine.required > 0,
                    (PlanLine.committed + PlanLine.planned) * 1.0 / PlanLine.required),
                   else_=1.0)
    for area_id, item, cover, short in session.execute(  # one line per area and item
            select(PlanLine.area_id, Item.code, covered, _SHORT)
            .join(Item, Item.id == PlanLine.item_id).where(PlanLine.plan_id == plan.id)):
        value = min(float(cover), 1.0)
        old = worst.get(area_id)
        shorts = (old[2] if old else 0) + int(short)
        if old is None or value < old[0]:
            worst[area_id] = (value, item, shorts)
        else:
            worst[area_id] = (old[0], old[1], shorts)
    return worst


def coverage_by_code(session: Session, worst: dict[int, tuple[float, str, int]]
                     ) -> dict[str, float]:
    """Each affected area's worst-covered item (from `worst_by_area`), by area code (the areas
    table's chips)."""
    codes = dict(session.execute(select(Area.id, Area.code).where(Area.id.in_(worst))).all())
    return {codes[area_id]: cov for area_id, (cov, _item, _n) in worst.items()}


def drill_counts(session: Session, plan: AllocationPlan) -> dict[str, int]:
    """What the full tables hold, for their links: needs rows and those short, routes
    (depot → area) and lots shipped, distribution lists; two aggregate queries."""
    total, short = session.execute(select(func.count(PlanLine.id), func.sum(_SHORT))
                                   .where(PlanLine.plan_id == plan.id)).one()
    routes = session.scalar(select(func.count()).select_from(
        select(PlanShipment.depot_id, PlanShipment.area_id)
        .where(PlanShipment.plan_id == plan.id).distinct().subquery()))
    lots = session.scalar(select(func.count(PlanShipment.id))
                          .where(PlanShipment.plan_id == plan.id))
    lists = sum(1 for n in plan.summary.get("points", []) if len(n.get("members", [])) > 1)
    return {"needs": int(total or 0), "short": int(short or 0), "routes": int(routes or 0),
            "lots": int(lots or 0), "distribution": lists}


def area_rows(session: Session, plan: AllocationPlan,
              worst: dict[int, tuple[float, str, int]] | None = None) -> list[AreaRow]:
    """One row per affected community (a grid declared on its own is its own row), each with
    its grids: people from the incident, the worst-covered item from the plan's lines
    (`worst_by_area`, read here unless the caller has it)."""
    lg = lang()
    people = {ia_area: (aff, dis, vul) for ia_area, aff, dis, vul in session.execute(
        select(IncidentArea.area_id, IncidentArea.affected, IncidentArea.displaced,
               IncidentArea.vulnerable).where(IncidentArea.incident_id == plan.incident_id))}
    worst = worst_by_area(session, plan) if worst is None else worst
    areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(people)))}
    parents = {a.id: a for a in session.scalars(
        select(Area).where(Area.id.in_({a.unit_id for a in areas.values()})))}
    out: dict[int, AreaRow] = {}
    for area_id, area in sorted(areas.items(), key=lambda kv: kv[1].code):
        unit = parents[area.unit_id]
        row = out.setdefault(unit.id, AreaRow(unit.code, unit.name(lg)))
        aff, dis, vul = people[area_id]
        cov, item, shorts = worst.get(area_id, (1.0, "", 0))
        grid_row = AreaRow(area.code, area.name(lg), aff, dis, vul, cov, item, shorts)
        row.affected, row.displaced, row.vulnerable = (
            row.affected + aff, row.displaced + dis, row.vulnerable + vul)
        row.short_lines += grid_row.short_lines
        if cov < row.coverage or not row.worst_item:
            row.coverage, row.worst_item = cov, item
        if area.id != unit.id:
            row.grids.append(grid_row)
    return sorted(out.values(), key=lambda r: (r.coverage, r.code))
