"""The incident control room on the full demo district (110 communities, 51 depots), in
Chromium at desktop (1366 px) and phone (390 px) widths, in Chinese and in English: the first
screen is the per-item summary, and the page before drill-down stays under 4,000 px for the
four-community flood and for a whole-district incident, before and after its plan is
confirmed."""
from __future__ import annotations

from typing import Any

import pytest

from app.core.errors import Conflict
from app.incidents.allocation import services as allocation
from tests.helpers import shot, system

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TALLEST = 4000  # px: the floor for the page before drill-down, at desktop width
HEADING = {"zh": "全事件物资汇总", "en": "Supplies for the whole incident"}


def _in(page: Any, lang: str) -> None:
    page.goto(page.base + f"/lang/{lang}")


def _first_screen(page: Any, code: str, lang: str, name: str) -> int:
    """Open the incident page; the per-item summary is on the first screen; its height."""
    page.goto(page.base + f"/incidents/{code}")
    assert HEADING[lang] in page.locator("#summary h2").inner_text()
    rows = page.locator("table.item-summary tbody tr")
    assert rows.count() >= 10
    first = rows.first.bounding_box()
    shot(page, name)
    assert first is not None and first["y"] + first["height"] <= page.viewport_size["height"], \
        f"the summary's first row starts at {first} on a {page.viewport_size} screen"
    return int(page.evaluate("document.documentElement.scrollHeight"))


def _fits(page: Any, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what}: {width} px wide on a 390 px phone"


def _confirm(app: Any, code: str) -> None:
    """The coordinator confirms the newest plan (made afresh if stock moved meanwhile)."""
    with system(app) as session:
        plan = allocation.get_plan(session, code, None)
        try:
            allocation.confirm(session, code, plan.number)
        except Conflict as exc:
            allocation.confirm(session, code, exc.extra["fresh_plan"])


@pytest.mark.parametrize("case", ["flood", "district"])
def test_the_first_screen_is_the_summary_and_the_page_stays_short(
        open_full_page: Any, full_demo: dict[str, str], app: Any, case: str) -> None:
    code = full_demo[case]
    desk = open_full_page("coordinator", viewport=DESKTOP)
    heights = {}
    for lang in ("zh", "en"):
        _in(desk, lang)
        heights[("proposed", lang)] = _first_screen(desk, code, lang, f"control-{case}-{lang}")
    _confirm(app, code)
    for lang in ("zh", "en"):
        _in(desk, lang)
        heights[("confirmed", lang)] = _first_screen(desk, code, lang,
                                                     f"control-{case}-confirmed-{lang}")
    too_tall = {k: h for k, h in heights.items() if h >= TALLEST}
    assert too_tall == {}, f"{case}: pages of {too_tall} px at 1366 px"

    phone = open_full_page("coordinator", viewport=PHONE)
    for lang in ("zh", "en"):
        _in(phone, lang)
        _first_screen(phone, code, lang, f"phone-control-{case}-{lang}")
        _fits(phone, f"{case} ({lang})")
    # community staff see their community first: what comes to them, to receive, and the
    # checklist; the incident's summary follows
    staff = open_full_page("staff", viewport=PHONE)
    for lang in ("zh", "en"):
        _in(staff, lang)
        staff.goto(staff.base + f"/incidents/{code}")
        block = staff.locator("#my-community")
        first = block.locator(".receipt-card").first.bounding_box()
        assert first is not None and first["y"] < PHONE["height"]
        assert staff.locator("table.item-summary").count() == 1
        _fits(staff, f"{case} staff ({lang})")
        shot(staff, f"phone-staff-{case}-{lang}")
    foreign = [u for u in desk.requests + phone.requests + staff.requests
               if not u.startswith((desk.base, "data:"))]
    assert foreign == []
