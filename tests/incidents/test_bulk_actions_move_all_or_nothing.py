"""Bulk deliver and cancel on the dispatch board, and closing an incident with its open
orders: all or nothing, through the ledger, the same at the service, the API and the CLI."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.incidents import board, dispatches
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.enums import DispatchStatus
from app.incidents.services import AreaInput
from app.models import Dispatch, LedgerEntry, StockLot
from app.stock import services as stock
from app.stock.enums import LedgerKind
from tests.helpers import PROBLEM, cli

AREAS = ("S01-C01-G01", "S01-C02-G01", "S02-C01-G01", "S02-C02")


def confirmed(session: Any, exercise: bool = False) -> tuple[str, list[str]]:
    """An incident over both streets with its first plan confirmed: several depots' orders."""
    code = incidents.declare(session, title="看板", hazard="flood", level=3, duration_days=1,
                             areas=[AreaInput(a) for a in AREAS], exercise=exercise)
    return code, allocation.confirm(session, code, allocation.make_plan(session, code))


def entries(session: Any, references: list[str], kind: LedgerKind) -> Counter[tuple[int, int]]:
    """(lot, units) of the ledger entries of a kind under these references."""
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.reference.in_(references),
                                                     LedgerEntry.kind == kind))
    return Counter((e.lot_id, abs(e.reserved_delta)) for e in rows)


def reserved_lines(session: Any, codes: list[str]) -> Counter[tuple[int, int]]:
    return Counter((s.lot_id, s.quantity) for c in codes for s in dispatches.load(session, c)
                   .shipments)


def test_a_bulk_cancel_releases_exactly_the_selected_reservations(ctx: Any, demo: Any) -> None:
    code, orders = confirmed(ctx)
    chosen, others = orders[:3], orders[3:]
    board.settle_many(ctx, code, chosen, "cancel", "road closed")
    assert entries(ctx, chosen, LedgerKind.RELEASE) == reserved_lines(ctx, chosen)
    assert entries(ctx, others, LedgerKind.RELEASE) == Counter()
    assert entries(ctx, others, LedgerKind.RESERVATION) == reserved_lines(ctx, others)
    statuses = dict(ctx.execute(select(Dispatch.code, Dispatch.status)).all())
    assert {statuses[c] for c in chosen} == {DispatchStatus.CANCELLED}
    assert {statuses[c] for c in others} == {DispatchStatus.RESERVED}
    checked, bad = stock.verify(ctx)
    assert checked > 0 and bad == []


def test_the_previews_numbers_equal_what_the_action_then_moves(ctx: Any, demo: Any) -> None:
    code, orders = confirmed(ctx)
    for action, chosen, kind in (("deliver", orders[:2], LedgerKind.ISSUE),
                                 ("cancel", orders[2:5], LedgerKind.RELEASE)):
        said = board.preview(ctx, code, chosen, action)
        moved = board.settle_many(ctx, code, chosen, action)
        assert said == moved
        rows = ctx.execute(select(LedgerEntry.lot_id, StockLot.item_id, StockLot.depot_id,
                                  LedgerEntry.reserved_delta)
                           .join(StockLot, StockLot.id == LedgerEntry.lot_id)
                           .where(LedgerEntry.reference.in_(chosen),
                                  LedgerEntry.kind == kind)).all()
        assert said["orders"] == len(chosen) and said["dispatches"] == chosen
        assert said["units"] == -sum(r[3] for r in rows) > 0
        assert said["lots"] == len({r[0] for r in rows})
        assert said["items"] == len({r[1] for r in rows})
        assert said["depots"] == len({r[2] for r in rows})


def test_a_bulk_action_with_one_order_no_longer_open_moves_nothing_and_names_it(
        ctx: Any, demo: Any) -> None:
    code, orders = confirmed(ctx)
    dispatches.deliver(ctx, orders[1])
    before = ctx.scalar(select(func.count()).select_from(LedgerEntry))
    with pytest.raises(Conflict) as refused:
        board.settle_many(ctx, code, [orders[0], orders[1], orders[2]], "cancel")
    assert orders[1] in refused.value.detail and refused.value.field == "dispatches"
    assert ctx.scalar(select(func.count()).select_from(LedgerEntry)) == before
    statuses = dict(ctx.execute(select(Dispatch.code, Dispatch.status)).all())
    assert statuses[orders[0]] is statuses[orders[2]] is DispatchStatus.RESERVED
    with pytest.raises(Conflict):
        board.preview(ctx, code, [orders[0], orders[1]], "deliver")


