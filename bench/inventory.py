"""Inventory benchmarks on the full demo district, on SQLite and PostgreSQL.

    python -m bench.inventory [--db sqlite|postgres|both] [--lots 100000]

Measures (each against a naive baseline in the same run, printing the ratio):
- the stock summary of the whole district through the API (floor: under 200 ms);
- the CSV import of N stock lots, all rows or none (floor for 100,000: under 30 s).
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select

from app import create_app
from app.cli.db import recreate_postgres_database, upgrade
from app.core import db
from app.core.actor import set_actor, system_actor
from app.demo import build
from app.exchange import services as imports
from app.stock import services as stock
from app.stock.models import Depot, Item, StockLot

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/readygrid_bench"
console = Console(width=120)


def _fresh(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite'}"
    recreate_postgres_database(PG_URL)
    return PG_URL


def _timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time in seconds over `repeat` runs after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def naive_summary(session: Any) -> dict[str, int]:
    """Baseline: load every lot as an ORM object and add up in Python."""
    totals: dict[str, int] = defaultdict(int)
    for lot in session.scalars(select(StockLot)):
        if lot.depot.area.path.startswith("/"):
            totals[lot.item.code] += lot.on_hand - lot.reserved
    return totals


def lots_csv(session: Any, n: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    depots = session.scalars(select(Depot.code)).all()
    items = session.scalars(select(Item.code)).all()
    lines = ["depot,item,lot_number,quantity,expiry_date,received_on,supplier"]
    today = date.today()
    for i in range(n):
        expiry = today + timedelta(days=rng.randint(30, 1500))
        lines.append(f"{rng.choice(depots)},{rng.choice(items)},BENCH-{i:07d},"
                     f"{rng.randint(1, 5000)},{expiry},{today},供应商{i % 50}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def run(kind: str, n_lots: int, baseline_rows: int) -> list[tuple[str, float, str, str]]:
    rows: list[tuple[str, float, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = _fresh(kind, Path(tmp))
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        with app.app_context():
            set_actor(system_actor("bench"))
            session = db.session()
            with Progress(console=console, transient=True) as bar:
                bar.add_task(f"[{kind}] building the full demo district", total=None)
                build(session, "full")
                session.commit()
            from app.accounts.services import issue_token
            token, _ = issue_token(session, "coordinator", "bench")
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}

            def api_summary() -> None:
                resp = client.get("/api/v1/stock/summary?area=D01", headers=headers)
                assert resp.status_code == 200, resp.json

            fast = _timed(api_summary, 15)
            slow = _timed(lambda: naive_summary(db.session()), 3)
            rows.append((f"{kind}: district stock summary (API)", fast * 1000,
                         f"{slow / fast:.1f}x faster than naive ORM sum ({slow * 1000:.0f} ms)",
                         "PASS" if fast < 0.2 else "FAIL (floor 200 ms)"))

            raw = lots_csv(session, n_lots)
            with Progress(console=console, transient=True) as bar:
                bar.add_task(f"[{kind}] importing {n_lots:,} lots", total=None)
                started = time.perf_counter()
                result = imports.import_csv(session, "lots", raw)
                elapsed = time.perf_counter() - started
            assert result.created == n_lots
            per_row = _row_by_row(session, baseline_rows)
            ratio = per_row * n_lots / elapsed
            rows.append((f"{kind}: import {n_lots:,} lots (CSV, all or none)", elapsed * 1000,
                         f"{ratio:.1f}x faster than row-by-row receipts "
                         f"({per_row * 1000:.2f} ms/row)",
                         "PASS" if elapsed < 30 * n_lots / 100_000 else "FAIL (floor 30 s)"))
            checked, bad = stock.verify(session)
            assert not bad, f"{len(bad)} lots disagree with the ledger"
        app.extensions["readygrid.engine"].dispose()
    return rows


def _row_by_row(session: Any, n: int) -> float:
    """Baseline: one receipt transaction per lot through the ledger service."""
    depots = session.scalars(select(Depot.code)).all()
    started = time.perf_counter()
    for i in range(n):
        stock.receive(session, depot=depots[i % len(depots)], item="QUILT", quantity=5,
                      lot_number=f"ROW-{i:06d}")
    return (time.perf_counter() - started) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=500)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [r for k in kinds for r in run(k, args.lots, args.baseline_rows)]
    table = Table(title="ReadyGrid inventory benchmarks")
    for col in ("measure", "time (ms)", "against baseline", "floor"):
        table.add_column(col)
    for name, ms, ratio, verdict in results:
        table.add_row(name, f"{ms:,.1f}", ratio, verdict)
    console.print(table)
    if any(r[3] != "PASS" for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
