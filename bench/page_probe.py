"""Measure the incident page of whichever ReadyGrid is first on the import path; print JSON.

Run by bench.incident_page twice in one run: on this tree and on a checkout of the baseline
revision (the page before the control room), so both are measured on the same machine at the
same time. It uses only interfaces both revisions have (app.demo.build, workflows.declare,
allocation.get_plan/confirm, the pages' URLs) and imports nothing from bench/.

    python bench/page_probe.py --seed 7 --out figures.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

FLOOD = ["S01-C01", "S01-C02", "S01-C03", "S01-C04"]
PARTS = ("", "/needs", "/shipments", "/people", "/dispatches")


def _measure(app: Any, client: Any, url: str) -> dict[str, Any] | None:
    """Median of 3 warm requests (a first one warms the templates), queries and size; None
    where this revision has no such page."""
    from sqlalchemy import event

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
        if resp.status_code == 404:
            return None
        assert resp.status_code == 200, (url, resp.status_code)
        size = len(resp.data)
        if run == 0:
            times.clear()
    return {"seconds": statistics.median(times), "queries": len(seen), "bytes": size}


def _as_system(app: Any, work: Any) -> Any:
    from app.core import db
    from app.core.actor import reset_actor, set_actor, system_actor

    with app.app_context():
        token = set_actor(system_actor("bench"))
        try:
            return work(db.session())
        finally:
            reset_actor(token)


def _declare(session: Any) -> dict[str, str]:
    from sqlalchemy import select

    from app.areas.models import Area
    from app.core.vocabulary import AreaLevel
    from app.incidents import workflows
    from app.incidents.services import AreaInput

    every = list(session.scalars(select(Area.code).where(
        Area.level == AreaLevel.COMMUNITY).order_by(Area.code)))
    codes = {}
    for case, level, areas in (("flood", 3, FLOOD), ("district", 1, every)):
        codes[case] = workflows.declare(session, title=case, hazard="flood", level=level,
                                        areas=[AreaInput(c) for c in areas],
                                        duration_days=3).raise_error().code
    return codes


def _confirm(code: str) -> Any:
    def work(session: Any) -> float:
        from app.core.errors import Conflict
        from app.incidents.allocation import services as allocation

        plan = allocation.get_plan(session, code, None)
        started = time.perf_counter()
        try:
            allocation.confirm(session, code, plan.number)
        except Conflict as exc:  # the flood took stock: its fresh plan
            started = time.perf_counter()
            allocation.confirm(session, code, exc.extra["fresh_plan"])
        return time.perf_counter() - started
    return work


def probe(seed: int) -> dict[str, Any]:
    from app import create_app
    from app.cli.db import upgrade
    from app.demo import build

    out: dict[str, Any] = {"pages": [], "confirm": {}}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        _as_system(app, lambda s: (build(s, "full", seed=seed), s.commit()))
        codes = _as_system(app, _declare)
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        csrf = login.split('name="csrf_token"')[1].split('value="')[1].split('"')[0]
        client.post("/login", data={"csrf_token": csrf, "username": "coordinator",
                                    "password": "readygrid-demo"})
        for case, code in codes.items():
            for stage in ("proposed", "confirmed"):
                if stage == "confirmed":
                    out["confirm"][case] = _as_system(app, _confirm(code))
                for part in PARTS:
                    got = _measure(app, client, f"/incidents/{code}{part}")
                    if got is not None:
                        out["pages"].append({"case": case, "stage": stage,
                                             "page": part or "incident page", **got})
        app.extensions["readygrid.engine"].dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.write_text(json.dumps(probe(args.seed)))


if __name__ == "__main__":
    main()