def test_unknown_codes_empty_selections_and_bad_actions_are_refused_by_name(
        ctx: Any, demo: Any) -> None:
    code, orders = confirmed(ctx)
    other, _ = confirmed(ctx)
    for codes, action, error, field in (([orders[0], "NOPE-1"], "cancel", NotFound, "dispatches"),
                                        ([], "cancel", ValidationFailed, "dispatches"),
                                        ([orders[0]], "burn", ValidationFailed, "action")):
        with pytest.raises(error) as refused:
            board.settle_many(ctx, code, codes, action)
        assert refused.value.field == field
    with pytest.raises(NotFound):  # an order of another incident is not one of this one's
        board.settle_many(ctx, other, [orders[0]], "cancel")
    assert dispatches.load(ctx, orders[0]).status is DispatchStatus.RESERVED


def test_closing_with_open_orders_in_one_step_cancels_them_all_and_closes(
        ctx: Any, demo: Any) -> None:
    code, orders = confirmed(ctx)
    dispatches.deliver(ctx, orders[0])
    with pytest.raises(Conflict) as refused:  # without the flag the old refusal stays
        incidents.close(ctx, code)
    assert str(len(orders) - 1) in refused.value.detail
    said = board.closing(ctx, code)
    assert said["orders"] == len(orders) - 1 and said["teams"] > 0
    released = incidents.close(ctx, code, release_open=True, reason="over")
    assert released == orders[1:]
    assert entries(ctx, released, LedgerKind.RELEASE) == reserved_lines(ctx, released)
    assert said["units"] == sum(n * k for (_lot, n), k in entries(
        ctx, released, LedgerKind.RELEASE).items())
    found = incidents.load(ctx, code)
    assert found.status.value == "closed"
    assert all(m.status.value == "stood_down" for m in found.mobilisations)
    assert stock.verify(ctx)[1] == []


def test_an_exercise_bulk_cancel_moves_no_stock(ctx: Any, demo: Any) -> None:
    code, orders = confirmed(ctx, exercise=True)
    moved = board.settle_many(ctx, code, orders, "cancel")
    assert moved["exercise"] and moved["orders"] == len(orders)
    assert entries(ctx, orders, LedgerKind.RELEASE) == Counter()


def test_the_api_bulk_door_previews_acts_and_refuses_with_problems(
        app: Any, client: Any, admin: Any, auth: Any) -> None:
    from tests.helpers import system

    with system(app) as session:
        code, orders = confirmed(session)
    url = f"/api/v1/incidents/{code}/dispatches/bulk"
    said = admin("post", url, json={"action": "cancel", "dispatches": orders[:2],
                                    "preview": True})
    assert said.status_code == 200 and said.json["preview"] and said.json["orders"] == 2
    assert admin("get", f"/api/v1/dispatches/{orders[0]}").json["status"] == "reserved"
    done = admin("post", url, json={"action": "cancel", "dispatches": orders[:2],
                                    "reason": "路断"})
    assert done.status_code == 200 and {k: v for k, v in done.json.items() if k != "preview"} \
        == {k: v for k, v in said.json.items() if k != "preview"}
    assert admin("get", f"/api/v1/dispatches/{orders[0]}").json["status"] == "cancelled"
    for body, status, field in (
            ({"action": "cancel", "dispatches": [orders[0], orders[2]]}, 409, "dispatches"),
            ({"action": "cancel", "dispatches": ["NOPE"]}, 404, "dispatches"),
            ({"action": "burn", "dispatches": [orders[2]]}, 422, "action"),
            ({"action": "cancel", "dispatches": []}, 422, "dispatches"),
            ({"action": "cancel"}, 422, "dispatches")):
        resp = admin("post", url, json=body)
        assert resp.status_code == status and resp.mimetype == PROBLEM, (body, resp.json)
        assert field in str(resp.json), (body, resp.json)
    assert admin("get", f"/api/v1/dispatches/{orders[2]}").json["status"] == "reserved"
    official = client.post(url, headers=auth("official"),
                           json={"action": "cancel", "dispatches": [orders[2]]})
    assert official.status_code == 403 and official.mimetype == PROBLEM


