"""Stock summary per area subtree x item: on hand, reserved, expiring, minimums, days covered."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.clock import district_today
from app.core.lookup import scoped_by_code
from app.core.vocabulary import VULNERABLE_GROUPS
from app.stock.models import Depot, DepotMinimum, Item, PlanningNorm, StockLot
from optimizer.needs import Norm, People, days_covered, needs


def people_of(area: Area) -> People:
    return People(area.population, area.households,
                  {g.value: getattr(area, g.value) for g in VULNERABLE_GROUPS})


def norm_rows(session: Session) -> list[tuple[PlanningNorm, str]]:
    """Every active norm with its item code (load once, resolve per area)."""
    return list(session.execute(
        select(PlanningNorm, Item.code).join(Item, Item.id == PlanningNorm.item_id)
        .where(PlanningNorm.active.is_(True))).all())  # type: ignore[arg-type]


def resolve_norms(rows: list[tuple[PlanningNorm, str]], path: str) -> list[Norm]:
    """The norms for an area: per item and group, the most local override on its path wins."""
    ancestors = [int(x) for x in path.strip("/").split("/") if x]
    depth = {aid: i for i, aid in enumerate(ancestors)}
    best: dict[tuple[str, str], list[tuple[int, PlanningNorm]]] = defaultdict(list)
    for norm, code in rows:
        if norm.area_id is not None and norm.area_id not in depth:
            continue
        best[(code, norm.population_group.value)].append(
            (-1 if norm.area_id is None else depth[norm.area_id], norm))
    chosen: list[Norm] = []
    for (code, group), candidates in best.items():
        top = max(d for d, _ in candidates)
        for _, n in (c for c in candidates if c[0] == top):
            chosen.append(Norm(code, n.quantity, n.basis.value, n.period.value, n.people_n,
                               group, n.source))
    return chosen


def effective_norms(session: Session, area: Area) -> list[Norm]:
    """Active norms for an area: per item and group, the most local override wins."""
    return resolve_norms(norm_rows(session), area.path)


@dataclass
class _Totals:
    on_hand: int = 0
    reserved: int = 0
    expired: int = 0
    expiring: int = 0
    lots: int = 0


def _depot_totals(session: Session, prefix: str, today: date, horizon: date,
                  item_id: int | None) -> dict[tuple[int, int], _Totals]:
    usable = (StockLot.expiry_date.is_(None)) | (StockLot.expiry_date >= today)
    stmt = (select(StockLot.depot_id, StockLot.item_id,
                   func.sum(StockLot.on_hand), func.sum(StockLot.reserved),
                   func.sum(case((~usable, StockLot.on_hand - StockLot.reserved), else_=0)),
                   func.sum(case((usable & (StockLot.expiry_date <= horizon),
                                  StockLot.on_hand - StockLot.reserved), else_=0)),
                   func.count())
            .join(Depot, Depot.id == StockLot.depot_id).join(Area, Area.id == Depot.area_id)
            .where(Area.path.startswith(prefix), StockLot.on_hand > 0)
            .group_by(StockLot.depot_id, StockLot.item_id))
    if item_id is not None:
        stmt = stmt.where(StockLot.item_id == item_id)
    return {(d, i): _Totals(int(a), int(b), int(c), int(e), int(n))
            for d, i, a, b, c, e, n in session.execute(stmt)}


def summary(session: Session, area_code: str, *, expiring_within: int = 30,
            item_code: str | None = None, today: date | None = None) -> dict[str, Any]:
    """Readiness of one area subtree per item, from the lots, minimums and planning norms."""
    area = scoped_by_code(session, Area, area_code, "area")
    today = today or district_today()
    items = session.scalars(select(Item).order_by(Item.code)).all()
    if item_code is not None:
        items = [i for i in items if i.code == item_code]
        if not items:
            scoped_by_code(session, Item, item_code, "item")  # raises NotFound
    totals = _depot_totals(session, area.path, today, today + timedelta(days=expiring_within),
                           items[0].id if item_code else None)
    depots = session.execute(select(Depot.id).join(Area, Area.id == Depot.area_id)
                             .where(Area.path.startswith(area.path),
                                    Depot.active.is_(True))).scalars().all()
    overrides = {(d, i): m for d, i, m in session.execute(
        select(DepotMinimum.depot_id, DepotMinimum.item_id, DepotMinimum.minimum))}
    need = needs(effective_norms(session, area), people_of(area), 1.0)
    rows = []
    for item in items:
        agg, below = _Totals(), 0
        for depot_id in depots:
            t = totals.get((depot_id, item.id), _Totals())
            agg.on_hand += t.on_hand
            agg.reserved += t.reserved
            agg.expired += t.expired
            agg.expiring += t.expiring
            agg.lots += t.lots
            minimum = overrides.get((depot_id, item.id), item.min_per_depot)
            if minimum and t.on_hand - t.reserved - t.expired < minimum:
                below += 1
        available = agg.on_hand - agg.reserved - agg.expired
        item_need = need.get(item.code)
        per_day = item_need.per_day if item_need else None
        covered = days_covered(available, per_day)
        rows.append({
            "item": item.code, "name_zh": item.name_zh, "name_en": item.name_en,
            "category": item.category.value, "unit_zh": item.unit_zh, "unit_en": item.unit_en,
            "lots": agg.lots, "on_hand": agg.on_hand, "reserved": agg.reserved,
            "available": available, "expired": agg.expired, "expiring_soon": agg.expiring,
            "depots_below_minimum": below, "need_per_day": per_day,
            "need_per_event": item_need.total if item_need and per_day is None else None,
            "days_covered": None if covered is None else round(covered, 2),
            "coverage": (round(available / item_need.total, 3)
                         if item_need and per_day is None and item_need.total else None),
        })
    return {"area": area.code, "level": area.level.value, "name_zh": area.name_zh,
            "name_en": area.name_en, "population": area.population, "as_of": today.isoformat(),
            "expiring_within_days": expiring_within, "depots": len(depots), "items": rows}


def below_minimum_pairs(prefix: str) -> Select[Any]:
    """(depot_id, item_id) pairs whose usable available stock is under the minimum."""
    today = district_today()
    usable = or_(StockLot.expiry_date.is_(None), StockLot.expiry_date >= today)
    avail = (select(StockLot.depot_id, StockLot.item_id,
                    func.sum(StockLot.on_hand - StockLot.reserved).label("qty"))
             .where(usable).group_by(StockLot.depot_id, StockLot.item_id).subquery())
    minimum = func.coalesce(DepotMinimum.minimum, Item.min_per_depot)
    return (select(Depot.id, Item.id).join(Area, Area.id == Depot.area_id).join(Item, Item.id > 0)
            .outerjoin(DepotMinimum, and_(DepotMinimum.depot_id == Depot.id,
                                          DepotMinimum.item_id == Item.id))
            .outerjoin(avail, and_(avail.c.depot_id == Depot.id, avail.c.item_id == Item.id))
            .where(Area.path.startswith(prefix), minimum > 0,
                   func.coalesce(avail.c.qty, 0) < minimum))
