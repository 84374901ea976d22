"""The dispatch board in Chromium: tick two orders, cancel them through the confirmation in
numbers, and see the message and the two rows change without the page reloading."""
from __future__ import annotations

from typing import Any

from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.services import AreaInput
from tests.helpers import shot, system

AREAS = ("S01-C01-G01", "S01-C02-G01", "S02-C01-G01", "S02-C02")


def test_a_bulk_cancel_through_the_confirmation_updates_the_board_in_place(
        app: Any, open_page: Any) -> None:
    with system(app) as session:
        code = incidents.declare(session, title="看板", hazard="flood", level=3,
                                 duration_days=1, areas=[AreaInput(a) for a in AREAS])
        orders = allocation.confirm(session, code, allocation.make_plan(session, code))
    page = open_page("coordinator")
    page.goto(page.base + f"/incidents/{code}/dispatches")
    page.evaluate("window.stayed = true")  # gone if the page reloads
    chosen = orders[:2]
    for order in chosen:
        page.check(f"input[name=dispatch][value='{order}']")
    assert page.locator("[data-selected-count]").inner_text().startswith("2 /")
    page.click("#bulk button[value=cancel]")
    panel = page.locator("#bulk-panel .confirm-panel")
    panel.wait_for()
    assert "取消 2 张调拨单" in panel.inner_text() and "退回" in panel.inner_text()
    shot(page, "board-bulk-confirm-zh")
    panel.locator("button[type=submit]").click()
    page.locator("#board .flash.ok").wait_for()
    assert page.evaluate("window.stayed === true")  # swapped in place, no full reload
    assert "已取消 2 张调拨单" in page.locator("#board .flash.ok").inner_text()
    assert page.locator("#board .flash.ok").is_visible()
    box = page.locator("#board .flash.ok").bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # the message is in view
    for order in chosen:
        assert "已取消" in page.locator(f"#d-{order}").inner_text()
    for order in orders[2:]:
        assert "已预留待发" in page.locator(f"#d-{order}").inner_text()
    shot(page, "board-bulk-done-zh")

    phone = open_page("coordinator", viewport={"width": 390, "height": 844})
    phone.goto(phone.base + f"/incidents/{code}/dispatches")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the board is {width}px wide on a 390px phone"
    foreign = [u for u in page.requests + phone.requests if not u.startswith(page.base)]
    assert foreign == []