def test_staff_cannot_slip_another_communitys_order_into_a_bulk_action(
        app: Any, client: Any, admin: Any, auth: Any) -> None:
    from tests.helpers import system

    with system(app) as session:
        code, orders = confirmed(session)
        mine = [d.code for d in session.scalars(select(Dispatch)) if d.area.code == "S01-C01"]
        foreign = [c for c in orders if c not in mine]
    assert mine and foreign
    resp = client.post(f"/api/v1/incidents/{code}/dispatches/bulk", headers=auth("staff"),
                       json={"action": "cancel", "dispatches": [*mine, foreign[0]]})
    assert resp.status_code == 403 and resp.mimetype == PROBLEM
    assert resp.json["field"] == "dispatches"
    assert {admin("get", f"/api/v1/dispatches/{c}").json["status"] for c in orders} \
        == {"reserved"}


def test_the_api_close_door_refuses_open_orders_unless_told_to_release_them(
        app: Any, admin: Any) -> None:
    from tests.helpers import system

    with system(app) as session:
        code, orders = confirmed(session)
    refused = admin("post", f"/api/v1/incidents/{code}/close")
    assert refused.status_code == 409 and refused.json["field"] == "incident"
    assert str(len(orders)) in refused.json["detail"]
    closed = admin("post", f"/api/v1/incidents/{code}/close",
                   json={"release_open": True, "reason": "结束"})
    assert closed.status_code == 200, closed.json
    assert closed.json["status"] == "closed" and closed.json["released"] == orders
    assert admin("get", "/api/v1/stock/verify").json["ok"]


def test_the_cli_doors_for_bulk_and_close(app: Any, demo: Any) -> None:
    from tests.helpers import system

    with system(app) as session:
        code, orders = confirmed(session)
    said = cli(app, "incidents", "bulk", code, "--action", "deliver", "--preview", *orders[:2])
    assert said.exit_code == 0 and "would deliver 2 dispatch orders" in said.output
    done = cli(app, "incidents", "bulk", code, "--action", "deliver", *orders[:2])
    assert done.exit_code == 0 and "delivered 2 dispatch orders" in done.output
    again = cli(app, "incidents", "bulk", code, "--action", "cancel", orders[0], orders[2])
    assert again.exit_code != 0 and orders[0] in again.output
    refused = cli(app, "incidents", "close", code)
    assert refused.exit_code != 0 and str(len(orders) - 2) in refused.output
    closed = cli(app, "incidents", "close", code, "--release-open", "--reason", "over")
    assert closed.exit_code == 0, closed.output
    assert f"{len(orders) - 2} open dispatch orders cancelled" in closed.output
    with system(app) as session:
        statuses = Counter(d.status for d in session.scalars(select(Dispatch)))
        assert statuses == {DispatchStatus.DELIVERED: 2,
                            DispatchStatus.CANCELLED: len(orders) - 2}
        assert stock.verify(session)[1] == []


def test_an_official_cannot_preview_or_settle_in_bulk(ctx: Any, demo: Any) -> None:
    from app.accounts.models import User
    from app.accounts.services import principal_of
    from app.core.actor import reset_actor, set_actor

    code, orders = confirmed(ctx)
    official = ctx.scalar(select(User).where(User.username == "official"))
    token = set_actor(principal_of(official))
    try:
        for run in (lambda: board.preview(ctx, code, orders, "cancel"),
                    lambda: board.settle_many(ctx, code, orders, "cancel")):
            with pytest.raises(Forbidden):
                run()
    finally:
        reset_actor(token)
