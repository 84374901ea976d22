"""The flood on the full demo district, run from the control room in Chromium as the people
who act: the coordinator confirms the plan (asked first, with its numbers), prints one depot's
pick list, cancels two orders at once and delivers one; community staff confirm a receipt on
a 390 px phone with a difference; the coordinator closes the incident with its open orders in
one confirmed step; the log shows every step. The ledger is checked behind the pages."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.incidents.enums import DispatchStatus
from app.incidents.models import Dispatch
from app.stock import services as stock
from app.stock.enums import LedgerKind
from app.stock.models import LedgerEntry
from tests.helpers import shot, system

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ORDER = re.compile(r"INC-\d{8}-\d{3}-P\d+-\d{3}")


def _orders(app: Any, code: str) -> list[Dispatch]:
    with system(app) as session:
        rows = session.scalars(select(Dispatch).join(Dispatch.incident)
                               .where(Dispatch.incident.has(code=code))
                               .order_by(Dispatch.id)).all()
        for d in rows:  # loaded while the session is open
            _ = d.depot.code, d.area.code, d.status
        return list(rows)


def _ledger_kinds(app: Any, reference: str) -> list[LedgerKind]:
    with system(app) as session:
        return list(session.scalars(select(LedgerEntry.kind)
                                    .where(LedgerEntry.reference == reference)))


def _balanced(app: Any) -> None:
    with system(app) as session:
        checked, mismatches = stock.verify(session)
    assert checked > 0 and mismatches == []


def test_the_flood_is_run_from_the_control_room(open_full_page: Any, full_demo: dict[str, str],
                                                app: Any) -> None:
    code = full_demo["flood"]
    desk = open_full_page("coordinator", viewport=DESKTOP)
    asked: list[str] = []
    desk.on("dialog", lambda d: (asked.append(d.message), d.accept()))

    # confirming asks first, with what it will reserve, then opens the board
    desk.goto(desk.base + f"/incidents/{code}")
    desk.click("form.confirm-bar button[type=submit]")
    desk.wait_for_url(f"**/incidents/{code}/dispatches")
    assert asked and re.search(r"\d[\d,]* ", asked[-1]), asked
    orders = _orders(app, code)
    assert len(orders) > 10 and all(d.status is DispatchStatus.RESERVED for d in orders)
    shot(desk, "scenario-board-zh")

    # one depot's pick list holds its own orders and no other
    depot = orders[0].depot.code
    desk.goto(desk.base + f"/incidents/{code}/dispatches/pick-list?depot={depot}")
    shown = set(ORDER.findall(desk.locator("main").inner_text()))
    assert shown == {d.code for d in orders if d.depot.code == depot}
    shot(desk, "scenario-pick-list-zh")

    # two orders not bound for the staff's community, cancelled at once after the numbers
    staff_area = "S01-C01"
    chosen = [d.code for d in orders if not d.area.code.startswith(staff_area)][:2]
    desk.goto(desk.base + f"/incidents/{code}/dispatches")
    for order in chosen:
        desk.check(f"input[name=dispatch][value='{order}']")
    desk.click("#bulk button[value=cancel]")
    panel = desk.locator("#bulk-panel .confirm-panel")
    panel.wait_for()
    assert "2" in panel.inner_text()
    panel.locator("button[type=submit]").click()
    desk.locator("#board .flash.ok").wait_for()
    for d in orders:
        kinds = _ledger_kinds(app, d.code)
        if d.code in chosen:
            assert LedgerKind.RELEASE in kinds, d.code
        else:
            assert LedgerKind.RELEASE not in kinds, d.code
    _balanced(app)

    # community staff count one arrival on a phone: three units short, and why
    mine = next(d.code for d in orders if d.area.code.startswith(staff_area))
    phone = open_full_page("staff", viewport=PHONE)
    phone.goto(phone.base + "/lang/en")
    phone.goto(phone.base + f"/incidents/{code}")
    card = phone.locator(f"#receipt-{mine}")
    card.locator("details.receive > summary").click()
    field = card.locator("input[name^=received-]").first
    sent = int(field.input_value())
    field.fill(str(sent - 3))
    card.locator("textarea[name=reason]").fill("3 boxes soaked on the way")
    card.locator("button[type=submit]").click()
    phone.locator(f"#receipt-{mine} .flash.ok").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "scenario-receipt-phone-en")
    assert LedgerKind.ISSUE in _ledger_kinds(app, mine)  # issued on receipt, once
    desk.goto(desk.base + f"/incidents/{code}")
    assert desk.locator(".receipts-differ").count() == 1

    # closing with the rest of the orders open: one confirmed step
    desk.goto(desk.base + f"/incidents/{code}/close")
    what = desk.locator(".confirm-panel").inner_text()
    assert re.search(r"\d+", what)
    shot(desk, "scenario-close-zh")
    desk.click(".confirm-form button[type=submit]")
    desk.wait_for_load_state()
    statuses = {d.code: d.status for d in _orders(app, code)}
    assert all(s in (DispatchStatus.DELIVERED, DispatchStatus.CANCELLED)
               for s in statuses.values())
    assert statuses[mine] is DispatchStatus.DELIVERED
    _balanced(app)

    # the log has every step, with who
    desk.goto(desk.base + "/lang/en")
    desk.goto(desk.base + f"/incidents/{code}/log")
    timeline = desk.locator("#timeline").inner_text()
    short = f"Receipt recorded for {mine}: 3 units fewer than sent (3 boxes soaked on the way)"
    for step in ("Declared at level Ⅲ", "Plan 1 made", "confirmed", "Cancelled", short,
                 "Response closed", "Notified"):
        assert step in timeline, step
    shot(desk, "scenario-log-en")
