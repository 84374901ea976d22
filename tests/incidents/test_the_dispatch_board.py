"""The dispatch board page: filters that combine, counts and totals, bulk actions through a
confirmation in numbers (with and without htmx), closing with open orders, pick lists and
vehicle manifests, and the numbers before confirming a plan or delivering one order."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.models import PlanLoad
from app.incidents.services import AreaInput
from app.models import Dispatch, LedgerEntry
from app.stock.enums import LedgerKind
from tests.helpers import csrf_token, page_token, sign_in, signed_in, system

AREAS = ("S01-C01-G01", "S01-C02-G01", "S02-C01-G01", "S02-C02")
HTMX = {"HX-Request": "true"}


def confirmed(app: Any) -> tuple[str, dict[str, dict[str, Any]]]:
    """An incident over both streets, its plan confirmed; each order's depot, community,
    point, units and vehicles (plates, or 'none')."""
    with system(app) as session:
        code = incidents.declare(session, title="看板", hazard="flood", level=3,
                                 duration_days=1, areas=[AreaInput(a) for a in AREAS])
        allocation.confirm(session, code, allocation.make_plan(session, code))
        orders = {}
        loads = session.scalars(select(PlanLoad)).all()
        for d in session.scalars(select(Dispatch)):
            carried = [ld for ld in loads if ld.depot_id == d.depot_id and ld.plan_id == d.plan_id
                       and any(ln.area_id == d.area_id for ln in ld.lines)]
            orders[d.code] = {
                "depot": d.depot.code, "community": d.area.unit().code,
                "point": d.point.code if d.point else None, "path": d.area.path,
                "depot_path": d.depot.area.path, "units": sum(s.quantity for s in d.shipments),
                "lots": len(d.shipments),
                "vehicles": {ld.vehicle.plate if ld.vehicle else "none" for ld in carried}}
        return code, orders


def shown(client: Any, code: str, **query: str) -> set[str]:
    resp = client.get(f"/incidents/{code}/dispatches", query_string=query)
    assert resp.status_code == 200
    return set(re.findall(r'id="d-([^"]+)"', resp.get_data(as_text=True)))


def test_each_filter_narrows_the_board_and_they_combine(app: Any, client: Any,
                                                       demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    assert shown(client, code) == set(orders)
    one = next(iter(orders.values()))
    plate = next(p for o in orders.values() for p in o["vehicles"] if p != "none")
    for key, value, keep in (
            ("depot", one["depot"], lambda o: o["depot"] == one["depot"]),
            ("community", one["community"], lambda o: o["community"] == one["community"]),
            ("point", one["point"], lambda o: o["point"] == one["point"]),
            ("vehicle", plate, lambda o: plate in o["vehicles"]),
            ("vehicle", "none", lambda o: "none" in o["vehicles"])):
        wanted = {c for c, o in orders.items() if keep(o)}
        assert shown(client, code, **{key: value}) == wanted, (key, value)
        assert 0 < len(wanted) < len(orders) or key == "vehicle", (key, value)
    both = shown(client, code, depot=one["depot"], community=one["community"])
    assert both == {c for c, o in orders.items()
                    if o["depot"] == one["depot"] and o["community"] == one["community"]}
    assert shown(client, code, status="delivered") == set()
    assert shown(client, code, status="reserved") == set(orders)


def test_the_board_counts_each_status_and_totals_what_is_shown(app: Any, client: Any,
                                                              demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    depot = next(iter(orders.values()))["depot"]
    mine = [o for o in orders.values() if o["depot"] == depot]
    html = client.get(f"/incidents/{code}/dispatches?depot={depot}").get_data(as_text=True)
    totals = re.search(r'class="board-totals"><b>([^<]+)<', html).group(1)
    assert f"{len(mine)} 张调拨单" in totals
    assert f"{sum(o['units'] for o in mine):,} 件" in totals
    counts = html[html.index('class="board-counts"'):html.index('class="board-totals"')]
    assert re.search(rf"已预留待发 <b>{len(mine)}</b>", counts)
    assert re.search(r"已送达 <b>0</b>", counts)


def test_staff_see_only_the_orders_in_their_scope(app: Any, demo: Any) -> None:
    code, orders = confirmed(app)
    with system(app) as session:
        from app.models import Area
        path = session.scalar(select(Area.path).where(Area.code == "S01-C01"))
    staff = signed_in(app, "staff")
    wanted = {c for c, o in orders.items()
              if o["path"].startswith(path) or o["depot_path"].startswith(path)}
    assert wanted and wanted != set(orders)
    assert shown(staff, code) == wanted
    assert shown(staff, code, community="S02-C01") == set()
    official = signed_in(app, "official")
    html = official.get(f"/incidents/{code}/dispatches").get_data(as_text=True)
    assert 'id="bulk"' not in html and 'name="dispatch"' not in html  # officials read only


def _bulk_form(client: Any, code: str, chosen: list[str], action: str,
               headers: dict[str, str] | None = None) -> Any:
    token = page_token(client, f"/incidents/{code}/dispatches")
    return client.post(f"/incidents/{code}/dispatches/bulk/preview", headers=headers or {},
                       data={"csrf_token": token, "dispatch": chosen, "action": action})


def test_a_bulk_cancel_confirms_in_numbers_then_cancels_without_javascript(
        app: Any, client: Any, demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    chosen = sorted(orders)[:2]
    units = sum(orders[c]["units"] for c in chosen)
    page = _bulk_form(client, code, chosen, "cancel")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "取消 2 张调拨单：" in html and f"共 {units:,} 件退回" in html
    with system(app) as session:  # a preview moves nothing
        assert session.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.kind == LedgerKind.RELEASE)) == 0
    confirm = re.search(r'<form method="post" action="(/incidents/[^"]+/dispatches/bulk)"',
                        html).group(1)
    carried = re.findall(r'name="dispatch" value="([^"]+)"', html)
    assert sorted(carried) == chosen
    resp = client.post(confirm, data={"csrf_token": csrf_token(html), "dispatch": carried,
                                      "action": "cancel", "reason": "路断"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/incidents/{code}/dispatches")
    after = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"已取消 2 张调拨单：{units:,} 件物资退回" in after
    assert after.count('class="flash ok"') == 1  # said once, not again inside the board
    assert shown(client, code, status="cancelled") == set(chosen)


def test_with_htmx_the_preview_and_the_result_are_parts_with_their_message(
        app: Any, client: Any, demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    chosen = sorted(orders)[:2]
    panel = _bulk_form(client, code, chosen, "deliver", HTMX)
    html = panel.get_data(as_text=True)
    lots = sum(orders[c]["lots"] for c in chosen)
    assert panel.status_code == 200 and "<html" not in html and 'class="confirm-panel"' in html
    assert "送达 2 张调拨单" in html and "正式出库" in html
    token = page_token(client, f"/incidents/{code}/dispatches")
    part = client.post(f"/incidents/{code}/dispatches/bulk", headers=HTMX, data={
        "csrf_token": token, "dispatch": chosen, "action": "deliver"})
    body = part.get_data(as_text=True)
    assert part.status_code == 200 and "<html" not in body and 'class="board-counts"' in body
    assert "flash ok" in body and "已送达 2 张调拨单" in body
    again = client.post(f"/incidents/{code}/dispatches/bulk", headers=HTMX, data={
        "csrf_token": token, "dispatch": chosen, "action": "cancel"})
    text = again.get_data(as_text=True)
    assert again.status_code == 409 and "flash error" in text and chosen[0] in text
    assert lots >= 2


def test_select_all_shown_takes_every_open_order_under_the_filters(app: Any, client: Any,
                                                                  demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    depot = next(iter(orders.values()))["depot"]
    html = client.get(f"/incidents/{code}/dispatches?depot={depot}").get_data(as_text=True)
    bulk = html[html.index('id="bulk"'):html.index("</form>", html.index('id="bulk"'))]
    data: dict[str, Any] = {"csrf_token": csrf_token(html), "all_shown": "1",
                            "action": "cancel", "depot": depot,
                            "shown": re.findall(r'name="shown" value="([^"]+)"', bulk)}
    page = client.post(f"/incidents/{code}/dispatches/bulk/preview", data=data)
    mine = sorted(c for c, o in orders.items() if o["depot"] == depot)
    assert sorted(re.findall(r'name="dispatch" value="([^"]+)"',
                             page.get_data(as_text=True))) == mine


def test_closing_from_the_page_says_the_numbers_then_releases_the_open_orders(
        app: Any, client: Any, demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    detail = client.get(f"/incidents/{code}").get_data(as_text=True)
    assert f'href="/incidents/{code}/close"' in detail
    page = client.get(f"/incidents/{code}/close").get_data(as_text=True)
    units = sum(o["units"] for o in orders.values())
    depots = len({o["depot"] for o in orders.values()})
    assert f"取消 {len(orders)} 张未办结调拨单" in page
    assert f"共 {units:,} 件退回 {depots} 个储备库" in page
    assert 'name="release_open" value="1"' in page
    plain = client.post(f"/incidents/{code}/close", data={"csrf_token": csrf_token(page)})
    assert plain.status_code == 302  # without the flag: refused, said, nothing closed
    assert "还有" in client.get(plain.headers["Location"]).get_data(as_text=True)
    resp = client.post(f"/incidents/{code}/close", data={
        "csrf_token": csrf_token(page), "release_open": "1", "reason": "结束"})
    assert resp.status_code == 302
    closed = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"已取消 {len(orders)} 张未办结调拨单" in closed
    assert shown(client, code, status="cancelled") == set(orders)
    assert client.get(f"/incidents/{code}/close").status_code in (200, 409)


def test_a_depots_pick_list_shows_its_own_orders_only(app: Any, client: Any,
                                                      demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    depot = next(iter(orders.values()))["depot"]
    board = client.get(f"/incidents/{code}/dispatches").get_data(as_text=True)
    assert f"/incidents/{code}/dispatches/pick-list?depot={depot}" in board
    html = client.get(f"/incidents/{code}/dispatches/pick-list",
                      query_string={"depot": depot}).get_data(as_text=True)
    mine = {c for c, o in orders.items() if o["depot"] == depot}
    assert set(re.findall(rf"{code}-P1-\d{{3}}", html)) == mine
    with system(app) as session:
        ours = [(s.lot.lot_number, s.quantity) for d in session.scalars(select(Dispatch))
                if d.code in mine for s in d.shipments]
        theirs = {s.lot.lot_number for d in session.scalars(select(Dispatch))
                  if d.code not in mine for s in d.shipments}
        loads = session.scalar(select(func.count()).select_from(PlanLoad).join(PlanLoad.depot)
                               .where(PlanLoad.depot.has(code=depot)))
    picked = sum(int(q.replace(",", "")) for q in re.findall(
        r'<td class="num">([\d,]+)</td><td>[^<]*</td><td class="box">', html))
    assert picked == sum(n for _lot, n in ours)  # every unit to load, once
    assert all(lot in html for lot, _n in ours)
    assert not (theirs - {lot for lot, _n in ours}) & set(re.findall(
        r'class="lot">([^<]+)<', html))
    assert html.count('<article class="order sheet">') <= loads
    assert client.get(f"/incidents/{code}/dispatches/pick-list?depot=NOPE").status_code == 404
    index = client.get(f"/incidents/{code}/dispatches/pick-list").get_data(as_text=True)
    assert f"pick-list?depot={depot}" in index  # no depot named: the ones to choose from


def test_a_vehicle_manifest_shows_only_that_vehicles_loads(app: Any, client: Any,
                                                          demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    with system(app) as session:
        load = next(ld for ld in session.scalars(select(PlanLoad).order_by(PlanLoad.id))
                    if ld.vehicle is not None)
        plate, number = load.vehicle.plate, load.number
        on_it = {d.code for d in session.scalars(select(Dispatch))
                 if d.depot_id == load.depot_id and any(ln.area_id == d.area_id
                                                        for ln in load.lines)}
        units = sum(ln.quantity for ln in load.lines)
    board = client.get(f"/incidents/{code}/dispatches").get_data(as_text=True)
    assert "/dispatches/manifest?vehicle=" in board
    html = client.get(f"/incidents/{code}/dispatches/manifest",
                      query_string={"vehicle": plate}).get_data(as_text=True)
    assert html.count('<article class="order sheet">') == 1 and plate in html
    assert f"第 {number} 车次" in html or f"load {number}" in html or str(number) in html
    assert set(re.findall(rf"{code}-P1-\d{{3}}", html)) == on_it
    unloaded = sum(int(q.replace(",", "")) for q in re.findall(
        r'<td class="num">([\d,]+)</td><td>[^<]*</td><td class="box">', html))
    assert unloaded == units
    assert client.get(f"/incidents/{code}/dispatches/manifest?vehicle=NOPE").status_code == 404


def test_confirming_a_plan_and_delivering_an_order_say_their_numbers_first(
        app: Any, client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    with system(app) as session:
        code = incidents.declare(session, title="看板", hazard="flood", level=3,
                                 duration_days=1, areas=[AreaInput(a) for a in AREAS])
        number = allocation.make_plan(session, code)
    html = client.get(f"/incidents/{code}").get_data(as_text=True)
    said = re.search(r'class="confirm-bar" data-confirm="([^"]+)"', html).group(1)
    resp = client.post(f"/incidents/{code}/confirm", data={"csrf_token": csrf_token(html),
                                                           "plan": number})
    assert resp.status_code == 302
    with system(app) as session:
        rows = session.execute(select(LedgerEntry.lot_id, LedgerEntry.reserved_delta).where(
            LedgerEntry.kind == LedgerKind.RESERVATION)).all()
        opened = session.scalars(select(Dispatch)).all()
        depots = len({d.depot_id for d in opened})
        vehicles = len({ld.vehicle_id for ld in session.scalars(select(PlanLoad))
                        if ld.vehicle_id})
        first = opened[0]
        first_units = sum(s.quantity for s in first.shipments)
        first_code, first_lots = first.code, len(first.shipments)
    assert (f"将在 {depots} 个储备库预留" in said
            and f"共 {sum(r[1] for r in rows):,} 件" in said
            and f"生成 {len(opened)} 张调拨单（{vehicles} 辆车）" in said), said
    board = client.get(f"/incidents/{code}/dispatches").get_data(as_text=True)
    form = re.search(rf'action="/dispatches/{first_code}/deliver"[^>]*data-confirm="([^"]+)"',
                     board).group(1)
    assert f"正式出库 {first_units:,} 件（{first_lots} 个批次）" in form, form


def test_printing_takes_the_boards_filters(app: Any, client: Any, demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    depot = next(iter(orders.values()))["depot"]
    board = client.get(f"/incidents/{code}/dispatches?depot={depot}").get_data(as_text=True)
    assert f"/incidents/{code}/dispatches/print?depot={depot}" in board
    html = client.get(f"/incidents/{code}/dispatches/print?depot={depot}").get_data(as_text=True)
    mine = {c for c, o in orders.items() if o["depot"] == depot}
    assert html.count('<article class="order">') == len(mine) < len(orders)
    everything = client.get(f"/incidents/{code}/dispatches/print").get_data(as_text=True)
    assert everything.count('<article class="order">') == len(orders)


def test_delivering_one_order_with_htmx_answers_the_board_part_with_its_message(
        app: Any, client: Any, demo: Any) -> None:
    code, orders = confirmed(app)
    sign_in(client, "coordinator")
    first = sorted(orders)[0]
    token = page_token(client, f"/incidents/{code}/dispatches")
    resp = client.post(f"/dispatches/{first}/deliver", headers=HTMX,
                       data={"csrf_token": token})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body and "flash ok" in body
    row = body[body.index(f'id="d-{first}"'):].split("</tr>")[0]
    assert "已送达" in row
    again = client.post(f"/dispatches/{first}/deliver", headers=HTMX,
                        data={"csrf_token": token})
    assert again.status_code == 409 and "flash error" in again.get_data(as_text=True)
