"""CLI commands for data: demo, seed, import, export, stock, users and tokens."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from app.areas.models import Area
from app.cli.common import command_errors, err, out, print_table
from app.core import db
from app.core.db import unit_of_work
from app.core.errors import ValidationFailed


@click.command("demo")
@click.option("--scale", type=click.Choice(["full", "small"]), default="full", show_default=True,
              help="full: 12 streets, 110 communities, 690 grids, ~1M people; small: tests.")
@click.option("--seed", default=7, show_default=True, help="Random seed (same seed, same data).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds data.")
@with_appcontext
@command_errors
def demo(scale: str, seed: int, if_empty: bool) -> None:
    """Build the bilingual demo district (needs a migrated, empty database)."""
    from app.demo import DEMO_PASSWORD, DEMO_USERS, build

    session = db.session()
    if session.scalar(select(func.count()).select_from(Area)):
        if if_empty:
            out.print("The database already holds data; demo skipped.")
            return
        raise ValidationFailed("The database already holds areas; the demo needs an empty one "
                               "(use a new READYGRID_DATABASE_URL).")
    started = time.perf_counter()
    steps = ["areas", "stock", "shelters", "teams"]
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar, unit_of_work(session):
        task = bar.add_task(f"Building the {scale} demo district", total=len(steps))
        counts = build(session, scale, seed,
                       progress=lambda label, _n: bar.update(task, advance=1,
                                                             description=f"built {label}"))
    out.print(f"Demo district built in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print_table([{"username": u, "role": r.value, "scope": s, "password": DEMO_PASSWORD}
                 for u, _d, r, s in DEMO_USERS], "demo users (local demo only)")


@click.command("seed")
@with_appcontext
@command_errors
def seed() -> None:
    """Add the default items, planning norms and (per district) response levels."""
    from app.drills.services import seed_requirements
    from app.resources.levels import seed_levels
    from app.stock.seed import seed_catalogue

    session = db.session()
    with unit_of_work(session):
        items, norms = seed_catalogue(session)
        rules = seed_requirements(session)
        levels = sum(seed_levels(session, d) for d in session.scalars(
            select(Area).where(Area.parent_id.is_(None))))
    out.print(f"seeded {items} items, {norms} norms, {levels} response levels, "
              f"{rules} drill requirements")
