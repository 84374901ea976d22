"""Operational figures of allocation plans on the full demo district, in one run:

- the 4-community level III flood (S01-C01..S01-C04, 3 days) and a whole-district level I
  incident (every community), each declared and planned twice in fresh copies of the same
  database: as shipped (fairness, then fewest trips, at most `max_depots_per_area` sources)
  and with the trips stage off (the unconsolidated plan, the baseline);
- per plan: orders (distinct depot -> area pairs, one dispatch order each), sources per
  receiving area (max, mean), protected reserve kept (units) and whether every depot x item
  kept its floor, worst-off coverage per item (must equal the baseline's), solve time and
  status of the trips stage and its lower bound (no plan keeping the fair amounts has fewer
  orders: an item whose every unit in reach is needed takes every depot that holds some),
  declare + plan seconds.

Floors (issue "Plans a coordinator can act on"): the flood at most 3 orders per affected
community and every protected reserve kept; the whole-district incident at most
3 x communities orders; fairness levels unchanged; declare + plan within 2 x the
unconsolidated plan's time and under 2 s for the flood. Exits 1 if a floor is missed.

    python -m bench.operations [--seed 7]
"""
from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from app import create_app
from app.areas.models import Area
from app.cli.db import upgrade
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.core.clock import district_today
from app.core.vocabulary import AreaLevel
from app.incidents import workflows
from app.incidents.allocation import services as allocation
from app.incidents.services import AreaInput, assumptions
from app.stock import reserves
from app.stock.models import Depot, Item, StockLot
from bench import seeded_main, verdict

console = Console(width=150)
FLOOD = ["S01-C01", "S01-C02", "S01-C03", "S01-C04"]


@dataclass
class Figures:
    case: str
    trips_on: bool
    seconds: float
    orders: int
    areas: int
    max_sources: int
    mean_sources: float
    reserve_kept: int
    reserves_intact: bool
    coverage: dict[str, float]
    trips_status: str
    trips_gap: float
    solve_s: float

    @property
    def fewest(self) -> str:
        """No plan keeping the fair amounts has fewer orders (the trips stage's lower bound)."""
        if not self.trips_on:
            return "-"
        return str(round(self.orders * (1 - self.trips_gap)))


def _plan_figures(session: Any, code: str, case: str, trips_on: bool, seconds: float,
                  usable: dict[tuple[int, str], int]) -> Figures:
    incident = allocation.get_plan(session, code, None)
    plan = incident
    pairs: dict[str, set[str]] = defaultdict(set)
    shipped: dict[tuple[int, str], int] = defaultdict(int)
    for s in plan.shipments:
        pairs[s.area.code].add(s.depot.code)
        shipped[(s.depot_id, s.item.code)] += s.quantity
    floors = reserves.floors(session, sorted({d for d, _ in usable}))
    pct = plan.summary.get("reserves", {}).get("release_pct", 0)
    intact = all(shipped.get(key, 0) <= units - min(
        math.ceil(floors[key].units * (100 - pct) / 100) if key in floors else 0, units)
        for key, units in usable.items())
    worst: dict[str, float] = {}
    for line in plan.lines:
        share = min((line.planned + line.committed) / line.required, 1.0) if line.required \
            else 1.0
        worst[line.item.code] = min(worst.get(line.item.code, 1.0), round(share, 4))
    counts = [len(v) for v in pairs.values()] or [0]
    sup = plan.summary.get("supplies", {})
    return Figures(case, trips_on, seconds, sum(counts), len(plan.incident.areas), max(counts),
                   sum(counts) / max(len(pairs), 1),
                   sum(plan.summary.get("reserves", {}).get("kept", {}).values()), intact,
                   worst, str(sup.get("trips_status")), float(sup.get("trips_gap") or 0.0),
                   float(plan.solve_seconds))


def _usable(session: Any) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = defaultdict(int)
    for depot, item, free in session.execute(
            select(StockLot.depot_id, Item.code, StockLot.on_hand - StockLot.reserved)
            .join(Item, Item.id == StockLot.item_id).join(Depot, Depot.id == StockLot.depot_id)
            .where(Depot.active.is_(True), StockLot.on_hand > StockLot.reserved,
                   StockLot.expiry_date.is_(None) | (StockLot.expiry_date >= district_today()))):
        out[(depot, item)] += int(free)
    return dict(out)


