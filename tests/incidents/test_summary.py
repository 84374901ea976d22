"""The incident's first screen: one row per item over the whole incident and one per affected
community, from a few grouped queries, agreeing with the plan's own rows and orders."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event, select

from app.core import db
from app.incidents import summary
from app.incidents.allocation import services as allocation
from app.incidents.views import plan_dict
from tests.helpers import csrf_token, sign_in, system


def declare(client: Any, **over: Any) -> str:
    """Declare a level III flood by the form (two grids of S01-C01 unless told)."""
    token = csrf_token(client.get("/incidents/new").get_data(as_text=True))
    data = {"csrf_token": token, "title": "暴雨内涝", "hazard": "flood", "level": "3",
            "duration_days": "2", "pick": ["S01-C01-G01", "S01-C01-G02"], **over}
    resp = client.post("/incidents/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    return str(resp.headers["Location"].rsplit("/", 1)[-1])


def page_of(client: Any, code: str, query: str = "") -> str:
    resp = client.get(f"/incidents/{code}{query}")
    assert resp.status_code == 200
    return str(resp.get_data(as_text=True))


def _plan(app: Any, code: str) -> Any:
    return allocation.get_plan(db.session(), code, None)


def test_item_rows_add_up_the_plan_and_its_orders(app: Any, client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client, pick=[], community="S01-C01")
    with system(app):
        session = db.session()
        plan = _plan(app, code)
        number = plan.number
        orders = allocation.confirm(session, code, number)
        from app.incidents import dispatches
        delivered = orders[0]
        dispatches.deliver(session, delivered)
        session.commit()
        session.expire_all()  # as a new request would see it (bulk updates set the orders)
        plan = _plan(app, code)
        view = plan_dict(session, plan)
        rows = {r.code: r for r in summary.item_rows(session, plan)}
        sent = plan_dict(session, allocation.get_plan(session, code, number))
        need: dict[str, int] = defaultdict(int)
        planned: dict[str, int] = defaultdict(int)
        for line in view["needs"]:
            need[line["item"]] += line["required"]
            planned[line["item"]] += line["planned"]
        shipped: dict[str, int] = defaultdict(int)
        arrived: dict[str, int] = defaultdict(int)
        for s in sent["shipments"]:  # the confirmed plan's orders, whichever plan is shown
            shipped[s["item"]] += s["quantity"]
            if s["dispatch"] == delivered:
                arrived[s["item"]] += s["quantity"]
    assert set(rows) == set(need)
    for item, row in rows.items():
        assert row.required == need[item] and row.planned == planned[item]
        assert row.confirmed == shipped[item] and row.delivered == arrived[item]
        assert row.shortfall == max(row.required - row.committed - row.planned, 0)
        assert row.in_reach >= row.planned  # over the whole incident, each depot once
    assert sum(r.delivered for r in rows.values()) > 0


def test_each_affected_grid_sits_under_its_community(app: Any, client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client, pick=["S01-C02-G01"], community="S01-C01")
    with system(app):
        plan = _plan(app, code)
        rows = summary.area_rows(db.session(), plan)
        people = {ia.area.code: ia.affected for ia in plan.incident.areas}
    by_code = {r.code: r for r in rows}
    assert set(by_code) == {"S01-C01", "S01-C02"}
    assert {g.code for g in by_code["S01-C01"].grids} == {
        c for c in people if c.startswith("S01-C01-")}
    assert [g.code for g in by_code["S01-C02"].grids] == ["S01-C02-G01"]
    assert sum(r.affected for r in rows) == sum(people.values())
    for r in rows:
        assert r.coverage == min(g.coverage for g in r.grids)


def test_the_summary_takes_a_few_queries_whatever_the_size(app: Any, client: Any,
                                                           demo: Any) -> None:
    sign_in(client, "coordinator")
    small = declare(client, pick=["S01-C01-G01"])
    large = declare(client, pick=[], community="S01-C01", areas="S01-C02\nS02-C01")
    counts = []
    with system(app):
        engine = db.session().get_bind()
        for code in (small, large):
            plan = _plan(app, code)
            seen: list[str] = []

            def count(*_: Any, seen: list[str] = seen) -> None:
                seen.append("q")
            event.listen(engine, "before_cursor_execute", count)
            try:
                summary.item_rows(db.session(), plan)
                summary.area_rows(db.session(), plan)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            counts.append(len(seen))
    assert counts[0] == counts[1] and counts[1] <= 6


def test_the_page_opens_with_the_summary_in_either_language(app: Any, client: Any,
                                                            demo: Any) -> None:
    sign_in(client, "coordinator")
    code = declare(client, pick=[], community="S01-C01")
    html = page_of(client, code)
    assert html.index('id="summary"') < html.index('id="areas"')
    assert "全事件物资汇总" in html and "受灾社区" in html
    client.get("/lang/en")
    html = page_of(client, code)
    first = html[html.index('id="summary"'):html.index('id="areas"')]
    assert "Supplies for the whole incident" in first and "Affected communities" in first
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in first.replace("S01", "")
                   if ch not in "".join(_names(app)))


def _names(app: Any) -> list[str]:
    """Place names are data, shown as entered (the demo's are Chinese)."""
    from app.areas.models import Area
    with app.app_context():
        return [a.name_en or "" for a in db.session().scalars(select(Area))]
