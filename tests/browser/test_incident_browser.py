"""Declare an incident, read its plan on the map, confirm it and print the orders in Chromium."""
from __future__ import annotations

from typing import Any

from tests.helpers import shot

GRIDS = ("S01-C01-G01", "S01-C01-G02")


def declare_two_grids(page: Any) -> str:
    page.goto(page.base + "/incidents")
    page.click("a[href='/incidents/new']")
    page.wait_for_load_state()
    page.fill("#title", "暴雨内涝 浏览器测试")
    page.select_option("#hazard", "rainstorm")
    page.select_option("#level", "3")
    page.fill("[data-picker-find]", "S01-C01")
    assert page.locator("#c-S01-C02").is_hidden()  # the search narrows the list
    for grid in GRIDS:
        page.check(f"#g-{grid}")
    assert page.locator("#c-S01-C01").is_checked()  # both grids: the whole community
    page.fill(f"input[name='affected-{GRIDS[0]}']", "300")
    assert "2" in page.locator("[data-picker-count]").inner_text()
    shot(page, "incident-declare-zh")
    page.click("form.declare button[type=submit]")
    page.wait_for_load_state()
    assert "/incidents/INC-" in page.url
    return page.url.rsplit("/", 1)[-1]


def assert_labels_apart(page: Any, smallest_px: float = 9.0) -> None:
    """The map's shown labels, as the browser draws them: inside the map, none over another,
    and not too small to read on the screen."""
    shown = page.evaluate("""() => [...document.querySelectorAll('svg.map .map-label')]
        .filter(t => t.getBoundingClientRect().height > 0).map(t => {
            const b = t.getBBox(), r = t.getBoundingClientRect();
            return [b.x, b.y, b.x + b.width, b.y + b.height, r.height]; })""")
    assert shown, "no label is shown on the map"
    for i, (x0, y0, x1, y1, px) in enumerate(shown):
        assert x0 >= 0 and y0 >= 0 and x1 <= 640 and y1 <= 420
        assert px >= smallest_px, f"a label is {px:.1f}px high on screen"
        for a0, b0, a1, b1, _ in shown[i + 1:]:
            assert not (x0 < a1 - 0.5 and a0 < x1 - 0.5 and y0 < b1 - 0.5 and b0 < y1 - 0.5)


def test_declare_review_confirm_and_print_in_the_browser(open_page: Any) -> None:
    page = open_page("coordinator")
    code = declare_two_grids(page)
    assert "暴雨内涝 浏览器测试" in page.locator("h1").inner_text()
    summary = page.locator("table.item-summary tbody tr")
    assert summary.count() >= 10 and summary.first.bounding_box()["y"] < 800  # first screen
    assert page.locator("svg.map circle").count() == 2
    assert page.locator("svg.map .map-link.trip, svg.map .map-link.unvehicled").count() >= 1
    assert page.locator("ul.map-legend li").count() >= 6  # four bands, depot, trip at least
    assert_labels_apart(page)
    assert "300" in page.locator("#areas").inner_text()
    shot(page, "incident-plan-zh")
    page.click("#drill a[href$='/needs']")
    page.wait_for_load_state()
    assert page.locator("table.needs tbody tr").count() >= 2 * 10
    page.go_back()

    page.once("dialog", lambda dialog: dialog.accept())  # it says what it reserves first
    page.click("form.confirm-bar button[type=submit]")
    page.wait_for_load_state()
    assert "已确认" in page.locator(".flash").inner_text()
    rows = page.locator("#dispatches tbody tr")
    orders = rows.count()
    assert orders >= 1 and "已预留待发" in rows.first.inner_text()

    page.click("#dispatches a.button")  # print dispatch orders
    page.wait_for_load_state()
    assert page.locator("article.order").count() == orders
    assert code in page.locator("article.order").first.inner_text()
    assert page.locator("article.order td.lot").count() >= 1
    shot(page, "incident-print-zh")
    foreign = [u for u in page.requests if not u.startswith(page.base)]
    assert foreign == []


def test_the_incident_page_in_english_and_on_a_phone(open_page: Any) -> None:
    page = open_page("coordinator")
    code = declare_two_grids(page)
    page.goto(page.base + "/lang/en")
    page.goto(page.base + f"/incidents/{code}")
    assert "Supplies for the whole incident" in page.locator("#summary").inner_text()
    assert "Needs (ICS-215)" in page.locator("#drill").inner_text()
    assert "Level III response" in page.locator(".badges").inner_text()
    shot(page, "incident-plan-en")

    phone = open_page("staff", viewport={"width": 390, "height": 844})
    phone.goto(phone.base + f"/incidents/{code}")
    assert phone.locator("table.item-summary").is_visible()
    assert phone.locator("form.confirm-bar").count() == 0  # staff read the plan only
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    assert phone.locator("svg.map .map-labels.narrow").is_visible()
    assert_labels_apart(phone)  # the phone's larger labels: still apart, still legible
    shot(phone, "phone-incident-zh")
    foreign = [u for u in page.requests + phone.requests
               if not u.startswith((page.base, "data:"))]
    assert foreign == []


def test_confirmed_orders_say_where_who_signs_and_on_which_vehicle(open_page: Any) -> None:
    page = open_page("coordinator")
    code = declare_two_grids(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.confirm-bar button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("#dispatches tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        text = rows.nth(i).inner_text()
        assert "送达" in text and "S01-C01" in text, text  # the community's point
        assert "粤B" in text or "无车辆" in text, text  # its vehicle, or none to be found
    shot(page, "incident-orders-with-loads-zh")
    page.click("#dispatches a.button")
    page.wait_for_load_state()
    first = page.locator("article.order").first.inner_text()
    assert "送达" in first and "签收人" in first and "车辆" in first
    shot(page, "incident-print-loads-zh")

    phone = open_page("staff", viewport={"width": 390, "height": 844})
    phone.goto(phone.base + "/lang/en")
    phone.goto(phone.base + f"/incidents/{code}/dispatches")
    orders = phone.locator("#dispatches").inner_text()
    assert "Deliver to" in orders and "送达" not in orders
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    shot(phone, "phone-orders-en")


def test_a_checklist_tick_updates_the_checklist_in_place(open_page: Any) -> None:
    page = open_page("coordinator")
    declare_two_grids(page)
    page.evaluate("window.stayed = true")  # gone if the page reloads
    page.locator("#checklist button.primary").first.click()
    page.locator("#checklist .flash.ok").wait_for()
    assert page.evaluate("window.stayed === true")
    assert page.locator("#checklist li.done").count() == 1
    box = page.locator("#checklist .flash.ok").bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # the result stays in view
