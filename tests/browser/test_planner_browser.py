"""Plan a year of drills in Chromium: preview the timetable, create it, find it in the calendar."""
from __future__ import annotations

import re
from typing import Any

from tests.helpers import shot


def test_a_coordinator_previews_a_year_and_creates_it(open_page: Any) -> None:
    page = open_page("coordinator")
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.goto(page.base + "/drills/plan")
    page.fill("#start", "2027-01-01")
    page.fill("#end", "2027-12-31")
    page.fill("#blackout", "2027-06-01..2027-09-30\n2027-10-01..2027-10-07")
    assert page.locator("input[name=weekdays][value='5']").is_checked()
    assert page.locator("input[name=weekdays][value='6']").is_checked()
    assert not page.locator("input[name=weekdays][value='2']").is_checked()
    page.click("#planner button[type=submit]")
    page.wait_for_load_state()

    status = page.locator("#preview [data-status]").get_attribute("data-status")
    assert status in ("optimal", "feasible")
    rows = page.locator("table.timetable tbody tr")
    assert rows.count() >= 1
    assert page.locator("svg.bars rect").count() == 12
    assert all(re.search(r"2027", rows.nth(i).inner_text()) for i in range(rows.count()))
    button = page.locator("form.confirm-bar button[type=submit]")
    n = int(re.search(r"\d+", button.inner_text()).group())  # type: ignore[union-attr]
    assert n == rows.count()
    first_team = rows.first.locator("td").nth(3).inner_text()
    shot(page, "drill-planner-zh")

    button.click()
    page.wait_for_load_state()
    assert "/drills?month=2027-" in page.url
    flash = page.locator(".flash").inner_text()
    assert "DRL-2027-" in flash and str(n) in flash
    assert page.locator("main").inner_text().strip() != ""  # the calendar renders
    assert first_team  # the table named the team of each drill

    page.click("nav.nav a[href='/drills']")  # the Drills link opens the calendar
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/drills")
    foreign = [u for u in page.requests if not u.startswith(page.base)]
    assert foreign == [] and blocked == []
