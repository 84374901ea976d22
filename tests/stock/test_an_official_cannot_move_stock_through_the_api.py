"""Divergence 5: officials (read-only, here the street-level demo user `official` of S01) move
stock through the API.

The depot page refuses an official's stock form with 403 (web.common.require("stock")), but
the seven stock endpoints of the API answer 201: the stock services (receive, issue,
transfer, adjust, write_off, reserve, release) never call access.require_writer("stock").
Each must answer a 403 problem and change nothing: the ledger and every lot as they were.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.core.clock import district_today
from app.models import Depot, Item, LedgerEntry, StockLot
from tests.helpers import api, count, is_problem, page_token, signed_in, stored

DEPOT, OTHER_DEPOT = "DEP-S01", "DEP-S01-C01"


def _lots(app: Any) -> list[tuple[int, int, int]]:
    with stored(app) as session:
        return [(lot.id, lot.on_hand, lot.reserved)
                for lot in session.scalars(select(StockLot).order_by(StockLot.id))]


def _a_lot(app: Any, *, expired: bool = False) -> tuple[int, str, str]:
    """A lot of DEP-S01 with stock (moved past its expiry when asked): id, item, lot number."""
    with stored(app) as session:
        lot = session.scalars(select(StockLot).join(Depot).where(
            Depot.code == DEPOT, StockLot.on_hand > StockLot.reserved + 2)
            .order_by(StockLot.id)).first()
        assert lot is not None
        if expired:
            lot.expiry_date = district_today() - timedelta(days=3)
        item = session.get_one(Item, lot.item_id).code
        return lot.id, item, lot.lot_number


def _reservation(admin: Any, item: str) -> str:
    resp = admin("post", "/api/v1/stock/reservations", json={
        "depot": DEPOT, "item": item, "quantity": 1, "reference": "REG-5"})
    assert resp.status_code == 201, resp.json
    return "REG-5"


def _request(app: Any, admin: Any, operation: str) -> tuple[str, dict[str, Any]]:
    if operation == "write-off":  # the lot must have expired first
        lot_id, _item, _number = _a_lot(app, expired=True)
        return "/api/v1/stock/write-offs", {"lot_id": lot_id}
    lot_id, item, _number = _a_lot(app)
    return {
        "receipt": ("/api/v1/stock/receipts", {"depot": DEPOT, "item": item, "quantity": 5,
                                                "lot_number": "REG-5-NEW"}),
        "issue": ("/api/v1/stock/issues", {"depot": DEPOT, "item": item, "quantity": 1}),
        "transfer": ("/api/v1/stock/transfers", {"from_depot": DEPOT, "to_depot": OTHER_DEPOT,
                                                 "item": item, "quantity": 1}),
        "adjustment": ("/api/v1/stock/adjustments", {"lot_id": lot_id, "delta": -1,
                                                     "reason": "盘点少一件"}),
        "reservation": ("/api/v1/stock/reservations", {"depot": DEPOT, "item": item,
                                                       "quantity": 1, "reference": "REG-5-O"}),
        "release": ("/api/v1/stock/releases", {"reference": _reservation(admin, item)})
        if operation == "release" else ("", {}),
    }[operation]


OPERATIONS = ["receipt", "issue", "transfer", "adjustment", "write-off", "reservation",
              "release"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_official_gets_403_and_the_ledger_stays_as_it_was(app: Any, client: Any,
                                                             admin: Any, auth: Any,
                                                             operation: str) -> None:
    url, body = _request(app, admin, operation)
    entries, lots = count(app, LedgerEntry), _lots(app)
    resp = api(client, auth("official"))("post", url, json=body)
    assert is_problem(resp, 403), (
        f"{operation} by the official answered {resp.status_code}: "
        f"{resp.get_data(as_text=True)[:200]}")
    assert count(app, LedgerEntry) == entries
    assert _lots(app) == lots


def test_the_same_move_as_staff_still_works(app: Any, client: Any, demo: Any,
                                            auth: Any) -> None:
    """A control (passes today): community staff may issue from their own depot."""
    with stored(app) as session:
        lot = session.scalars(select(StockLot).join(Depot).where(
            Depot.code == OTHER_DEPOT, StockLot.on_hand > StockLot.reserved)).first()
        item = session.get_one(Item, lot.item_id).code
    resp = api(client, auth("staff"))("post", "/api/v1/stock/issues", json={
        "depot": OTHER_DEPOT, "item": item, "quantity": 1})
    assert resp.status_code == 201, resp.json


def test_the_depot_page_refuses_the_official(app: Any, demo: Any) -> None:
    """The page door (passes today)."""
    entries = count(app, LedgerEntry)
    page = signed_in(app, "official")
    resp = page.post(f"/depots/{DEPOT}", data={
        "csrf_token": page_token(page), "action": "receive", "receive-item": "QUILT",
        "receive-quantity": "5", "receive-lot_number": "REG-5-PAGE"})
    assert resp.status_code == 403
    assert count(app, LedgerEntry) == entries
