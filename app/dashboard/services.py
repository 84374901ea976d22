"""Readiness of an area's sub-areas at a glance: stock days, shelter places, alerts, teams.

Computed in one pass over the subtree (a handful of queries, whatever its size), for the
dashboard and, later, the plans.
"""
from __future__ import annotations

import math
import threading
import tomllib
import weakref
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core.clock import district_today
from app.core.lookup import scoped_by_code
from app.resources.enums import Availability, MobilisationScope
from app.resources.levels import ancestors_reached, district_of
from app.resources.models import Member, MobilisationLevel, MobilisationRule, Shelter, Team
from app.stock.models import Depot, DepotMinimum, Item, StockLot
from app.stock.summary import norm_rows, people_of, resolve_norms
from optimizer.needs import Norm, People, needs


@cache
def targets() -> dict[str, Any]:
    text = resources.files("app.seeds").joinpath("targets.toml").read_text("utf-8")
    return tomllib.loads(text)


def band(days: float | None) -> dict[str, str]:
    """The response-level colour for a number of days covered (None: no daily need)."""
    if days is None:
        return {"colour": "grey", "colour_hex": "#9e9e9e"}
    for b in targets()["coverage_band"]:
        if days < b["below_days"]:
            return {"colour": b["colour"], "colour_hex": b["colour_hex"]}
    raise AssertionError("the last band is open-ended")


@dataclass
class Row:
    code: str
    name_zh: str
    name_en: str
    level: str
    lat: float | None
    lon: float | None
    population: int
    vulnerable: int
    days: dict[str, float | None] = field(default_factory=dict)  # item -> days covered
    worst_item: str | None = None
    worst_days: float | None = None
    shelter_places: int = 0
    shelter_share: float = 0.0
    expiring_lots: int = 0
    expired_lots: int = 0
    below_minimum: int = 0
    teams_by_level: dict[int, tuple[int, int]] = field(default_factory=dict)  # teams, members
    colour: dict[str, str] = field(default_factory=dict)


def readiness(session: Session, area_code: str, *, today: date | None = None,
              expiring_within: int = 30) -> dict[str, Any]:
    """The area itself and each of its sub-areas, with depots and shelters for the map."""
    area = scoped_by_code(session, Area, area_code, "area")
    today = today or district_today()
    # only the direct sub-areas: loading the whole subtree as ORM objects (800 areas for a
    # district) cost more than the rest of the page
    children = session.scalars(select(Area).where(Area.parent_id == area.id)
                               .order_by(Area.code)).all()
    units = [area, *children]
    stock = _stock_by_area(session, area.path, today, today + timedelta(days=expiring_within))
    below = _below_minimum_by_area(session, area.path, today)
    shelters = session.execute(
        select(Shelter.code, Shelter.name_zh, Shelter.name_en, Shelter.lat, Shelter.lon,
               Shelter.capacity, Shelter.occupancy, Shelter.status, Area.path)
        .join(Area, Area.id == Shelter.area_id).where(Area.path.startswith(area.path))).all()
    depots = session.execute(
        select(Depot.code, Depot.name_zh, Depot.name_en, Depot.lat, Depot.lon, Area.path)
        .join(Area, Area.id == Depot.area_id).where(Area.path.startswith(area.path))).all()
    norms = _NormsByPath(norm_rows(session))
    strength = _team_strength(session, area, units)
    # one pass over each input, each path counted for the area and the sub-area it lies in
    held: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    below_n: dict[int, int] = defaultdict(int)
    places: dict[int, int] = defaultdict(int)  # free places in open shelters
    for path, per_item in stock.items():
        for unit_id in _units_of(area, path):
            for item, counts in per_item.items():
                total = held[unit_id][item]
                for i, n in enumerate(counts):
                    total[i] += n
    for path, n in below.items():
        for unit_id in _units_of(area, path):
            below_n[unit_id] += n
    for s in shelters:
        if s.status != "closed":
            for unit_id in _units_of(area, s.path):
                places[unit_id] += max(s.capacity - s.occupancy, 0)
    rows = [_row(unit, held[unit.id], below_n[unit.id], places[unit.id],
                 norms.for_path(unit.path), strength.get(unit.code, {})) for unit in units]
    return {"area": rows[0], "children": rows[1:], "today": today, "parent_id": area.parent_id,
            "shelters": [dict(r._mapping) for r in shelters],
            "depots": [dict(r._mapping) for r in depots], "targets": targets()}


