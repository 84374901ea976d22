"""Server time, queries and height of the incident page on the full demo district, in one run:
the 4-community level III flood (S01-C01..S01-C04) and a whole-district level I incident,
before and after confirming its plan, and each of its full-table pages.

Per page: the median of 3 warm requests through the app (no network), the SQL statements
one request runs, and the HTML size. Floors (issue "The incident control room"): the incident
page under 300 ms for the flood and under 1 s for the whole district. Exits 1 if one is missed.

    python -m bench.incident_page [--seed 7]
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import event, select

from app import create_app
from app.areas.models import Area
from app.cli.db import upgrade
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.core.errors import Conflict
from app.core.vocabulary import AreaLevel
from app.incidents import workflows
from app.incidents.allocation import services as allocation
from app.incidents.services import AreaInput
from bench import seeded_main, verdict

console = Console(width=150)
FLOOD = ["S01-C01", "S01-C02", "S01-C03", "S01-C04"]
PARTS = ("", "/needs", "/shipments", "/people", "/dispatches")
FLOORS = {"flood": 0.300, "district": 1.0}  # the incident page's server time


def _measure(app: Any, client: Any, url: str) -> tuple[float, int, int]:
    engine = app.extensions["readygrid.engine"]
    seen: list[int] = []

    def count(*_: Any) -> None:
        seen.append(1)

    times = []
    size = 0
    for run in range(4):
        event.listen(engine, "before_cursor_execute", count)
        seen.clear()
        started = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count)
        assert resp.status_code == 200, (url, resp.status_code)
        size = len(resp.data)
        if run == 0:
            times.clear()  # the first request warms the templates
    return statistics.median(times), len(seen), size


def run(seed: int) -> int:
    from app.demo import build

    rows: list[tuple[str, str, str, float, int, int]] = []
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
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
                codes = {}
                for case, level, areas in (("flood", 3, FLOOD), ("district", 1, every)):
                    done = workflows.declare(session, title=case, hazard="flood", level=level,
                                             areas=[AreaInput(c) for c in areas],
                                             duration_days=3).raise_error()
                    codes[case] = done.code
            finally:
                reset_actor(token)
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        csrf = login.split('name="csrf_token"')[1].split('value="')[1].split('"')[0]
        client.post("/login", data={"csrf_token": csrf, "username": "coordinator",
                                    "password": "readygrid-demo"})
        for case, code in codes.items():
            for stage in ("proposed", "confirmed"):
                if stage == "confirmed":
                    with app.app_context():
                        token = set_actor(system_actor("bench"))
                        try:
                            session = db.session()
                            plan = allocation.get_plan(session, code, None)
                            started = time.perf_counter()
                            try:
                                allocation.confirm(session, code, plan.number)
                            except Conflict as exc:  # the flood took stock: its fresh plan
                                started = time.perf_counter()
                                allocation.confirm(session, code, exc.extra["fresh_plan"])
                            console.print(f"  confirm {case}: "
                                          f"{time.perf_counter() - started:.2f} s",
                                          highlight=False)
                        finally:
                            reset_actor(token)
                for part in PARTS:
                    seconds, queries, size = _measure(app, client, f"/incidents/{code}{part}")
                    rows.append((case, stage, part or "incident page", seconds, queries, size))
                    if not part and seconds >= FLOORS[case]:
                        failures.append(f"{case} ({stage}): incident page {seconds * 1000:.0f} "
                                        f"ms >= {FLOORS[case] * 1000:.0f} ms")
        app.extensions["readygrid.engine"].dispose()
    table = Table(title="The incident page on the full demo (server side, median of 3)")
    for col in ("incident", "plan", "page", "ms", "queries", "KB"):
        table.add_column(col)
    for case, stage, part, seconds, queries, size in rows:
        table.add_row(case, stage, part, f"{seconds * 1000:.0f}", str(queries),
                      f"{size / 1024:.0f}")
    console.print(table)
    return verdict(console, failures)


def main() -> None:
    seeded_main(__doc__ or "", run)


if __name__ == "__main__":
    main()
