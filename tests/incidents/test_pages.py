"""The incident pages without a browser: declare by form, read by role, confirm, deliver, print."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from tests.helpers import csrf_token, sign_in, signed_in, system

GRID, OTHER = "S01-C01-G01", "S01-C01-G02"


def declare_form(client: Any, **over: Any) -> Any:
    token = csrf_token(client.get("/incidents/new").get_data(as_text=True))
    data = {"csrf_token": token, "title": "暴雨内涝", "hazard": "flood", "level": "3",
            "duration_days": "2", "pick": [GRID, OTHER], **over}
    return client.post("/incidents/new", data=data)


def declare(client: Any, **over: Any) -> str:
    resp = declare_form(client, **over)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    return resp.headers["Location"].rsplit("/", 1)[-1]


def page_of(client: Any, code: str, query: str = "") -> str:
    resp = client.get(f"/incidents/{code}{query}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_a_coordinator_declares_by_form_and_lands_on_the_needs_table(app: Any, client: Any,
                                                                     demo: Any) -> None:
    sign_in(client, "coordinator")
    resp = declare_form(client, **{f"affected-{GRID}": "200", f"displaced-{GRID}": "40"})
    assert resp.status_code == 302 and "/incidents/INC-" in resp.headers["Location"]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "暴雨内涝" in html and 'class="grid item-summary"' in html and "<svg" in html
    assert 'class="grid needs"' in page_of(client, resp.headers["Location"].rsplit("/", 1)[-1],
                                           "/needs")
    assert "flash ok" in html  # the flash says it is declared
    areas = html[html.index('id="areas"'):html.index('id="teams"')]
    assert GRID in areas and OTHER in areas and ">200<" in areas and ">40<" in areas
    listing = client.get("/incidents").get_data(as_text=True)
    assert "暴雨内涝" in listing and "处置中" in listing


def test_a_ticked_community_brings_all_its_grids_and_typed_codes_carry_counts(
        client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client, pick=[], community="S01-C01", areas="s01-c02-g01 300 60")
    areas = page_of(client, code).split('id="areas"')[1].split('id="teams"')[0]
    for grid in (GRID, OTHER, "S01-C02-G01"):
        assert grid in areas
    assert ">300<" in areas and ">60<" in areas


def test_bad_input_is_shown_beside_the_areas_and_nothing_is_created(client: Any,
                                                                    demo: Any) -> None:
    sign_in(client, "coordinator")
    for over, message in (({"pick": []}, "至少"),
                          ({"pick": [], "areas": "NOPE-9"}, "NOPE-9"),
                          ({"pick": ["S01-C01"], "areas": GRID}, "S01-C01"),
                          ({f"affected-{GRID}": "many"}, GRID)):
        resp = declare_form(client, title="保留的标题", **over)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, over
        picker = html[html.index('id="area-picker"'):html.index("</fieldset>")]
        assert "has-error" in html and message in picker.split("</legend>")[1][:600], over
        assert 'value="保留的标题"' in html  # what was typed is kept
    assert "INC-" not in client.get("/incidents").get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    resp = client.post("/incidents/new", data={"title": "x", "hazard": "fire", "level": "4",
                                               "duration_days": "1", "pick": [GRID]})
    assert resp.status_code == 400
    code = declare(client)
    assert client.post(f"/incidents/{code}/level", data={"level-level": "1"}).status_code == 400
    assert client.post(f"/incidents/{code}/confirm", data={"plan": "1"}).status_code == 400
    assert "INC-" in page_of(client, code) and "P1-001" not in page_of(client, code)


def test_staff_and_officials_read_but_see_no_forms_and_cannot_post(app: Any,
                                                                   demo: Any) -> None:
    code = declare(signed_in(app, "coordinator"))
    for user in ("staff", "official"):
        client = signed_in(app, user)
        listing = client.get("/incidents").get_data(as_text=True)
        assert code in listing and "/incidents/new" not in listing
        assert client.get("/incidents/new").status_code == 403
        html = page_of(client, code)
        assert 'class="grid item-summary"' in html
        assert 'class="grid needs"' in page_of(client, code, "/needs")
        for action in ("/level", "/confirm", "/tasks/", "/routes", "/plans", "/close"):
            assert f'action="/incidents/{code}{action}' not in html, (user, action)
        token = csrf_token(html)
        for url, data in ((f"/incidents/{code}/level", {"level-level": "1"}),
                          (f"/incidents/{code}/confirm", {"plan": "1"}),
                          (f"/incidents/{code}/plans", {}), ("/incidents/new", {})):
            resp = client.post(url, data={"csrf_token": token, **data})
            assert resp.status_code == 403, (user, url)
    assert "P1-001" not in page_of(signed_in(app, "coordinator"), code, "/dispatches")


def test_confirm_opens_dispatch_orders_to_deliver_and_print(app: Any, client: Any,
                                                           demo: Any) -> None:
    from app.models import Dispatch

    sign_in(client, "coordinator")
    code = declare(client)
    html = page_of(client, code)
    plan = re.search(r'name="plan"[^>]*value="(\d+)"', html)
    assert plan, "no hidden plan number"
    resp = client.post(f"/incidents/{code}/confirm", data={"csrf_token": csrf_token(html),
                                                           "plan": plan.group(1)})
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    orders = sorted(set(re.findall(rf"{code}-P1-\d{{3}}", html)))
    assert orders and "已预留待发" in html
    resp = client.post(f"/dispatches/{orders[0]}/deliver", data={"csrf_token": csrf_token(html)})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/incidents/{code}/dispatches")
    delivered = page_of(client, code, "/dispatches")
    row = delivered[delivered.index(f">{orders[0]}<"):].split("</tr>")[0]
    assert "已送达" in row
    with system(app) as session:
        dispatch = session.scalar(select(Dispatch).where(Dispatch.code == orders[0]))
        lots = {s.lot.lot_number for s in dispatch.shipments}
    printed = client.get(f"/incidents/{code}/dispatches/print").get_data(as_text=True)
    assert all(lot in printed for lot in lots) and printed.count('class="order"') == len(orders)
    single = client.get(f"/dispatches/{orders[0]}/print")
    assert single.status_code == 200 and all(lot in single.get_data(as_text=True)
                                             for lot in lots)


def test_an_exercise_is_marked_everywhere_and_prints_its_banner(client: Any,
                                                               demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client, exercise="y", title="防汛演练")
    html = page_of(client, code)
    assert "banner exercise" in html and "演练" in html
    plan = re.search(r'name="plan"[^>]*value="(\d+)"', html).group(1)
    client.post(f"/incidents/{code}/confirm", data={"csrf_token": csrf_token(html), "plan": plan})
    printed = client.get(f"/incidents/{code}/dispatches/print").get_data(as_text=True)
    assert "banner exercise" in printed and "演练" in printed


def test_when_the_stock_moved_confirm_says_so_and_shows_the_fresh_plan(app: Any, client: Any,
                                                                      demo: Any) -> None:
    from app.models import PlanShipment
    from app.stock import services as stock

    sign_in(client, "coordinator")
    code = declare(client)
    html = page_of(client, code)
    with system(app) as session:  # someone issues a planned lot before the confirmation
        shipment = session.scalars(select(PlanShipment)).first()
        lot = shipment.lot
        stock.issue(session, depot=lot.depot.code, item=lot.item.code, quantity=lot.available,
                    lot_number=lot.lot_number, reason="taken elsewhere")
    plan = re.search(r'name="plan"[^>]*value="(\d+)"', html).group(1)
    assert "banner stale" in page_of(client, code)  # the page offers a re-plan
    resp = client.post(f"/incidents/{code}/confirm", data={"csrf_token": csrf_token(html),
                                                           "plan": plan})
    assert resp.status_code == 302 and "plan=2" in resp.headers["Location"]
    fresh = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "flash error" in fresh and "P1-001" not in fresh
    assert re.search(r'name="plan"[^>]*value="2"', fresh)  # the fresh plan, ready to confirm


def test_level_change_checklist_and_route_rules_make_new_plans(client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client, level="4")
    html = page_of(client, code)
    token = csrf_token(html)
    resp = client.post(f"/incidents/{code}/level", data={"csrf_token": token, "level-level": "2"})
    assert resp.status_code == 302
    html = page_of(client, code)
    assert "二级响应" in html and re.search(r'name="plan"[^>]*value="2"', html)  # re-planned
    task = re.search(rf'action="/incidents/{code}/tasks/(\d+)"', html).group(1)
    client.post(f"/incidents/{code}/tasks/{task}", data={"csrf_token": token, "done": "1"})
    assert 'class="done"' in page_of(client, code)
    resp = client.post(f"/incidents/{code}/routes", data={
        "csrf_token": token, "route-depot": "DEP-S01", "route-area": GRID,
        "route-kind": "forbidden"})
    assert resp.status_code == 302
    html = page_of(client, code)
    assert "rule forbidden" in html and not re.search(
        r"<b>DEP-S01</b> → <b>S01-C01-G01</b>", html)
    resp = client.post(f"/incidents/{code}/routes", data={
        "csrf_token": token, "route-depot": "NOPE", "route-area": GRID, "route-kind": "pinned"})
    assert resp.status_code == 422 and "has-error" in resp.get_data(as_text=True)
    client.post(f"/incidents/{code}/routes/remove", data={
        "csrf_token": token, "depot": "DEP-S01", "area": GRID, "kind": "forbidden"})
    assert "rule forbidden" not in page_of(client, code)


def test_changing_the_areas_replans_at_once(client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client)
    token = csrf_token(page_of(client, code))
    resp = client.post(f"/incidents/{code}/areas", data={
        "csrf_token": token, "areas-areas": f"{GRID} 500 100\nS01-C02"})
    assert resp.status_code == 302
    html = page_of(client, code)
    areas = html.split('id="areas"')[1].split('id="teams"')[0]
    assert ">500<" in areas and "S01-C02-G01" in areas and "S01-C02-G02" in areas
    assert OTHER not in areas and re.search(r'name="plan"[^>]*value="2"', html)
    resp = client.post(f"/incidents/{code}/areas", data={"csrf_token": token,
                                                         "areas-areas": "NOPE-1"})
    assert resp.status_code == 422 and "NOPE-1" in resp.get_data(as_text=True)


def test_the_full_needs_table_filters_and_sorts_on_a_page_of_its_own(client: Any,
                                                                     demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client, pick=[], community=["S01-C01", "S01-C02", "S02-C01", "S02-C02"])

    def rows(query: str = "") -> list[tuple[str, str, int]]:
        html = page_of(client, code, "/needs" + query)
        table = html.split('class="grid needs"')[1].split("</table>")[0]
        out = []
        for row in re.findall(r'<tr class="[^"]*"><td class="code">([^<]+)</td><td>([^<]+)'
                              r'.*?<td class="num">([^<]+)</td></tr>', table, re.S):
            area, item, short = row
            out.append((area, item.strip(), 0 if short == "—" else int(short.replace(",", ""))))
        return out

    everything = rows()
    assert len(everything) >= 8 * 10
    assert 'class="grid needs"' not in page_of(client, code)  # not on the first page
    only = rows(f"?area={GRID}")
    assert only and {a for a, _, _ in only} == {GRID}
    water = rows("?item=WATER-DRINK")
    assert water and len({i for _, i, _ in water}) == 1 and len(water) < len(everything)
    short = rows("?short=1&sort=shortfall")
    assert short and all(s > 0 for _, _, s in short)
    assert [s for _, _, s in short] == sorted((s for _, _, s in short), reverse=True)
    assert len(short) == sum(1 for _, _, s in everything if s)


def test_english_labels_after_the_language_toggle(client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client)
    client.get("/lang/en")
    html = page_of(client, code)
    for text in ("Affected areas", "Supplies for the whole incident", "Needs (ICS-215)",
                 "Confirm plan 1", "Checklist", "Level III response", "Incidents"):
        assert text in html, text
    assert "Flood" in client.get("/incidents").get_data(as_text=True)


def test_incident_pages_answer_every_role_without_500_or_foreign_urls(app: Any,
                                                                      demo: Any) -> None:
    code = declare(signed_in(app, "coordinator"))
    for user in ("admin", "coordinator", "official", "staff"):
        client = signed_in(app, user)
        for path in ("/incidents", "/incidents?status=closed&sort=level", "/incidents?sort=x",
                     f"/incidents/{code}", f"/incidents/{code}?plan=99&needs=all&area=NOPE",
                     "/incidents/INC-NOPE", f"/incidents/{code}/dispatches/print",
                     "/dispatches/NOPE/print", "/incidents/new"):
            resp = client.get(path)
            assert resp.status_code < 500, (user, path)
            html = resp.get_data(as_text=True)
            urls = re.findall(r'(?:src|href|action)="([^"]+)"', html)
            assert all(u.startswith(("/", "#", "tel:")) for u in urls), (path, urls)
            assert "style=" not in html and "<script>" not in html


def test_the_incident_page_offers_hxl_and_edxl_downloads(app: Any, client: Any,
                                                         demo: Any) -> None:
    import csv
    import io
    import xml.etree.ElementTree as ET

    sign_in(client, "coordinator")
    code = declare(client)
    html = page_of(client, code)
    assert f"/incidents/{code}/exports/needs.csv" in html
    resp = client.get(f"/incidents/{code}/exports/needs.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][0].startswith("#") and len(rows) > 2  # header, HXL hashtags, data
    deliveries = client.get(f"/incidents/{code}/exports/deliveries.csv")
    assert deliveries.status_code == 200
    request_ = client.get(f"/incidents/{code}/exports/request-resource.xml")
    assert request_.status_code in (200, 409)  # 409: nothing falls short, nothing to request
    if request_.status_code == 200:
        assert ET.fromstring(request_.data).tag.endswith("EDXLResourceMessage")
    assert client.get(f"/incidents/{code}/exports/nothing.txt").status_code == 404
    staff = signed_in(app, "staff")
    other = declare(client, pick=["S02-C01-G01"])
    assert staff.get(f"/incidents/{other}/exports/needs.csv").status_code == 403


def test_delivering_an_order_asks_first_with_what_it_issues(client: Any, demo: Any) -> None:
    # "Delivering an order, which issues stock irreversibly, has no confirmation while
    # cancelling does"
    sign_in(client, "coordinator")
    code = declare(client)
    html = page_of(client, code)
    plan = re.search(r'name="plan"[^>]*value="(\d+)"', html).group(1)
    client.post(f"/incidents/{code}/confirm", data={"csrf_token": csrf_token(html), "plan": plan})
    orders = page_of(client, code, "/dispatches")
    forms = re.findall(r'<form method="post" action="/dispatches/([^/]+)/deliver"[^>]*>', orders)
    assert forms
    for form in re.findall(r'<form method="post" action="/dispatches/[^/]+/deliver"[^>]*>',
                           orders):
        assert "data-confirm=" in form and "批次" in form, form


def test_the_declare_page_names_each_element_once(client: Any, demo: Any) -> None:
    """The area picker and the typed-areas box had one id between them: a label or a test
    aimed at one reached the other."""
    import re

    sign_in(client, "coordinator")
    html = client.get("/incidents/new").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert ids and sorted({i for i in ids if ids.count(i) > 1}) == []


def test_ticking_a_task_with_htmx_answers_the_checklist_alone_with_its_message(
        client: Any, demo: Any) -> None:
    """The issue saw every action re-render the whole page and jump past its own message."""
    sign_in(client, "coordinator")
    code = declare(client, level="4")
    html = page_of(client, code)
    task = re.search(rf'action="/incidents/{code}/tasks/(\d+)"', html).group(1)
    resp = client.post(f"/incidents/{code}/tasks/{task}", data={"done": "1"},
                       headers={"HX-Request": "true", "X-CSRFToken": csrf_token(html)})
    part = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert part.count('id="checklist"') == 1 and "<html" not in part and 'id="summary"' not in part
    assert 'class="flash ok"' in part and 'class="done"' in part
    resp = client.post(f"/incidents/{code}/tasks/999999", data={"done": "1"},
                       headers={"HX-Request": "true", "X-CSRFToken": csrf_token(html)})
    assert resp.status_code in (404, 409, 422)
