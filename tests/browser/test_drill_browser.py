"""Plan a repeating drill, find it on the calendar, record it and raise a corrective action,
then chase an overdue action on the board, in Chromium."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.core.clock import district_today
from tests.helpers import shot, system

TITLE = "季度消防疏散演练 浏览器"


def test_staff_plan_a_quarterly_drill_record_it_and_raise_an_action(open_page: Any) -> None:
    page = open_page("staff")
    page.goto(page.base + "/drills")
    page.click("a.button.primary[href^='/drills/new']")
    page.wait_for_load_state()
    assert page.locator("#area").input_value() == "S01-C01"  # their own community
    day = district_today() + timedelta(days=7)
    page.fill("#title", TITLE)
    page.fill("#date", day.isoformat())
    page.fill("#start_time", "09:30")
    page.select_option("#repeat", "quarterly")
    page.fill("#times", "4")
    assert page.locator("#teams input[type=checkbox]:checked").count() >= 1  # their teams
    shot(page, "drill-plan-zh")
    page.click("form.drill-form button[type=submit]")
    page.wait_for_load_state()
    assert "/drills/DRL-" in page.url
    assert "4" in page.locator(".flash.ok").inner_text()
    assert page.locator("ul.series li").count() == 4
    code = page.url.rsplit("/", 1)[-1]

    page.goto(page.base + f"/drills?month={day:%Y-%m}")
    chip = page.locator("a.drill-chip", has_text=TITLE)
    assert chip.count() == 1 and "drill-planned" in (chip.get_attribute("class") or "")
    if day.month == district_today().month:
        assert page.locator("td.today").count() == 1
    shot(page, "drill-calendar-zh")
    chip.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/drills/{code}")

    page.click(f"a[href='/drills/{code}/record']")
    page.wait_for_load_state()
    page.fill("input[name='att-0-present']", "9")
    assert page.locator("input[name='ms-0-target']").input_value() == "2:00"
    page.fill("input[name='ms-0-actual']", "4:10")
    page.fill("input[name='ev-1-time']", "09:32")
    page.fill("input[name='ev-1-text']", "全部人员到达集合点")
    page.fill("#improvements", "楼梯照明不足")
    shot(page, "drill-record-zh")
    page.click("form.record-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/drills/{code}")
    row = page.locator("table.measures tbody tr").first
    assert "4:10" in row.inner_text() and "2:00" in row.inner_text()
    assert row.locator(".mark.not-met").is_visible()
    assert page.locator("svg.timebar rect.actual.not-met").count() == 1

    form = page.locator("#actions form")
    form.locator("input[name='action-title']").fill("楼梯加装应急照明")
    form.locator("select[name='action-element']").select_option("equipment")
    due = form.locator("input[name='action-due_on']").input_value()
    assert due == (district_today() + timedelta(days=30)).isoformat()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "楼梯加装应急照明" in page.locator("#actions table").inner_text()
    shot(page, "drill-page-zh")
    foreign = [u for u in page.requests if not u.startswith((page.base, "data:"))]
    assert foreign == []


def test_coordinator_sees_an_overdue_action_in_red_and_closes_it(app: Any,
                                                                 open_page: Any) -> None:
    from app.drills import actions

    with system(app) as session:
        code = actions.create(session, {
            "area": "S01-C02", "title": "更换过期灭火器 浏览器", "element": "equipment",
            "owner": "李主任", "start_on": district_today() - timedelta(days=40),
            "due_on": district_today() - timedelta(days=6)})
    page = open_page("coordinator")
    page.goto(page.base + "/actions")
    card = page.locator(f"#card-{code}")
    assert "overdue" in (card.get_attribute("class") or "")
    assert card.locator(".late").get_attribute("data-days") == "6"
    colour = card.evaluate("el => getComputedStyle(el).borderLeftColor")
    assert colour == "rgb(215, 25, 28)"  # var(--red)
    assert page.locator(".col-open #card-" + code).count() == 1
    shot(page, "actions-board-zh")
    card.locator("input[name='closing_note']").fill("已更换 12 具灭火器")
    card.locator(".close-form button").click()
    page.wait_for_load_state()
    done = page.locator(f".col-done #card-{code}")
    assert done.count() == 1 and "已更换 12 具灭火器" in done.inner_text()
    assert "overdue" not in (done.get_attribute("class") or "")