def _units_of(area: Area, path: str) -> tuple[int, ...]:
    """The area (the path lies within it) and the direct sub-area the path lies in, if any."""
    rest = path[len(area.path):]
    return (area.id, int(rest.split("/", 1)[0])) if rest else (area.id,)


class _NormsByPath:
    """resolve_norms for many areas: areas whose ancestors carry the same local overrides
    (usually none) share one answer."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        self.overridden = {norm.area_id for norm, _ in rows if norm.area_id is not None}
        self.resolved: dict[tuple[int, ...], list[Norm]] = {}

    def for_path(self, path: str) -> list[Norm]:
        key = tuple(i for i in (int(x) for x in path.strip("/").split("/"))
                    if i in self.overridden)
        if key not in self.resolved:
            self.resolved[key] = resolve_norms(self.rows, path)
        return self.resolved[key]


def _row(unit: Area, held: dict[str, list[int]], below: int, places: int, norms: list[Norm],
         teams: dict[int, tuple[int, int]]) -> Row:
    row = Row(unit.code, unit.name_zh, unit.name_en, unit.level.value, unit.lat, unit.lon,
              unit.population, sum(unit.vulnerable.values()), teams_by_level=teams)
    planned = _scaled(people_of(unit), targets()["planning_share"]["value"])
    for need in needs(norms, planned, 1.0).values():
        if need.per_day:
            row.days[need.item] = round(held.get(need.item, (0,))[0] / need.per_day, 2)
    key = [i for i in targets()["key_items"]["value"] if i in row.days] or list(row.days)
    if key:
        row.worst_item = min(key, key=lambda k: row.days[k] or 0.0)
        row.worst_days = row.days[row.worst_item]
    row.expiring_lots = sum(v[1] for v in held.values())
    row.expired_lots = sum(v[2] for v in held.values())
    row.below_minimum = below
    row.shelter_places = places
    row.shelter_share = round(row.shelter_places / unit.population, 3) if unit.population else 0
    row.colour = band(row.worst_days)
    return row


def _scaled(people: People, share: float) -> People:
    """The planning population: a share of the residents, vulnerable groups alike."""
    return People(math.ceil(people.population * share), math.ceil(people.households * share),
                  {k: math.ceil(v * share) for k, v in people.groups.items()})


def _stock_by_area(session: Session, prefix: str, today: date,
                   horizon: date) -> dict[str, dict[str, list[int]]]:
    """path -> item -> [usable available, lots expiring soon, lots expired]."""
    usable = StockLot.expiry_date.is_(None) | (StockLot.expiry_date >= today)
    rows = session.execute(
        select(Area.path, Item.code,
               func.sum(case((usable, StockLot.on_hand - StockLot.reserved), else_=0)),
               func.sum(case((usable & (StockLot.expiry_date <= horizon), 1), else_=0)),
               func.sum(case((~usable, 1), else_=0)))
        .join(Depot, Depot.id == StockLot.depot_id).join(Area, Area.id == Depot.area_id)
        .join(Item, Item.id == StockLot.item_id)
        .where(Area.path.startswith(prefix), StockLot.on_hand > 0)
        # grouped by the primary keys, not by the path and item texts: sorting text under
        # the database's collation cost 4x the query (path and code depend on the keys)
        .group_by(Area.id, Item.id))
    out: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for path, item, available, expiring, expired in rows:
        out[path][item] = [int(available), int(expiring), int(expired)]
    return out


def _below_minimum_by_area(session: Session, prefix: str, today: date) -> dict[str, int]:
    """path -> number of (active depot, item) pairs below their minimum level (one query)."""
    usable = StockLot.expiry_date.is_(None) | (StockLot.expiry_date >= today)
    held = (select(StockLot.depot_id, StockLot.item_id,
                   func.sum(StockLot.on_hand - StockLot.reserved).label("qty"))
            .where(usable).group_by(StockLot.depot_id, StockLot.item_id).subquery())
    minimum = func.coalesce(DepotMinimum.minimum, Item.min_per_depot)
    rows = session.execute(
        select(Area.path, func.count())
        .select_from(Depot).join(Area, Area.id == Depot.area_id).join(Item, true())
        .outerjoin(DepotMinimum, and_(DepotMinimum.depot_id == Depot.id,
                                      DepotMinimum.item_id == Item.id))
        .outerjoin(held, and_(held.c.depot_id == Depot.id, held.c.item_id == Item.id))
        .where(Area.path.startswith(prefix), Depot.active.is_(True), minimum > 0,
               func.coalesce(held.c.qty, 0) < minimum)
        .group_by(Area.id))
    out: dict[str, int] = defaultdict(int)
    for path, n in rows:
        out[path] += int(n)
    return out


TeamStrength = dict[str, dict[int, tuple[int, int]]]
_CACHE_SIZE = 256
_cache_lock = threading.Lock()
_strength_cache: weakref.WeakKeyDictionary[Engine, OrderedDict[tuple[Any, ...], TeamStrength]] = (
    weakref.WeakKeyDictionary())


def _team_strength(session: Session, area: Area, units: list[Area]) -> TeamStrength:
    """For an incident in each unit: (teams, members) each response level mobilises.

    Teams, members, levels and areas change a few times a day while the dashboard is viewed
    all day long, so the answer is kept per process, keyed by the area and a fingerprint of
    those tables read in the same request: any insert, update or delete changes a count, a
    highest id or a latest update time, so a kept answer is never stale, only reused.
    """
    engine = session.get_bind()
    key = (area.id, tuple(u.id for u in units), _team_fingerprint(session))
    with _cache_lock:
        per_engine = _strength_cache.setdefault(engine, OrderedDict())  # type: ignore[arg-type]
        if key in per_engine:
            per_engine.move_to_end(key)
            return per_engine[key]
    strength = _compute_team_strength(session, area, units)
    with _cache_lock:
        per_engine[key] = strength
        while len(per_engine) > _CACHE_SIZE:
            per_engine.popitem(last=False)
    return strength


def _team_fingerprint(session: Session) -> tuple[Any, ...]:
    """Counts, highest ids and latest updates of what team strength is computed from."""
    parts = []
    for model in (Team, Member, Area, MobilisationLevel):
        parts += [select(func.count()).select_from(model).scalar_subquery(),
                  select(func.max(model.id)).scalar_subquery(),
                  select(func.max(model.updated_at)).scalar_subquery()]
    # rules are replaced, never edited in place (levels.update_level): count and id suffice
    parts += [select(func.count()).select_from(MobilisationRule).scalar_subquery(),
              select(func.max(MobilisationRule.id)).scalar_subquery()]
    return tuple(session.execute(select(*parts)).one())


def _compute_team_strength(session: Session, area: Area, units: list[Area]) -> TeamStrength:
    district = district_of(session, area)
    levels = session.scalars(select(MobilisationLevel).where(
        MobilisationLevel.district_id == district.id)
        .options(selectinload(MobilisationLevel.rules))).all()
    members = dict(session.execute(select(Member.team_id, func.count()).where(
        Member.active.is_(True)).group_by(Member.team_id)).all())
    teams = session.execute(
        select(Team.id, Team.kind, Team.speciality, Area.path, Team.home_area_id)
        .join(Area, Area.id == Team.home_area_id)
        .where(Area.path.startswith(district.path),
               Team.availability != Availability.UNAVAILABLE)).all()
    # per level, the (team, home path, rule scope) candidates matching a rule's kind and
    # speciality: resolved once, so each unit only tests path prefixes
    rules = {level.level: [(r.team_kind, r.speciality, r.scope) for r in level.rules]
             for level in levels}
    candidates: dict[int, dict[MobilisationScope, set[tuple[int, str, int]]]] = {}
    for lv, lv_rules in rules.items():
        per_scope = candidates.setdefault(lv, defaultdict(set))
        for kind, speciality, rule_scope in lv_rules:
            per_scope[rule_scope] |= {(t.id, t.path, t.home_area_id) for t in teams
                                      if t.kind == kind and (speciality is None
                                                             or t.speciality == speciality)}

    def called_in(lv: int, rule_scope: MobilisationScope, unit: Area) -> set[int]:
        """The rule of teams_mobilised: the unit's subtree and the ancestors it reaches."""
        above = set(ancestors_reached(rule_scope, unit.path))
        return {tid for tid, path, home in candidates[lv][rule_scope]
                if path.startswith(unit.path) or home in above}

    out: dict[str, dict[int, tuple[int, int]]] = {}
    for unit in units:
        per_level = {}
        for lv, per_scope in candidates.items():
            called = set().union(*(called_in(lv, sc, unit) for sc in per_scope))
            per_level[lv] = (len(called), sum(members.get(t, 0) for t in called))
        out[unit.code] = per_level
    return out
