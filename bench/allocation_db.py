"""End to end through the app: load from the database, solve, store the plan.

`build_world` materialises a generated instance (bench.instances) in a migrated database: one
district, its streets, communities and grids (from the grid codes, S012-C0345-G01234), each
grid peopled so that the catalogue's norms over three days ask for the instance's demand; the
instance's depots with one lot per stocked item. `measure_end_to_end` builds it in a fresh
SQLite or PostgreSQL database (not timed), declares one incident over every grid and times
`allocation.make_plan`; `python -m bench.allocation --db sqlite|postgres|both` prints it with
the pure solve, greedy and PuLP.
"""
from __future__ import annotations

import dataclasses
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import String, cast, create_engine, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased

from app import create_app
from app.areas.models import Area
from app.cli.db import recreate_postgres_database, upgrade
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.core.db import bulk_insert, utcnow
from app.core.vocabulary import AreaLevel
from app.exchange.services import recompute_totals
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.models import AllocationPlan, Incident, PlanLine, PlanShipment
from app.resources.levels import seed_levels
from app.stock.enums import LedgerKind
from app.stock.models import Depot, Item, LedgerEntry, PlanningNorm, StockLot
from app.stock.seed import seed_catalogue
from bench.allocation import (
    Case,
    Measurement,
    Outcome,
    Served,
    _repeat,
    _timed,
    console,
    metrics,
)
from bench.instances import DAYS, HOUSEHOLD_SIZE, ROAD_FACTOR, VULNERABLE_MIX
from optimizer.geo import great_circle_matrix
from optimizer.greedy import nearest_depot
from optimizer.supplies import Route, SupplyProblem

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/readygrid_bench_alloc"
DISTRICT = "D01"
GREEDY_IN_REACH = "nearest-depot greedy on the incident's routes"
DRINK_PER_PERSON = 3 * DAYS  # WATER-DRINK: 3 L a person a day (catalogue), over DAYS
DIAPERS_PER_INFANT = 6 * DAYS  # DIAPER-INFANT: 6 an infant a day
BED_GROUPS = ("elderly_alone", "disabled")  # FOLDING-BED: one each, per event
StepReport = Callable[[str], None]  # told the name of the step about to start


@dataclass(frozen=True)
class World:
    """What build_world made: the district's code and the grids' codes, in instance order."""

    district: str
    grids: list[str]
    depots: int
    lots: int


def build_world(session: Session, problem: SupplyProblem, seed: int = 1,
                progress: StepReport | None = None) -> World:
    """Materialise a generated instance in an empty migrated database (flushed, not committed)."""
    step = progress or (lambda _label: None)
    rng = random.Random(seed)
    session.info["rg_skip_audit"] = True  # bulk build, as the demo: no per-row audit
    try:
        step("catalogue and norms")
        seed_catalogue(session)
        _only_instance_norms(session, problem)
        step("areas")
        district = _areas(session, problem)
        step("response levels")
        seed_levels(session, session.get_one(Area, district))
        step("depots and stock")
        lots = _stock(session, problem, district, rng)
    finally:
        session.info.pop("rg_skip_audit", None)
    return World(DISTRICT, [a.code for a in problem.areas], len(problem.depots), lots)


def people_for(demand: dict[str, int], priority: dict[str, int]) -> dict[str, int]:
    """Residents whose three-day needs under the catalogue's norms are this demand.

    The generator's demand is the norms over a grid's displaced people, so the displaced count
    becomes the grid's population (an incident then takes all of it as affected).
    """
    people = round(demand["WATER-DRINK"] / DRINK_PER_PERSON)
    vulnerable = round(priority.get("WATER-DRINK", 0) / DRINK_PER_PERSON)
    infants = round(demand.get("DIAPER-INFANT", vulnerable * VULNERABLE_MIX["infants"]
                               * DIAPERS_PER_INFANT) / DIAPERS_PER_INFANT)
    beds = demand.get("FOLDING-BED", round(vulnerable * sum(VULNERABLE_MIX[g]
                                                            for g in BED_GROUPS)))
    elderly = round(beds * VULNERABLE_MIX["elderly_alone"]
                    / sum(VULNERABLE_MIX[g] for g in BED_GROUPS))
    return {"population": people,
            "households": demand.get("FLASHLIGHT", round(people / HOUSEHOLD_SIZE)),
            "infants": infants, "elderly_alone": elderly, "disabled": beds - elderly,
            "chronically_ill": max(vulnerable - infants - beds, 0), "pregnant": 0}


