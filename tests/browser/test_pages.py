"""Sign in as each role, see the right things, and do the daily jobs in a real browser."""
from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import shot

NAV = "nav.nav"


@pytest.mark.parametrize(("user", "sees", "does_not_see"), [
    ("admin", ["用户", "操作日志", "导入"], []),
    ("coordinator", ["操作日志", "导入"], ["用户"]),
    ("official", ["操作日志"], ["用户", "导入"]),
    ("staff", ["导入"], ["用户", "操作日志"]),
])
def test_each_role_reaches_its_dashboard_with_its_own_menu(open_page: Any, user: str,
                                                           sees: list[str],
                                                           does_not_see: list[str]) -> None:
    page = open_page(user)
    assert page.url.rstrip("/") == page.base
    assert page.locator("h1").first.is_visible()
    menu = page.locator(NAV).inner_text()
    for text in sees:
        assert text in menu
    for text in does_not_see:
        assert text not in menu


def test_staff_dashboard_shows_only_their_community(open_page: Any) -> None:
    page = open_page("staff")
    assert "S01-C01" in page.locator("h1").inner_text()
    assert "S02" not in page.locator("main").inner_text()


def test_staff_get_a_403_page_for_another_community_even_by_url(open_page: Any) -> None:
    page = open_page("staff")
    for path in ("/shelters/SH-S01-C02", "/areas/S02", "/?area=S02", "/depots/DEP-D01"):
        response = page.goto(page.base + path)
        assert response.status == 403, path
        assert "不在您的负责范围" in page.locator("h1").inner_text()
        assert page.locator(NAV).is_visible()  # a page, not a crash


def test_receive_stock_through_the_form(open_page: Any) -> None:
    page = open_page("coordinator")
    page.goto(page.base + "/depots/DEP-S01")
    form = page.locator("section#receive form")
    form.locator("select").select_option("FIRST-AID-KIT")
    form.locator("input[name=receive-quantity]").fill("40")
    form.locator("input[name=receive-lot_number]").fill("E2E-LOT-1")
    form.locator("input[name=receive-expiry_date]").fill("2031-05-01")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已记入台账" in page.locator(".flash").inner_text()
    row = page.locator("tr", has_text="E2E-LOT-1")
    assert "40" in row.inner_text()
    row.locator("a").click()
    assert "入库" in page.locator("table.grid").inner_text()  # the ledger shows the receipt


def test_a_failed_form_keeps_what_was_typed_and_says_why(open_page: Any) -> None:
    page = open_page("coordinator")
    page.goto(page.base + "/depots/DEP-S01")
    form = page.locator("section#issue form")
    form.locator("select").select_option("QUILT")
    form.locator("input[name=issue-quantity]").fill("99999999")
    form.locator("input[name=issue-reason]").fill("typhoon drill")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    form = page.locator("section#issue form")
    assert "无法出库" in form.locator(".error").inner_text()
    assert form.locator("input[name=issue-reason]").input_value() == "typhoon drill"
    assert form.locator("input[name=issue-quantity]").input_value() == "99999999"


def test_one_tap_occupancy_update_on_a_phone(open_page: Any) -> None:
    page = open_page("staff", viewport={"width": 390, "height": 844})
    page.goto(page.base + "/shelters/SH-S01-C01")
    box = page.locator("form.occupancy input[type=number]")
    before = int(box.input_value())
    page.locator("form.occupancy button[data-step='10']").click()
    page.locator("form.occupancy button[data-step='1']").click()
    assert int(box.input_value()) == before + 11
    page.locator("form.occupancy button[type=submit]").click()
    page.wait_for_load_state()
    assert f"{before + 11}" in page.locator(".flash").inner_text()
    assert "staff" in page.locator("table.grid").inner_text()  # in the history, with who
    shot(page, "phone-shelter-zh")


def test_switching_language_changes_every_label(open_page: Any) -> None:
    page = open_page("coordinator")
    assert "总览" in page.locator(NAV).inner_text()
    page.click("a.lang")
    page.wait_for_load_state()
    assert "Dashboard" in page.locator(NAV).inner_text()
    assert "Days of water and food covered" in page.locator("main").inner_text()
    page.goto(page.base + "/shelters")
    assert "People now" in page.locator("table").inner_text()
    page.click("a.lang")
    page.wait_for_load_state()
    assert "当前人数" in page.locator("table").inner_text()


MAIN_PAGES = ["/", "/?area=S01", "/areas", "/depots", "/depots/DEP-S01", "/lots?expiring=30",
              "/shelters", "/shelters/SH-S01-C01", "/teams", "/teams/T-D01-R1", "/levels",
              "/users", "/audit", "/import"]


def test_main_pages_in_both_languages_with_no_other_host(open_page: Any) -> None:
    page = open_page("admin")
    for lang in ("zh", "en"):
        page.goto(page.base + f"/lang/{lang}")
        for path in MAIN_PAGES:
            response = page.goto(page.base + path)
            assert response.status == 200, path
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-")
            shot(page, f"{lang}-{name or 'dashboard'}")
    foreign = [u for u in page.requests if not u.startswith(page.base)]
    assert foreign == []


def test_sign_out_then_pages_need_sign_in_again(open_page: Any) -> None:
    page = open_page("official")
    page.click("form.inline button")
    page.wait_for_load_state()
    assert "/login" in page.url
    page.goto(page.base + "/shelters")
    assert "/login" in page.url


def test_wrong_password_says_so_on_the_form(open_page: Any) -> None:
    page = open_page(None)
    page.goto(page.base + "/login")
    page.fill("#username", "staff")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator("main").inner_text()
    assert page.locator("#username").input_value() == "staff"
