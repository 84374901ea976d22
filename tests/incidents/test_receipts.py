"""Receipts at the receiving point: dispatched, received with or without a difference, the
stock issued exactly once (on the receipt, or on the depot's dispatch as a setting)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.incidents import dispatches, receipt_views, receipts, summary
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.services import AreaInput
from app.models import (
    AuditEntry,
    Dispatch,
    DispatchReceipt,
    LedgerEntry,
    Notification,
    StockLot,
)
from app.stock import services as stock
from app.stock.enums import LedgerKind
from tests.helpers import acting, two_test_depots

GRID_A, GRID_B = "S01-C01-G01", "S02-C01-G01"  # the demo staff's community; another street
TEST_ITEM = "TESTWATER"


@pytest.fixture
def world(ctx: Any, demo: Any) -> Any:
    """The small demo plus an item only two test depots hold (TA in GRID_A, TB in GRID_B)."""
    return two_test_depots(ctx, (GRID_A, GRID_B), TEST_ITEM)


def receive(ctx: Any, depot: str, qty: int, lot: str) -> None:
    stock.receive(ctx, depot=depot, item=TEST_ITEM, quantity=qty, lot_number=lot)


def declare(ctx: Any, *areas: tuple[str, int], **kw: Any) -> str:
    return incidents.declare(ctx, title="test", hazard="flood", level=3,
                             areas=[AreaInput(code, affected=n, displaced=n // 10)
                                    for code, n in areas], duration_days=1, **kw)


def confirmed(ctx: Any, depot: str = "TA", grid: str = GRID_A, exercise: bool = False) -> str:
    """One confirmed order of TEST_ITEM from the depot into the grid (30 people: 300 units)."""
    receive(ctx, depot, 1000, f"L-{depot}")
    code = declare(ctx, (grid, 30), exercise=exercise)
    orders = allocation.confirm(ctx, code, allocation.make_plan(ctx, code))
    return next(o for o in orders if TEST_ITEM in receipts.sent_by_item(
        dispatches.load(ctx, o)))


def lot(ctx: Any, depot: str = "TA") -> StockLot:
    found = ctx.scalar(select(StockLot).where(StockLot.lot_number == f"L-{depot}"))
    ctx.refresh(found)
    return found


def issues(ctx: Any, order: str) -> int:
    return int(ctx.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.reference == order, LedgerEntry.kind == LedgerKind.ISSUE)) or 0)


@pytest.fixture
def on_dispatch(app: Any) -> Iterator[None]:
    current_app.config["STOCK_ISSUED_ON"] = "dispatch"
    yield
    current_app.config["STOCK_ISSUED_ON"] = "receipt"


def test_a_full_receipt_delivers_the_order_and_issues_what_was_reserved(world: Any) -> None:
    order = confirmed(world)
    dispatches.dispatch_out(world, order)
    assert (lot(world).on_hand, lot(world).reserved) == (1000, 300)  # in transit, not issued
    done = receipts.receive(world, order, {})
    assert done["status"] == "delivered" and done["receipt"]["differs"] is False
    assert done["receipt"]["lines"] == [{"item": TEST_ITEM, "sent": 300, "received": 300}]
    assert (lot(world).on_hand, lot(world).reserved) == (700, 0)
    assert issues(world, order) == 1 and stock.verify(world)[1] == []


def test_a_receipt_with_a_difference_is_recorded_with_its_reason_and_told(world: Any) -> None:
    order = confirmed(world)
    done = receipts.receive(world, order, {TEST_ITEM: 280}, "20 L spilt on the road")
    receipt = world.scalar(select(DispatchReceipt))
    assert receipt.differs and receipt.reason == "20 L spilt on the road"
    assert receipt.lines == [{"item": TEST_ITEM, "sent": 300, "received": 280}]
    assert done["status"] == "delivered"
    # the ledger issues what left the depot; the difference is recorded, not re-stocked
    assert (lot(world).on_hand, lot(world).reserved) == (700, 0)
    note = world.scalar(select(Notification).where(Notification.kind == "receipt_differs"))
    assert order in note.subject_en and "300 → 280" in note.body
    assert note.area_id == world.get(Dispatch, receipt.dispatch_id).incident.district_id
    assert world.scalar(select(AuditEntry).where(AuditEntry.entity == "dispatch_receipts"))


def test_a_difference_without_a_reason_is_refused_and_nothing_moves(world: Any) -> None:
    order = confirmed(world)
    with pytest.raises(ValidationFailed) as refused:
        receipts.receive(world, order, {TEST_ITEM: 250}, "  ")
    assert refused.value.field == "reason"
    assert world.scalar(select(Dispatch).where(Dispatch.code == order)).status.value \
        == "reserved"
    assert lot(world).reserved == 300 and world.scalar(select(DispatchReceipt)) is None


@pytest.mark.parametrize("counted", [{TEST_ITEM: 301}, {TEST_ITEM: -1}, {"QUILT": 1}])
def test_more_than_sent_a_negative_count_or_an_item_not_sent_is_refused(
        world: Any, counted: dict[str, int]) -> None:
    order = confirmed(world)
    with pytest.raises(ValidationFailed) as refused:
        receipts.receive(world, order, counted, "miscount")
    assert refused.value.field == "lines"
    assert lot(world).reserved == 300


def test_an_order_is_received_once(world: Any) -> None:
    order = confirmed(world)
    receipts.receive(world, order, {})
    with pytest.raises(Conflict):
        receipts.receive(world, order, {TEST_ITEM: 1}, "again")
    with pytest.raises(Conflict):
        dispatches.deliver(world, order)
    assert issues(world, order) == 1


def test_issued_on_dispatch_the_receipt_issues_nothing_more_and_the_ledger_balances(
        world: Any, on_dispatch: None) -> None:
    order = confirmed(world)
    done = dispatches.dispatch_out(world, order)
    assert done["status"] == "dispatched" and done["issued"] and len(done["movements"]) == 1
    assert (lot(world).on_hand, lot(world).reserved) == (700, 0)
    received = receipts.receive(world, order, {TEST_ITEM: 290}, "10 damaged")
    assert received["movements"] == [] and received["status"] == "delivered"
    assert issues(world, order) == 1 and lot(world).on_hand == 700
    assert stock.verify(world)[1] == []


def test_issued_on_receipt_dispatching_moves_no_stock(world: Any) -> None:
    order = confirmed(world)
    done = dispatches.dispatch_out(world, order)
    assert done["movements"] == [] and not done["issued"]
    assert issues(world, order) == 0


def test_a_dispatched_order_may_be_cancelled_only_while_its_stock_is_not_issued(
        world: Any) -> None:
    order = confirmed(world)
    dispatches.dispatch_out(world, order)
    dispatches.cancel(world, order, "the lorry turned back")
    assert (lot(world).on_hand, lot(world).reserved) == (1000, 0)
    current_app.config["STOCK_ISSUED_ON"] = "dispatch"
    try:
        other = confirmed(world, "TB", GRID_B)
        dispatches.dispatch_out(world, other)
    finally:
        current_app.config["STOCK_ISSUED_ON"] = "receipt"
    with pytest.raises(Conflict, match="issued"):
        dispatches.cancel(world, other)
    assert issues(world, other) == 1


def test_delivering_straight_from_reserved_still_issues_once(world: Any) -> None:
    order = confirmed(world)
    dispatches.deliver(world, order)
    with pytest.raises(Conflict):
        dispatches.dispatch_out(world, order)
    assert issues(world, order) == 1 and lot(world).on_hand == 700


def test_an_open_dispatched_order_keeps_the_incident_open(world: Any) -> None:
    order = confirmed(world)
    dispatches.dispatch_out(world, order)
    incident = world.scalar(select(Dispatch).where(Dispatch.code == order)).incident.code
    with pytest.raises(Conflict, match="still open"):
        incidents.close(world, incident)


def test_community_staff_receive_their_own_order_from_a_depot_outside_their_area(
        world: Any) -> None:
    order = confirmed(world, "TB", GRID_A)  # TB lies in S02: outside the staff's S01-C01
    with acting(world, "staff"):
        done = receipts.receive(world, order, {TEST_ITEM: 299}, "one carton torn")
    assert done["receipt"]["received_by"] == "staff" and issues(world, order) == 1


def test_staff_of_another_community_and_officials_are_refused(world: Any) -> None:
    order = confirmed(world, "TB", GRID_B)
    with acting(world, "staff"), pytest.raises(Forbidden):
        receipts.receive(world, order, {})
    with acting(world, "staff"), pytest.raises(Forbidden):
        dispatches.dispatch_out(world, order)
    with acting(world, "official"), pytest.raises(Forbidden):
        receipts.receive(world, order, {})
    assert issues(world, order) == 0


def test_an_exercise_records_the_receipt_and_moves_no_stock(world: Any) -> None:
    order = confirmed(world, exercise=True)
    before = world.scalars(select(LedgerEntry.id)).all()
    dispatches.dispatch_out(world, order)
    done = receipts.receive(world, order, {TEST_ITEM: 100}, "drill count")
    assert done["exercise"] and done["receipt"]["differs"]
    assert world.scalars(select(LedgerEntry.id)).all() == before


def test_the_summary_counts_what_was_received_where_a_receipt_counted_less(world: Any) -> None:
    order = confirmed(world)
    receipts.receive(world, order, {TEST_ITEM: 250}, "50 L leaked")
    found = world.scalar(select(Dispatch).where(Dispatch.code == order))
    rows = summary.item_rows(world, found.incident.plans[-1])
    differences = receipt_views.differences(world, found.incident)
    assert [(d["order"], d["sent"], d["received"], d["reason"]) for d in differences] == [
        (order, 300, 250, "50 L leaked")]
    summary.count_received(rows, differences)
    water = next(r for r in rows if r.code == TEST_ITEM)
    assert (water.confirmed, water.delivered) == (300, 250)


def test_a_count_above_what_was_sent_names_the_item_as_people_know_it(world: Any) -> None:
    """A walk-through saw "2975 units of DIAPER-INFANT were received": the item's code."""
    order = confirmed(world)
    with pytest.raises(ValidationFailed) as refused:
        receipts.receive(world, order, {TEST_ITEM: 301}, "miscount")
    assert "Test water" in refused.value.detail and TEST_ITEM not in refused.value.detail
