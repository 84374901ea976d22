"""Any sequence of stock operations keeps the ledger and the balances in step (Hypothesis).

Each example runs a random sequence of receive / issue / transfer / adjust / write-off /
reserve / release / settle against the real services and database. After every step: no lot
is negative or over-reserved, a refused operation changed nothing at all, and every lot's
balance equals the sum of its ledger (`stock.verify`, as `readygrid stock verify` runs it).
The database carries over between examples, which only makes the sequences longer.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core import crud
from app.core.clock import district_today
from app.core.errors import DomainError
from app.models import LedgerEntry, StockLot
from app.stock import services as stock
from app.stock.catalogue import DEPOT

DEPOTS = ["PX1", "PX2"]
ITEMS = ["QUILT", "WATER-DRINK"]
REFS = ["R1", "R2"]
# days from the district's today, taken when a step runs
EXPIRES_IN = {"none": None, "expired": -3, "soon": 20, "late": 400}

qty = st.integers(1, 40)
depot = st.sampled_from(DEPOTS)
item = st.sampled_from(ITEMS)
lot_pick = st.integers(0, 30)  # an index into the lots that exist when the step runs
OPS = st.one_of(
    st.tuples(st.just("receive"), depot, item, qty, st.sampled_from(["L1", "L2", "L3"]),
              st.sampled_from(sorted(EXPIRES_IN))),
    st.tuples(st.just("issue"), depot, item, qty, st.sampled_from([None, "L1", "L2"])),
    st.tuples(st.just("transfer"), depot, depot, item, qty),
    st.tuples(st.just("adjust"), lot_pick, st.integers(-30, 30)),
    st.tuples(st.just("write_off"), lot_pick),
    st.tuples(st.just("reserve"), depot, item, qty, st.sampled_from(REFS)),
    st.tuples(st.just("release"), st.sampled_from(REFS)),
    st.tuples(st.just("settle"), st.sampled_from(REFS), st.booleans()),
)


@pytest.fixture
def depots(ctx: Any, demo: Any) -> Any:
    for code in DEPOTS:
        crud.create(ctx, DEPOT, {"code": code, "name_zh": "测试库", "area": "S01-C01"})
    ctx.commit()
    return ctx


def _state(session: Any) -> tuple[list[tuple[int, int, int]], int]:
    lots = session.execute(select(StockLot.id, StockLot.on_hand, StockLot.reserved)
                           .order_by(StockLot.id)).all()
    return [tuple(r) for r in lots], session.scalar(select(func.count(LedgerEntry.id)))


def _run(session: Any, op: tuple[Any, ...], lot_ids: list[int]) -> None:
    kind, *a = op
    if kind == "receive":
        d, i, n, lot, exp = a
        today = district_today()  # taken when the step runs: a run may cross midnight
        days = EXPIRES_IN[exp]
        expiry = None if days is None else today + timedelta(days=days)
        received = today - timedelta(days=10) if exp == "expired" else today
        stock.receive(session, depot=d, item=i, quantity=n, lot_number=lot,
                      expiry_date=expiry, received_on=received)
    elif kind == "issue":
        stock.issue(session, depot=a[0], item=a[1], quantity=a[2], lot_number=a[3])
    elif kind == "transfer":
        stock.transfer(session, from_depot=a[0], to_depot=a[1], item=a[2], quantity=a[3])
    elif kind in ("adjust", "write_off"):
        if not lot_ids:
            return
        lot_id = lot_ids[a[0] % len(lot_ids)]
        if kind == "adjust":
            stock.adjust(session, lot_id=lot_id, delta=a[1], reason="count")
        else:  # mostly aim at expired lots, or write-offs would only ever be refused
            past = StockLot.expiry_date < district_today()
            expired = session.scalars(select(StockLot.id).where(past).order_by(StockLot.id)).all()
            pool = expired if expired and a[0] % 4 else lot_ids
            stock.write_off(session, lot_id=pool[a[0] % len(pool)])
    elif kind == "reserve":
        stock.reserve(session, depot=a[0], item=a[1], quantity=a[2], reference=a[3])
    elif kind == "release":
        stock.release(session, reference=a[0])
    else:
        stock.settle(session, a[0], issue=a[1])


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_no_sequence_of_operations_breaks_the_ledger(depots: Any, ops: list[Any]) -> None:
    session = depots
    for op in ops:
        before = _state(session)
        try:
            _run(session, op, [lot for lot, _, _ in before[0]])
            session.commit()
            refused = False
        except DomainError:
            session.rollback()
            refused = True
        event(f"{op[0]} {'refused' if refused else 'done'}")
        after = _state(session)
        if refused:
            assert after == before, f"refused {op} changed stock"
        for lot_id, on_hand, reserved in after[0]:
            assert 0 <= reserved <= on_hand, (op, lot_id, on_hand, reserved)
        checked, bad = stock.verify(session)
        assert checked == len(after[0])
        assert bad == [], (op, bad)
        for ref in REFS:  # what a reference holds is never more than its lots hold
            for lot_id, held in stock.outstanding_reservations(session, ref).items():
                assert held <= dict((lot, r) for lot, _, r in after[0])[lot_id]
