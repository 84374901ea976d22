"""Community staff draft and submit their contingency plan; the street official approves it
and downloads the PDF, in Chromium."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import shot

PLAN = "P-S01-C01"


def test_staff_submit_and_the_official_approves_and_downloads(open_page: Any) -> None:
    staff = open_page("staff")
    staff.goto(staff.base + "/plans")
    with staff.expect_navigation():
        staff.click(f"#plan-{PLAN} a[href='/plans/{PLAN}']")
    assert staff.locator("a[href*='edition=restricted']").count() == 0
    staff.fill("form.new-draft input[name='draft-note']", "首次编制")
    with staff.expect_navigation():
        staff.click("form.new-draft button[type=submit]")
    assert staff.locator(".flash.ok").count() == 1
    with staff.expect_navigation():
        staff.click(f"form[action='/plans/{PLAN}/versions/1/submit'] button")
    assert staff.locator("tr#v1 .status").first.inner_text().strip() == "已提交待审批"
    assert staff.locator(f"form[action='/plans/{PLAN}/versions/1/approve']").count() == 0

    official = open_page("official")
    official.goto(official.base + f"/plans/{PLAN}")
    official.fill("#review-comment", "同意发布")
    shot(official, "plan-review-zh")
    with official.expect_navigation():
        official.click("form.review-form button.primary")
    assert official.locator(".flash.ok").count() == 1
    row = official.locator("tr#v1")
    assert row.locator(".status").first.inner_text().strip() == "已批准"
    links = row.locator("a[href*='/pdf?']")
    assert links.count() == 4  # Chinese, English, and both restricted editions
    assert row.locator("a[href*='edition=restricted']").count() == 2
    shot(official, "plan-approved-zh")
    with official.expect_download() as info:
        row.locator("a[href*='lang=en'][href*='edition=public']").click()
    download = info.value
    assert download.suggested_filename == f"{PLAN}_v1_en.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
