"""Community staff confirm a receipt on a 390 px phone, with a difference and its reason; the
order's card updates in place and the coordinator sees the difference on the incident."""
from __future__ import annotations

from typing import Any

from app.incidents import dispatches, receipts
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.services import AreaInput
from tests.helpers import shot, stored

PHONE = {"width": 390, "height": 844}


def confirmed(app: Any) -> tuple[str, str, str, int]:
    """A coordinator's confirmed plan into the staff's community; its first order handed over."""
    with stored(app) as session:
        code = incidents.declare(session, title="暴雨内涝 签收测试", hazard="flood", level=3,
                                 areas=[AreaInput("S01-C01-G01", affected=200, displaced=20)],
                                 duration_days=1)
        order = allocation.confirm(session, code, allocation.make_plan(session, code))[0]
        dispatches.dispatch_out(session, order)
        sent_by = receipts.sent_by_item(dispatches.load(session, order))
        item = max(sent_by, key=sent_by.__getitem__)
    return code, order, item, sent_by[item]


def fits_a_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    for button in page.locator("#my-community button").all():
        if button.is_visible():
            assert button.bounding_box()["height"] >= 44


def test_staff_confirm_a_receipt_on_a_phone_with_a_difference(app: Any,
                                                              open_page: Any) -> None:
    code, order, item, sent = confirmed(app)
    phone = open_page("staff", viewport=PHONE)
    phone.goto(phone.base + f"/incidents/{code}")
    card = phone.locator(f"#receipt-{order}")
    assert card.bounding_box()["y"] < 844  # on the first screen
    assert "已发出在途" in card.inner_text()
    reason = card.locator("[data-reason]")
    assert reason.is_hidden()  # nothing differs yet
    fits_a_phone(phone)
    shot(phone, "phone-receipt-zh")
    card.locator("details.receive > summary").click()  # the card opens its receipt form
    card.locator(f"input[name='received-{item}']").fill(str(sent - 3))
    assert reason.is_visible()  # a difference asks why
    card.locator("textarea[name=reason]").fill("3箱被水浸湿")
    card.locator("button[type=submit]").click()
    done = phone.locator(f"#receipt-{order} .flash.ok")
    done.wait_for()
    assert phone.url.endswith(f"/incidents/{code}")  # swapped in place, no reload
    card = phone.locator(f"#receipt-{order}")
    assert "已送达" in card.inner_text() and "3箱被水浸湿" in card.inner_text()
    assert card.locator("form").count() == 0
    fits_a_phone(phone)
    shot(phone, "phone-receipt-done-zh")

    desk = open_page("coordinator")
    desk.goto(desk.base + f"/incidents/{code}")
    line = desk.locator(".receipts-differ")
    assert "1 张签收单与发出数量不符" in line.inner_text()
    line.locator("a").click()
    table = desk.locator("table.receipt-differences")
    assert order in table.inner_text() and "3箱被水浸湿" in table.inner_text()
    shot(desk, "incident-receipt-differences-zh")
    desk.goto(desk.base + "/lang/en")
    desk.goto(desk.base + f"/incidents/{code}")
    assert "1 receipt differs from what was sent" in desk.locator(".receipts-differ").inner_text()
    shot(desk, "incident-receipt-differences-en")


def test_the_phone_view_in_english_and_a_refusal_without_a_reason(app: Any,
                                                                  open_page: Any) -> None:
    code, order, item, sent = confirmed(app)
    phone = open_page("staff", viewport=PHONE)
    phone.goto(phone.base + "/lang/en")
    phone.goto(phone.base + f"/incidents/{code}")
    block = phone.locator("#my-community")
    assert "Receipts to confirm" in block.inner_text() and "Checklist" in block.inner_text()
    card = phone.locator(f"#receipt-{order}")
    card.locator("details.receive > summary").click()
    card.locator(f"input[name='received-{item}']").fill("0")
    card.locator("button[type=submit]").click()
    phone.locator(f"#receipt-{order} .flash.error").wait_for()
    card = phone.locator(f"#receipt-{order}")
    assert "Say why" in card.inner_text()
    assert card.locator(f"input[name='received-{item}']").input_value() == "0"
    assert card.locator("[data-reason]").is_visible()
    fits_a_phone(phone)
    shot(phone, "phone-receipt-en")
