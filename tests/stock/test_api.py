"""The ledger through the API alone: receipts, FEFO issues, transfers, refusals, summary."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.core.clock import district_today


def day(n: int) -> str:
    """A date n days from the district's today, taken when asked (a run may cross midnight)."""
    return (district_today() + timedelta(days=n)).isoformat()



def make_depot(admin: Any, code: str, area: str) -> None:
    resp = admin("post", "/api/v1/depots", json={"code": code, "name_zh": code, "area": area})
    assert resp.status_code == 201, resp.json


def receive(admin: Any, depot: str, lot: str, qty: int, expiry: str | None) -> Any:
    return admin("post", "/api/v1/stock/receipts", json={
        "depot": depot, "item": "FIRST-AID-KIT", "quantity": qty, "lot_number": lot,
        "expiry_date": expiry})


def ledger(admin: Any, **params: Any) -> list[dict[str, Any]]:
    resp = admin("get", "/api/v1/ledger", query_string={"per_page": 500, **params})
    assert resp.status_code == 200
    return resp.json["items"]


def test_receive_issue_fefo_transfer_and_summary(admin: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    make_depot(admin, "X2", "S01-C02")
    for lot, qty, expiry in (("LATE", 30, day(300)), ("EARLY", 10, day(20)),
                             ("MID", 20, day(100))):
        assert receive(admin, "X1", lot, qty, expiry).status_code == 201

    resp = admin("post", "/api/v1/stock/issues",
                 json={"depot": "X1", "item": "FIRST-AID-KIT", "quantity": 25})
    assert resp.status_code == 201, resp.json
    taken = [(m["lot_number"], m["quantity"]) for m in resp.json["movements"]]
    assert taken == [("EARLY", 10), ("MID", 15)]  # first expired, first out

    resp = admin("post", "/api/v1/stock/transfers", json={
        "from_depot": "X1", "to_depot": "X2", "item": "FIRST-AID-KIT", "quantity": 8})
    assert resp.status_code == 201, resp.json
    assert [(m["lot_number"], m["quantity"]) for m in resp.json["in"]] == [("MID", 5),
                                                                          ("LATE", 3)]
    lots = admin("get", "/api/v1/lots", query_string={"depot": "X2"}).json["items"]
    assert {(x["lot_number"], x["on_hand"], x["expiry_date"]) for x in lots} == {
        ("MID", 5, day(100)), ("LATE", 3, day(300))}

    summary = admin("get", "/api/v1/stock/summary",
                    query_string={"area": "S01", "item": "FIRST-AID-KIT"}).json
    row = summary["items"][0]
    demo_qty = _demo_stock(admin, "S01")
    assert row["on_hand"] == demo_qty + 60 - 25  # the transfer stays inside S01
    assert row["expiring_soon"] >= 0 and row["days_covered"] is None  # an event-only norm
    assert row["coverage"] is not None


def _demo_stock(admin: Any, area: str) -> int:
    lots = admin("get", "/api/v1/lots", query_string={"area": area, "item": "FIRST-AID-KIT",
                                                      "per_page": 500}).json["items"]
    return sum(x["on_hand"] for x in lots if x["depot"] not in {"X1", "X2"})


def test_over_issue_answers_409_and_changes_nothing(admin: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    receive(admin, "X1", "A", 5, day(50))
    receive(admin, "X1", "B", 5, day(60))
    before = ledger(admin, depot="X1")

    resp = admin("post", "/api/v1/stock/issues",
                 json={"depot": "X1", "item": "FIRST-AID-KIT", "quantity": 11})
    assert resp.status_code == 409
    assert resp.mimetype == "application/problem+json"
    assert resp.json["field"] == "quantity" and resp.json["available"] == 10
    assert "10" in resp.json["detail"]
    assert ledger(admin, depot="X1") == before
    lots = admin("get", "/api/v1/lots", query_string={"depot": "X1"}).json["items"]
    assert sum(x["on_hand"] for x in lots) == 10


def test_expired_lot_cannot_be_issued_even_when_named(admin: Any, app: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    receive(admin, "X1", "OLD", 10, day(1))
    receive(admin, "X1", "NEW", 4, day(90))
    tomorrow_plus = district_today() + timedelta(days=2)  # the OLD lot has expired by then
    with app.app_context():
        from app.core import db
        from app.core.actor import set_actor, system_actor
        from app.core.errors import ExpiredStock, InsufficientStock
        from app.stock import services as stock
        set_actor(system_actor("test"))
        with pytest.raises(ExpiredStock):
            stock.issue(db.session(), depot="X1", item="FIRST-AID-KIT", quantity=1,
                        lot_number="OLD", on=tomorrow_plus)
        with pytest.raises(InsufficientStock) as exc:
            stock.issue(db.session(), depot="X1", item="FIRST-AID-KIT", quantity=5,
                        on=tomorrow_plus)
        assert "10 expired" in exc.value.detail


def test_expired_lot_is_refused_through_the_api(admin: Any, app: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    receive(admin, "X1", "OLD", 10, day(0))
    _age_lot(app, "OLD", day(-1))
    resp = admin("post", "/api/v1/stock/issues", json={
        "depot": "X1", "item": "FIRST-AID-KIT", "quantity": 1, "lot_number": "OLD"})
    assert resp.status_code == 409 and resp.json["field"] == "lot_number"
    assert "expired" in resp.json["detail"]
    resp = admin("post", "/api/v1/stock/reservations", json={
        "depot": "X1", "item": "FIRST-AID-KIT", "quantity": 1, "reference": "INC-1"})
    assert resp.status_code == 409


def _age_lot(app: Any, lot_number: str, expiry: str) -> None:
    """Let time pass: move a lot's expiry into the past (lot metadata, not a quantity)."""
    from sqlalchemy import update

    from app.core import db
    from app.models import StockLot
    with app.app_context():
        session = db.session()
        session.execute(update(StockLot).where(StockLot.lot_number == lot_number)
                        .values(expiry_date=date.fromisoformat(expiry)))
        session.commit()


def test_write_off_takes_expired_stock_out_through_the_ledger(admin: Any, app: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    lot_id = receive(admin, "X1", "OLD", 10, day(0)).json["lot_id"]
    assert admin("post", "/api/v1/stock/write-offs", json={"lot_id": lot_id}).status_code == 409
    _age_lot(app, "OLD", day(-3))
    resp = admin("post", "/api/v1/stock/write-offs", json={"lot_id": lot_id})
    assert resp.status_code == 201 and resp.json["on_hand_after"] == 0
    assert ledger(admin, lot_id=lot_id)[0]["kind"] == "write_off"


def test_reservation_holds_units_back_until_released(admin: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    receive(admin, "X1", "A", 10, day(40))
    resp = admin("post", "/api/v1/stock/reservations", json={
        "depot": "X1", "item": "FIRST-AID-KIT", "quantity": 7, "reference": "INC-9"})
    assert resp.status_code == 201
    over = admin("post", "/api/v1/stock/issues",
                 json={"depot": "X1", "item": "FIRST-AID-KIT", "quantity": 4})
    assert over.status_code == 409  # only 3 unreserved
    assert admin("post", "/api/v1/stock/releases",
                 json={"reference": "INC-9"}).status_code == 201
    ok = admin("post", "/api/v1/stock/issues",
               json={"depot": "X1", "item": "FIRST-AID-KIT", "quantity": 10})
    assert ok.status_code == 201
    assert admin("get", "/api/v1/stock/verify").json["ok"] is True


def test_adjustment_needs_a_reason(admin: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    lot_id = receive(admin, "X1", "A", 10, day(40)).json["lot_id"]
    resp = admin("post", "/api/v1/stock/adjustments", json={"lot_id": lot_id, "delta": -2})
    assert resp.status_code == 422 and resp.json["field"] == "reason"
    resp = admin("post", "/api/v1/stock/adjustments",
                 json={"lot_id": lot_id, "delta": -2, "reason": "count: 2 damaged"})
    assert resp.status_code == 201 and resp.json["on_hand_after"] == 8


def test_no_endpoint_sets_a_quantity_directly(admin: Any) -> None:
    make_depot(admin, "X1", "S01-C01")
    lot_id = receive(admin, "X1", "A", 10, day(40)).json["lot_id"]
    for method in ("put", "patch", "delete"):
        resp = admin(method, f"/api/v1/lots/{lot_id}", json={"on_hand": 999})
        assert resp.status_code == 405
    assert admin("get", f"/api/v1/lots/{lot_id}").json["on_hand"] == 10


def test_bad_quantities_are_422_naming_the_field(admin: Any) -> None:
    for bad in (0, -1, 2.5, "3", None):
        resp = admin("post", "/api/v1/stock/issues",
                     json={"depot": "DEP-D01", "item": "WATER-DRINK", "quantity": bad})
        assert resp.status_code == 422, bad
        assert resp.json["field"] == "quantity"


def test_unknown_depot_is_404_naming_the_field(admin: Any) -> None:
    resp = admin("post", "/api/v1/stock/issues",
                 json={"depot": "NOPE", "item": "WATER-DRINK", "quantity": 1})
    assert resp.status_code == 404 and resp.json["field"] == "depot"