def _only_instance_norms(session: Session, problem: SupplyProblem) -> None:
    """Norms of items the instance leaves out (mobile toilets) would only add unmet lines."""
    wanted = [item.code for item in problem.items]
    session.execute(update(PlanningNorm).where(PlanningNorm.item_id.in_(
        select(Item.id).where(Item.code.not_in(wanted)))).values(active=False))


def _areas(session: Session, problem: SupplyProblem) -> int:
    """District, streets, communities and grids, inserted in bulk a level at a time."""
    now = utcnow()
    grids = {a.code: a for a in problem.areas}
    communities: dict[str, list[str]] = defaultdict(list)
    for code in grids:
        communities[code.rsplit("-", 1)[0]].append(code)
    streets: dict[str, list[str]] = defaultdict(list)
    for code in communities:
        streets[code.split("-", 1)[0]].append(code)
    where = {code: (a.lat, a.lon) for code, a in grids.items()}
    for parents in (communities, streets):
        for code, children in parents.items():
            where[code] = (float(np.mean([where[c][0] for c in children])),
                           float(np.mean([where[c][1] for c in children])))

    def row(code: str, level: AreaLevel, parent: int | None, zh: str, en: str,
            **people: int) -> dict[str, Any]:
        lat, lon = where.get(code, (32.05, 118.78))
        return {"code": code, "level": level.value, "parent_id": parent, "path": "",
                "name_zh": zh, "name_en": en, "lat": lat, "lon": lon, "hazards": ["flood"],
                "created_at": now, "updated_at": now,
                **dict.fromkeys(("population", "households", "elderly_alone", "disabled",
                                 "infants", "pregnant", "chronically_ill"), 0), **people}

    (district,) = bulk_insert(session, Area, [row(DISTRICT, AreaLevel.DISTRICT, None,
                                                  "基准测试区", "Benchmark district")],
                              with_ids=True)
    ids = {DISTRICT: district}
    levels = ((AreaLevel.STREET, streets, lambda _c: DISTRICT, "街道", "Street"),
              (AreaLevel.COMMUNITY, communities, lambda c: c.split("-", 1)[0], "社区",
               "Community"),
              (AreaLevel.GRID, grids, lambda c: c.rsplit("-", 1)[0], "网格", "Grid"))
    for level, codes, parent_of, zh, en in levels:
        rows = [row(c, level, ids[parent_of(c)], f"{c}{zh}", f"{en} {c}",
                    **(people_for(grids[c].demand, grids[c].priority_demand)
                       if level is AreaLevel.GRID else {})) for c in codes]
        ids.update(zip(codes, bulk_insert(session, Area, rows, with_ids=True), strict=True))
    _paths(session)
    recompute_totals(session)
    return district


def _paths(session: Session) -> None:
    """Materialised paths ("/1/4/37/"), top-down: one UPDATE per level."""
    areas = Area.__table__
    parent = aliased(areas)
    session.execute(update(areas).where(areas.c.parent_id.is_(None))
                    .values(path="/" + cast(areas.c.id, String) + "/"))
    for level in (AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID):
        above = select(parent.c.path).where(parent.c.id == areas.c.parent_id).scalar_subquery()
        session.execute(update(areas).where(areas.c.level == level.value)
                        .values(path=above + cast(areas.c.id, String) + "/"))