def _case(template: Path, tmp: Path, case: str, level: int, communities: list[str],
          trips_on: bool) -> Figures:
    path = tmp / f"{case}-{trips_on}.sqlite"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    solver = assumptions()["solver"]
    before = solver.get("supply_trips", True)
    solver["supply_trips"] = trips_on
    try:
        with app.app_context():
            token = set_actor(system_actor("bench"))
            try:
                session = db.session()
                usable = _usable(session)
                started = time.perf_counter()
                done = workflows.declare(session, title=case, hazard="flood", level=level,
                                         areas=[AreaInput(c) for c in communities],
                                         duration_days=3).raise_error()
                seconds = time.perf_counter() - started
                return _plan_figures(session, done.code, case, trips_on, seconds, usable)
            finally:
                reset_actor(token)
    finally:
        solver["supply_trips"] = before
        app.extensions["readygrid.engine"].dispose()


def run(seed: int) -> int:
    from app.demo import build

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        template = tmp / "demo.sqlite"
        url = f"sqlite:///{template}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        with app.app_context():
            token = set_actor(system_actor("bench"))
            try:
                session = db.session()
                build(session, "full", seed=seed)
                session.commit()
                every = list(session.scalars(select(Area.code).where(
                    Area.level == AreaLevel.COMMUNITY).order_by(Area.code)))
            finally:
                reset_actor(token)
        app.extensions["readygrid.engine"].dispose()
        rows = []
        for case, level, areas in (("4-community flood (III)", 3, FLOOD),
                                   (f"whole district, {len(every)} communities (I)", 1, every)):
            for trips_on in (False, True):
                rows.append(_case(template, tmp, case, level, areas, trips_on))
                console.print(f"  {case}, trips stage {'on' if trips_on else 'off'}: "
                              f"{rows[-1].seconds:.2f} s", highlight=False)
    return _report(rows)


def _report(rows: list[Figures]) -> int:
    table = Table(title="Allocation plans a coordinator can act on (full demo)")
    for col in ("case", "trips stage", "declare+plan s", "orders", "max / mean sources",
                "reserve kept", "reserves intact", "trips status", "no plan has fewer"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.case, "on" if r.trips_on else "off (baseline)", f"{r.seconds:.2f}",
                      str(r.orders), f"{r.max_sources} / {r.mean_sources:.1f}",
                      f"{r.reserve_kept:,}", "yes" if r.reserves_intact else "NO",
                      r.trips_status, r.fewest)
    console.print(table)
    failures = []
    by = {(r.case, r.trips_on): r for r in rows}
    for case in dict.fromkeys(r.case for r in rows):
        base, on = by[(case, False)], by[(case, True)]
        if base.coverage != on.coverage:
            diff = {k: (base.coverage[k], on.coverage.get(k)) for k in base.coverage
                    if base.coverage[k] != on.coverage.get(k)}
            failures.append(f"{case}: fairness levels changed {diff}")
        if on.seconds > 2 * base.seconds:
            failures.append(f"{case}: {on.seconds:.2f} s > 2 x {base.seconds:.2f} s")
        if not on.reserves_intact:
            failures.append(f"{case}: a protected reserve was shipped")
        console.print(f"{case}: worst-off coverage per item "
                      + ", ".join(f"{k} {v:.0%}" for k, v in sorted(on.coverage.items())),
                      highlight=False)
    flood = by[(rows[0].case, True)]
    if flood.orders > 3 * flood.areas:
        failures.append(f"flood: {flood.orders} orders > 3 x {flood.areas} communities")
    if flood.seconds >= 2.0:
        failures.append(f"flood: declare + plan {flood.seconds:.2f} s >= 2 s")
    whole = by[(rows[2].case, True)]
    if whole.orders > 3 * whole.areas:
        failures.append(f"whole district: {whole.orders} orders > 3 x {whole.areas}")
    return verdict(console, failures)


def main() -> None:
    seeded_main(__doc__ or "", run)


if __name__ == "__main__":
    main()
