"""The community's phone view and the receipt form: htmx swaps one order's card, a plain
POST redirects; the depot's button hands an order over; the coordinator sees differences."""
from __future__ import annotations

import re
from typing import Any

from app.incidents import dispatches, receipts
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.services import AreaInput
from tests.helpers import page_token, signed_in, stored

GRID = "S01-C01-G01"  # the demo staff's community S01-C01


def confirmed(app: Any) -> tuple[str, str, str, int]:
    """(incident, order, an item it carries, units sent) of a confirmed plan into GRID."""
    with stored(app) as session:
        code = incidents.declare(session, title="receipts", hazard="flood", level=3,
                                 areas=[AreaInput(GRID, affected=200, displaced=20)],
                                 duration_days=1)
        order = allocation.confirm(session, code, allocation.make_plan(session, code))[0]
        sent_by = receipts.sent_by_item(dispatches.load(session, order))
        item = max(sent_by, key=sent_by.__getitem__)  # the most units: at least 5
    return code, order, item, sent_by[item]


def test_staff_see_their_orders_first_with_a_form_prefilled_to_what_was_sent(
        app: Any, demo: Any) -> None:
    code, order, item, sent = confirmed(app)
    staff = signed_in(app, "staff")
    html = staff.get(f"/incidents/{code}").get_data(as_text=True)
    assert html.index('id="my-community"') < html.index('id="summary"')
    card = html[html.index(f'id="receipt-{order}"'):]
    assert f'name="received-{item}"' in card and f'value="{sent}"' in card
    coordinator = signed_in(app, "coordinator")
    assert 'id="my-community"' not in coordinator.get(f"/incidents/{code}").get_data(
        as_text=True)


def test_an_htmx_receipt_swaps_only_its_card_and_a_refusal_keeps_what_was_typed(
        app: Any, demo: Any) -> None:
    code, order, item, sent = confirmed(app)
    staff = signed_in(app, "staff")
    token = page_token(staff, f"/incidents/{code}")
    hx = {"HX-Request": "true"}
    refused = staff.post(f"/dispatches/{order}/receipt", headers=hx, data={
        "csrf_token": token, f"received-{item}": str(sent - 5), "reason": ""})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and body.lstrip().startswith("<article")
    assert "<html" not in body and 'class="flash error"' in body
    assert f'value="{sent - 5}"' in body
    done = staff.post(f"/dispatches/{order}/receipt", headers=hx, data={
        "csrf_token": token, f"received-{item}": str(sent - 5), "reason": "5 boxes wet"})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and 'class="flash ok"' in body, body
    assert "5 boxes wet" in body and "<form" not in body  # received: no form left
    coordinator = signed_in(app, "coordinator")
    page = coordinator.get(f"/incidents/{code}").get_data(as_text=True)
    assert re.search(r"1 张签收单与发出数量不符", page)
    table = page[page.index('id="receipt-differences"'):]
    assert order in table and "5 boxes wet" in table


def test_without_javascript_a_receipt_posts_and_comes_back_to_the_incident(
        app: Any, demo: Any) -> None:
    code, order, item, sent = confirmed(app)
    staff = signed_in(app, "staff")
    token = page_token(staff, f"/incidents/{code}")
    resp = staff.post(f"/dispatches/{order}/receipt",
                      data={"csrf_token": token, f"received-{item}": str(sent)})
    assert resp.status_code == 302 and resp.location.endswith(f"/incidents/{code}#receipt-{order}")
    page = staff.get(f"/incidents/{code}").get_data(as_text=True)
    assert "全数收到" in page and "已送达" in page


def test_the_depot_hands_an_order_over_from_the_dispatch_orders_page(
        app: Any, demo: Any) -> None:
    code, order, _item, _sent = confirmed(app)
    coordinator = signed_in(app, "coordinator")
    page = coordinator.get(f"/incidents/{code}/dispatches").get_data(as_text=True)
    assert f"/dispatches/{order}/dispatch" in page and "已发出（已交接）" in page
    token = page_token(coordinator, f"/incidents/{code}/dispatches")
    resp = coordinator.post(f"/dispatches/{order}/dispatch", data={"csrf_token": token})
    assert resp.status_code == 302
    page = coordinator.get(f"/incidents/{code}/dispatches").get_data(as_text=True)
    assert "已发出在途" in page and f"/dispatches/{order}/dispatch" not in page
    assert f"/dispatches/{order}/deliver" in page and f"/dispatches/{order}/cancel" in page