def _stock(session: Session, problem: SupplyProblem, district: int,
           rng: random.Random) -> int:
    """The instance's depots, one lot per stocked item, each with its opening-balance entry."""
    now, today = utcnow(), date.today()
    depot_ids = bulk_insert(session, Depot, [
        {"code": d.code, "name_zh": f"{d.code}储备库", "name_en": f"Depot {d.code}",
         "area_id": district, "lat": d.lat, "lon": d.lon, "address": "", "contact_name": "",
         "contact_phone": "", "active": True, "created_at": now, "updated_at": now}
        for d in problem.depots], with_ids=True)
    items = {i.code: i for i in session.scalars(select(Item))}
    rows = []
    for depot_id, depot in zip(depot_ids, problem.depots, strict=True):
        for code, quantity in sorted(depot.stock.items()):
            life = items[code].shelf_life_days
            received = today - timedelta(days=rng.randint(0, (life or 900) // 2))
            rows.append({"depot_id": depot_id, "item_id": items[code].id, "on_hand": quantity,
                         "reserved": 0, "lot_number": f"BENCH-{depot.code}-{code}",
                         "expiry_date": received + timedelta(days=life) if life else None,
                         "received_on": received, "supplier": "", "created_at": now,
                         "updated_at": now})
    ids = bulk_insert(session, StockLot, rows, with_ids=True)
    bulk_insert(session, LedgerEntry, [
        {"lot_id": lot_id, "kind": LedgerKind.RECEIPT.value, "on_hand_delta": r["on_hand"],
         "reserved_delta": 0, "on_hand_after": r["on_hand"], "reserved_after": 0,
         "reason": "opening balance (bench)", "reference": "bench", "user_id": None,
         "actor": "bench", "created_at": now} for lot_id, r in zip(ids, rows, strict=True)])
    return len(ids)


def _km(problem: SupplyProblem) -> np.ndarray:
    """Great-circle km from every area (rows) to every depot, as the app measures routes."""
    return great_circle_matrix([a.lat or 0.0 for a in problem.areas],
                               [a.lon or 0.0 for a in problem.areas],
                               [d.lat or 0.0 for d in problem.depots],
                               [d.lon or 0.0 for d in problem.depots])


def reach_km(problem: SupplyProblem, nearest: int = 20) -> float:
    """A supply radius that shows the median area its `nearest` nearest depots."""
    k = min(nearest, len(problem.depots))
    kth = np.partition(_km(problem), k - 1, axis=1)[:, k - 1]
    return float(np.ceil(np.median(kth) * 10) / 10)


def incident_routes(problem: SupplyProblem, reach: float) -> list[Route]:
    """The routes an incident with this supply radius gets (great-circle km to the metre, as
    the app measures), at the instance's road km (x ROAD_FACTOR) for comparable costs."""
    km = np.round(_km(problem), 3)
    areas, depots = np.nonzero(km <= reach)
    return [Route(problem.depots[d].code, problem.areas[a].code,
                  round(float(km[a, d]) * ROAD_FACTOR, 3))
            for a, d in zip(areas.tolist(), depots.tolist(), strict=True)]


def measure_greedy_in_reach(case: Case) -> Outcome:
    """The nearest-depot greedy on the end-to-end incident's routes: the worst-off baseline
    the end-to-end plans are held to (the instance's routes are each area's 20 nearest)."""
    reach = reach_km(case.problem, case.scale.nearest)
    routes = incident_routes(case.problem, reach)
    problem = dataclasses.replace(case.problem, routes=routes, max_distance_km=float("inf"))
    (_, results, _, cost), seconds = _timed(lambda: nearest_depot(problem, routes), _repeat(case))
    served = [Served(r.item, r.demand, r.priority_demand, r.delivered) for r in results]
    alone = len(problem.areas) - len({r.area for r in routes})
    return Outcome(GREEDY_IN_REACH, seconds, metrics(problem, served, cost),
                   note=f"{len(routes):,} routes within {reach:g} km, {alone} areas out of reach")


def declare_over(session: Session, world: World, max_distance_km: float) -> str:
    """One flood incident over every grid of the world: a grid's residents are the instance's
    displaced people, so all of them are affected and displaced."""
    people = dict(session.execute(select(Area.code, Area.population)
                                  .where(Area.level == AreaLevel.GRID)).all())
    return incidents.declare(
        session, title="Benchmark flood", hazard="flood", level=2, duration_days=int(DAYS),
        areas=[incidents.AreaInput(code, displaced=people[code]) for code in world.grids],
        max_distance_km=max_distance_km)


def stored_plan(session: Session, code: str, number: int,
                problem: SupplyProblem) -> tuple[list[Served], float, AllocationPlan]:
    """The stored plan's lines as served amounts (reached lines only, as the optimiser reports
    them) and its transport cost at the instance's road km (great circle x ROAD_FACTOR)."""
    plan = session.scalar(select(AllocationPlan).join(Incident).where(
        Incident.code == code, AllocationPlan.number == number))
    assert plan is not None
    served = [Served(item, required, priority, float(planned))
              for item, required, priority, planned in session.execute(
                  select(Item.code, PlanLine.required, PlanLine.priority, PlanLine.planned)
                  .join(Item, Item.id == PlanLine.item_id)
                  .where(PlanLine.plan_id == plan.id, PlanLine.in_reach > 0))]
    weight = {item.code: item.weight for item in problem.items}
    cost = sum(quantity * km * ROAD_FACTOR * weight[item] for item, quantity, km in
               session.execute(select(Item.code, PlanShipment.quantity, PlanShipment.km)
                               .join(Item, Item.id == PlanShipment.item_id)
                               .where(PlanShipment.plan_id == plan.id)))
    return served, cost, plan


def postgres_reachable(url: str = PG_URL) -> bool:
    """True when the server in the URL accepts a connection within a few seconds."""
    engine = create_engine(make_url(url).set(database="postgres"),
                           connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def measure_end_to_end(case: Case, kind: str = "sqlite") -> Outcome:
    """make_plan on a world built from the case: load, solve, store; median of 3 (1 at city)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}" if kind == "sqlite" else PG_URL
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        try:
            with app.app_context():
                token = set_actor(system_actor("bench"))
                try:
                    return _measure(case, kind, url)
                finally:
                    reset_actor(token)
        finally:
            app.extensions["readygrid.engine"].dispose()


def _measure(case: Case, kind: str, url: str) -> Outcome:
    session = db.session()
    code, reach = _built(case, kind, url, session)
    runs, numbers = [], []
    for _ in range(3 if len(case.problem.areas) <= 2000 else 1):
        session.close()  # a fresh session, as each request or CLI call gets
        started = time.perf_counter()
        numbers.append(allocation.make_plan(session, code))
        runs.append(time.perf_counter() - started)
    middle = sorted(range(len(runs)), key=runs.__getitem__)[len(runs) // 2]
    served, cost, plan = stored_plan(session, code, numbers[middle], case.problem)
    seconds = runs[middle]  # the median run, whose plan is read back
    status = ", ".join(sorted(set(plan.solver_status.values())))
    note = (f"within {reach:g} km; solving {plan.solve_seconds:.2f} s of it ({status}), "
            f"loading and storing the rest")
    return Outcome(f"end to end on {LABELS[kind]} (load, solve, store)", seconds,
                   metrics(case.problem, served, cost), case.scale.floor_s, fair=True,
                   note=note, held_to=GREEDY_IN_REACH)


def _built(case: Case, kind: str, url: str, session: Session) -> tuple[str, float]:
    """A fresh migrated database holding the case's world and one incident over it."""
    steps = ["fresh database", "catalogue and norms", "areas", "response levels",
             "depots and stock", "declaring the incident", "committing"]
    columns = (TextColumn("[{task.fields[scale]}] building the {task.fields[db]} world: "
                          "{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(steps[0], total=len(steps), scale=case.scale.name,
                            db=LABELS[kind])

        def step(label: str) -> None:
            bar.update(task, description=label, completed=steps.index(label))

        if kind == "postgres":
            recreate_postgres_database(url)
        upgrade(url)
        world = build_world(session, case.problem, case.seed, step)
        session.commit()
        step("declaring the incident")
        reach = reach_km(case.problem, case.scale.nearest)
        code = declare_over(session, world, reach)
        step("committing")
        session.commit()
    return code, reach


def end_to_end(kind: str) -> Measurement:
    """The end-to-end measurement on one database, named for the progress spinner."""
    def measure(case: Case) -> Outcome:
        return measure_end_to_end(case, kind)

    measure.__name__ = f"measure_end_to_end_{kind}"
    measure.shows_progress = True  # type: ignore[attr-defined]  # draws its own bar
    return measure
