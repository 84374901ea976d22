"""The ledger is the only way stock changes, and it is never rewritten."""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from app.core import crud, db
from app.core.actor import reset_actor, set_actor, system_actor
from app.core.clock import district_today
from app.core.errors import Conflict, InsufficientStock
from app.models import LedgerEntry, StockLot
from app.stock import services as stock
from app.stock.catalogue import DEPOT

SOON = district_today() + timedelta(days=60)


@pytest.fixture
def depot(ctx: Any, demo: Any) -> str:
    crud.create(ctx, DEPOT, {"code": "X1", "name_zh": "测试库", "area": "S01-C01"})
    return "X1"


def test_ledger_rows_cannot_be_updated_or_deleted(ctx: Any, depot: str) -> None:
    stock.receive(ctx, depot=depot, item="QUILT", quantity=5, lot_number="L1")
    with pytest.raises(DBAPIError):
        ctx.execute(update(LedgerEntry).values(on_hand_delta=500))
        ctx.commit()
    ctx.rollback()
    with pytest.raises(DBAPIError):
        ctx.execute(delete(LedgerEntry))
        ctx.commit()
    ctx.rollback()
    assert ctx.scalar(select(LedgerEntry.on_hand_delta).order_by(LedgerEntry.id.desc())) == 5


def test_verify_catches_a_balance_changed_behind_the_ledger(ctx: Any, depot: str) -> None:
    moved = stock.receive(ctx, depot=depot, item="QUILT", quantity=5, lot_number="L1")
    assert stock.verify(ctx)[1] == []
    ctx.execute(update(StockLot).where(StockLot.id == moved.lot_id).values(on_hand=50))
    ctx.commit()
    _, bad = stock.verify(ctx)
    assert [(b.lot_id, b.on_hand, b.ledger_on_hand) for b in bad] == [(moved.lot_id, 50, 5)]


def test_database_refuses_negative_stock_even_without_the_service(ctx: Any,
                                                                   depot: str) -> None:
    moved = stock.receive(ctx, depot=depot, item="QUILT", quantity=5, lot_number="L1")
    with pytest.raises(DBAPIError):
        ctx.execute(update(StockLot).where(StockLot.id == moved.lot_id).values(on_hand=-1))
        ctx.commit()
    ctx.rollback()


def test_transfer_keeps_lot_number_and_expiry(ctx: Any, depot: str) -> None:
    crud.create(ctx, DEPOT, {"code": "X2", "name_zh": "乙库", "area": "S01-C01"})
    stock.receive(ctx, depot=depot, item="QUILT", quantity=5, lot_number="L1",
                  expiry_date=SOON)
    result = stock.transfer(ctx, from_depot=depot, to_depot="X2", item="QUILT", quantity=2)
    (moved_in,) = result["in"]
    assert (moved_in.lot_number, moved_in.expiry_date, moved_in.on_hand_after) == (
        "L1", SOON, 2)
    assert result["out"][0].on_hand_after == 3
    refs = {r for r in ctx.scalars(select(LedgerEntry.reference)
                                   .where(LedgerEntry.kind.in_(["transfer_in",
                                                                "transfer_out"])))}
    assert len(refs) == 1  # the two halves share one transfer reference


def test_issue_reserved_issues_exactly_what_was_reserved(ctx: Any, depot: str) -> None:
    stock.receive(ctx, depot=depot, item="QUILT", quantity=10, lot_number="L1")
    stock.reserve(ctx, depot=depot, item="QUILT", quantity=4, reference="DISPATCH-1")
    moves = stock.issue_reserved(ctx, reference="DISPATCH-1")
    assert [(m.quantity, m.on_hand_after, m.reserved_after) for m in moves] == [(4, 6, 0)]
    with pytest.raises(Conflict):
        stock.issue_reserved(ctx, reference="DISPATCH-1")


def test_concurrent_issues_never_oversell(app: Any, ctx: Any, depot: str) -> None:
    stock.receive(ctx, depot=depot, item="QUILT", quantity=10, lot_number="A",
                  expiry_date=SOON)
    stock.receive(ctx, depot=depot, item="QUILT", quantity=10, lot_number="B")
    ctx.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        with app.app_context():
            token = set_actor(system_actor("worker"))
            barrier.wait()
            try:
                stock.issue(db.session(), depot=depot, item="QUILT", quantity=3)
                outcomes.append("ok")
            except (InsufficientStock, Conflict):
                outcomes.append("refused")
            finally:
                reset_actor(token)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok"] * 6 + ["refused"] * 2  # 6 x 3 = 18 of 20
    ctx.expire_all()
    on_hand = ctx.scalar(text("SELECT SUM(on_hand) FROM stock_lots WHERE lot_number IN "
                              "('A', 'B')"))
    assert on_hand == 2
    assert stock.verify(ctx)[1] == []
