"""`readygrid stock verify|expire` and `readygrid depots list`."""
from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.cli.common import command_errors, err, out, print_table
from app.core import db
from app.core.clock import district_today


@click.group("stock")
def stock_group() -> None:
    """Stock ledger checks and chores."""


@stock_group.command("verify")
@with_appcontext
@command_errors
def stock_verify() -> None:
    """Prove every lot's on-hand and reserved figures equal the sum of its ledger."""
    from app.stock.services import verify

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

    from app.stock.models import StockLot
    from app.stock.services import write_off

    session = db.session()
    ids = session.scalars(select(StockLot.id).where(
        StockLot.expiry_date < district_today(), StockLot.on_hand > StockLot.reserved)).all()
    for lot_id in ids:
        write_off(session, lot_id=lot_id)
    out.print(f"wrote off {len(ids)} expired lots")


def depot_rows(_level: str | None) -> list[dict[str, Any]]:

    from app.stock.models import Depot, StockLot
    lots = dict(db.session().execute(select(StockLot.depot_id, func.count())
                                     .where(StockLot.on_hand > 0)
                                     .group_by(StockLot.depot_id)).all())
    return [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "area": d.area.code,
             "lots": lots.get(d.id, 0), "contact": f"{d.contact_name} {d.contact_phone}".strip()}
            for d in db.session().scalars(select(Depot).options(selectinload(Depot.area))
                                          .order_by(Depot.code))]
