"""CLI commands for data: demo, seed, import, export, stock, users and tokens."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from app import db
from app.cli import command_errors, err, out, print_table
from app.clock import district_today
from app.db import unit_of_work
from app.errors import ValidationFailed
from app.importexport.kinds import KINDS
from app.models import Area
from app.models.enums import Role


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
    from app.services.drills import seed_requirements
    from app.services.levels import seed_levels
    from app.services.seed import seed_catalogue

    session = db.session()
    with unit_of_work(session):
        items, norms = seed_catalogue(session)
        rules = seed_requirements(session)
        levels = sum(seed_levels(session, d) for d in session.scalars(
            select(Area).where(Area.parent_id.is_(None))))
    out.print(f"seeded {items} items, {norms} norms, {levels} response levels, "
              f"{rules} drill requirements")


@click.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", type=click.Choice(["utf-8", "utf-8-sig", "gb18030", "gbk"]),
              help="Force an encoding (default: detect UTF-8, else GB18030).")
@click.option("--dry-run", is_flag=True, help="Validate every row; write nothing.")
@click.option("--show-errors", is_flag=True, help="List every row error, not just the first.")
@with_appcontext
@command_errors
def import_cmd(kind: str, file: Path, encoding: str | None, dry_run: bool,
               show_errors: bool) -> None:
    """Import a CSV file: every row or none."""
    from app.services.imports import import_csv

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        bar.add_task(f"Importing {kind} from {file.name}", total=None)
        started = time.perf_counter()
        result = import_csv(db.session(), kind, file.read_bytes(), encoding=encoding,
                            dry_run=dry_run)
    verb = "would import" if dry_run else "imported"
    out.print(f"{verb} {result.rows} {kind} rows ({result.created} created, {result.updated} "
              f"updated; {result.encoding}{', HXL row' if result.has_hxl else ''}) in "
              f"{time.perf_counter() - started:.1f} s")


@click.command("export")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--no-hxl", is_flag=True, help="Leave out the HXL hashtag row.")
@with_appcontext
@command_errors
def export_cmd(kind: str, out_file: Path | None, lang: str, no_hxl: bool) -> None:
    """Export a kind as CSV with the import's columns."""
    from app.services.imports import export_csv

    text = export_csv(db.session(), kind, lang=lang, hxl=not no_hxl)
    if out_file:
        out_file.write_text(text, encoding="utf-8-sig")
        err.print(f"wrote {text.count(chr(10)) - 1 - (0 if no_hxl else 1)} rows to {out_file}")
    else:
        sys.stdout.write(text)


@click.group("stock")
def stock_group() -> None:
    """Stock ledger checks and chores."""


@stock_group.command("verify")
@with_appcontext
@command_errors
def stock_verify() -> None:
    """Prove every lot's on-hand and reserved figures equal the sum of its ledger."""
    from app.services.stock import verify

    checked, bad = verify(db.session())
    if bad:
        print_table([m.__dict__ for m in bad[:50]], f"{len(bad)} lots disagree with the ledger")
        err.print(f"[red]error:[/red] {len(bad)} of {checked} lots disagree with the ledger")
        sys.exit(1)
    out.print(f"[green]ok[/green]: {checked} lots; every balance equals its ledger")


@stock_group.command("expire")
@with_appcontext
@command_errors
def stock_expire() -> None:
    """Write off the unreserved remainder of every expired lot."""

    from app.models import StockLot
    from app.services.stock import write_off

    session = db.session()
    ids = session.scalars(select(StockLot.id).where(
        StockLot.expiry_date < district_today(), StockLot.on_hand > StockLot.reserved)).all()
    for lot_id in ids:
        write_off(session, lot_id=lot_id)
    out.print(f"wrote off {len(ids)} expired lots")


@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--area", required=True, help="Code of the area the user is responsible for.")
@click.option("--name", "display_name", default="")
@click.password_option(help="At least 10 characters (prompted if not given).")
@with_appcontext
@command_errors
def users_create(username: str, role: str, area: str, display_name: str,
                 password: str) -> None:
    """Create a user scoped to an area subtree."""
    from app.services.users import create_user

    create_user(db.session(), {"username": username, "role": role, "area": area,
                               "display_name": display_name, "password": password})
    out.print(f"created {role} '{username}' for {area}")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for machine clients."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--days", default=None, type=int, help="Lifetime (default: TOKEN_TTL_DAYS).")
@with_appcontext
@command_errors
def tokens_create(username: str, name: str, days: int | None) -> None:
    """Create an API token; it is shown once."""
    from app.services.users import issue_token

    clear, token = issue_token(db.session(), username, name,
                               days or current_app.config["TOKEN_TTL_DAYS"])
    click.echo(clear)
    err.print(f"token '{name}' for {username}, expires {token.expires_at:%Y-%m-%d}")
