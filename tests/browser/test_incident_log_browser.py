"""The incident log in Chromium: declare, confirm, deliver one order, add a situation report,
open the log — every step is listed, in Chinese, in English and on a phone."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import shot

GRIDS = ("S01-C01-G01", "S01-C01-G02")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d4944415478da63f8cfc0f01f0005000201a1e3d2b40000000049454e44ae426082")


def declare(page: Any) -> str:
    page.goto(page.base + "/incidents/new")
    page.fill("#title", "暴雨内涝 日志测试")
    page.select_option("#hazard", "rainstorm")
    page.select_option("#level", "3")
    page.fill("[data-picker-find]", "S01-C01")
    for grid in GRIDS:
        page.check(f"#g-{grid}")
    page.click("form.declare button[type=submit]")
    page.wait_for_load_state()
    return page.url.rsplit("/", 1)[-1]


def test_the_log_shows_every_step(open_page: Any, tmp_path: Path) -> None:
    page = open_page("coordinator")
    page.on("dialog", lambda dialog: dialog.accept())
    code = declare(page)
    page.click("form.confirm-bar button[type=submit]")
    page.wait_for_load_state()
    page.goto(page.base + f"/incidents/{code}/dispatches")
    order = page.locator("#dispatches tbody tr").first.locator("td").first.inner_text().split()[0]
    page.locator("#dispatches form[action$='/deliver'] button").first.click()
    page.wait_for_load_state()
    page.goto(page.base + f"/incidents/{code}")
    page.click(f"a[href='/incidents/{code}/log']")
    page.wait_for_load_state()

    photo = tmp_path / "water.png"
    photo.write_bytes(PNG)
    page.fill("#sitrep-text", "桥下积水 0.8 米，已转移 40 人")
    page.select_option("#sitrep-area", GRIDS[0])
    page.fill("#sitrep-evacuated", "40")
    page.set_input_files("#sitrep-photo", str(photo))
    page.click("#sitrep button[type=submit]")  # htmx swaps the log part in place
    page.wait_for_selector("#log-part .flash.ok")
    timeline = page.locator("#timeline").inner_text()
    for step in ("宣布启动 Ⅲ 级响应", "生成方案 1", "方案 1 已确认", f"调拨单 {order}：已送达",
                 "已发送", "桥下积水 0.8 米", "已转移：40"):
        assert step in timeline, step
    assert page.locator(".log-photo img").count() == 1
    assert page.locator("#sitrep-text").input_value() == ""  # a fresh form for the next one
    shot(page, "incident-log-zh")

    page.select_option(".log-filter select", "sitrep")
    page.click(".log-filter button")
    page.wait_for_load_state()
    assert page.locator("li.log-entry").count() == 1

    page.goto(page.base + "/lang/en")
    page.goto(page.base + f"/incidents/{code}/log")
    english = page.locator("#timeline").inner_text()
    assert "Declared at level Ⅲ" in english and f"Order {order}: Delivered" in english
    shot(page, "incident-log-en")
    foreign = [u for u in page.requests if not u.startswith(page.base)]
    assert foreign == []


def test_the_log_on_a_phone_keeps_to_its_width(open_page: Any) -> None:
    page = open_page("coordinator")
    code = declare(page)
    phone = open_page("staff", viewport={"width": 390, "height": 844})
    phone.goto(phone.base + f"/incidents/{code}/log")
    phone.fill("#sitrep-text", "社区道路中断")
    phone.click("#sitrep button[type=submit]")
    phone.wait_for_selector("#log-part .flash.ok")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    assert "社区道路中断" in phone.locator("#timeline").inner_text()
    shot(phone, "phone-incident-log-zh")
