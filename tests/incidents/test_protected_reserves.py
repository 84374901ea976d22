"""Protected reserves: each depot x item keeps a floor (its own reserve figure with a source,
else its minimum level) that plans never ship unless the response level's policy or a
coordinator's audited release lets them, at every door."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.core.clock import district_today
from tests.helpers import cli, is_problem, page_token, signed_in, system

GRID = "S01-C01-G01"
WATER = "WATER-DRINK"


def _usable(admin: Any) -> dict[tuple[str, str], int]:
    """Free units per (depot, item), as the plan sees them before any reserve is kept."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    page, n = 1, None
    while n is None or (page - 1) * 500 < n:
        body = admin("get", "/api/v1/lots", query_string={"per_page": 500, "page": page}).json
        n = body["total"]
        for lot in body["items"]:
            if lot["expiry_date"] and date.fromisoformat(lot["expiry_date"]) < district_today():
                continue  # expired by the delivery date: never planned
            out[(lot["depot"], lot["item"])] += lot["on_hand"] - lot["reserved"]
        page += 1
    return dict(out)


def _shipped(plan: dict[str, Any]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for s in plan["shipments"]:
        out[(s["depot"], s["item"])] += s["quantity"]
    return dict(out)


def _declare(admin: Any, level: int, people: int = 60_000) -> dict[str, Any]:
    """A large flood: more need than stock, so a plan would take everything it may."""
    resp = admin("post", "/api/v1/incidents", json={
        "title": "特大暴雨", "hazard": "flood", "level": level, "duration_days": 3,
        "areas": [{"area": GRID, "affected": people, "displaced": 0}]})
    assert resp.status_code == 201, resp.json
    return resp.json


def _all_water_reserved(admin: Any, usable: dict[tuple[str, str], int]) -> list[str]:
    """Every depot holding water protects all of it; the depots, by code."""
    depots = sorted(d for (d, item), units in usable.items() if item == WATER and units > 0)
    for depot in depots:
        resp = admin("put", f"/api/v1/depots/{depot}/reserves/{WATER}", json={
            "units": usable[(depot, WATER)], "source": "区储备物资管理办法 第5条（测试）"})
        assert resp.status_code == 204, resp.json
    return depots


def test_a_plan_never_ships_a_protected_reserve(admin: Any) -> None:
    usable = _usable(admin)
    incident = _declare(admin, level=3)  # level III: the seeded policy releases nothing
    plan = incident["plan"]
    kept = {(r["depot"], r["item"]): r["units"] for r in plan["summary"]["reserves"]["by_depot"]}
    assert kept, "the demo's minimum levels protect something"
    assert plan["summary"]["reserves"]["release_pct"] == 0
    for key, units in _shipped(plan).items():
        assert units <= usable[key] - kept.get(key, 0), key
    floors = {i["code"]: i["min_per_depot"] for i in
              admin("get", "/api/v1/items", query_string={"per_page": 500}).json["items"]}
    for (depot, item), units in usable.items():
        if floors.get(item):  # the default floor is the minimum level (or what there is)
            assert kept.get((depot, item), 0) == min(floors[item], units), (depot, item)


def test_reserved_water_stays_until_a_coordinator_releases_it(app: Any, admin: Any) -> None:
    usable = _usable(admin)
    depots = _all_water_reserved(admin, usable)
    incident = _declare(admin, level=3)
    code = incident["code"]
    assert not [s for s in incident["plan"]["shipments"] if s["item"] == WATER]
    short = [n for n in incident["plan"]["needs"] if n["item"] == WATER and n["shortfall"]]
    assert short and "protected reserve" in short[0]["reason"]  # the shortfall names it

    refused = admin("post", f"/api/v1/incidents/{code}/reserve-releases",
                    json={"reason": "  "})
    assert is_problem(refused, 422) and refused.json["field"] == "reason"
    unknown = admin("post", f"/api/v1/incidents/{code}/reserve-releases",
                    json={"depot": "NO-SUCH", "reason": "道路中断"})
    assert is_problem(unknown, 404) and unknown.json["field"] == "depot"

    one = depots[0]
    resp = admin("post", f"/api/v1/incidents/{code}/reserve-releases",
                 json={"depot": one, "reason": "水厂停产，动用储备"})
    assert resp.status_code == 201, resp.json
    plan = resp.json["plan"]
    assert plan["number"] == 2 and plan["summary"]["reserves"]["released"] == [one]
    water = {k: v for k, v in _shipped(plan).items() if k[1] == WATER}
    assert water and set(d for d, _ in water) == {one}
    assert water[(one, WATER)] <= usable[(one, WATER)]
    again = admin("post", f"/api/v1/incidents/{code}/reserve-releases",
                  json={"depot": one, "reason": "再次"})
    assert is_problem(again, 409)

    with system(app) as session:
        from app.models import AuditEntry
        audited = session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "reserve_releases")).all()
    assert len(audited) == 1 and audited[0].actor == "admin"


@pytest.mark.parametrize("user", ["official", "staff"])
def test_only_coordinators_release_reserves(client: Any, admin: Any, auth: Any,
                                            user: str) -> None:
    code = _declare(admin, level=3, people=500)["code"]
    resp = client.post(f"/api/v1/incidents/{code}/reserve-releases", headers=auth(user),
                       json={"reason": "想用"})
    assert resp.status_code in (403, 404) and is_problem(resp, resp.status_code)
    assert admin("get", f"/api/v1/incidents/{code}").json["plan"]["number"] == 1


def test_level_one_may_use_every_reserve(admin: Any) -> None:
    usable = _usable(admin)
    _all_water_reserved(admin, usable)
    plan = _declare(admin, level=1)["plan"]
    assert plan["summary"]["reserves"]["release_pct"] == 100
    assert plan["summary"]["reserves"]["kept"] == {}
    assert sum(v for (d, i), v in _shipped(plan).items() if i == WATER) > 0


def test_a_reserve_figure_needs_its_source_and_plausible_units(admin: Any, auth: Any,
                                                               client: Any) -> None:
    depot = next(d for (d, i) in _usable(admin) if i == WATER)
    no_source = admin("put", f"/api/v1/depots/{depot}/reserves/{WATER}", json={"units": 10})
    assert is_problem(no_source, 422) and no_source.json["field"] == "source"
    absurd = admin("put", f"/api/v1/depots/{depot}/reserves/{WATER}",
                   json={"units": 99_999_999_999, "source": "x"})
    assert is_problem(absurd, 422)
    official = client.put(f"/api/v1/depots/{depot}/reserves/{WATER}", headers=auth("official"),
                          json={"units": 10, "source": "x"})
    assert official.status_code == 403
    ok = admin("put", f"/api/v1/depots/{depot}/reserves/{WATER}",
               json={"units": 10, "source": "街道储备标准"})
    assert ok.status_code == 204
    listed = {r["item"]: r for r in admin("get", f"/api/v1/depots/{depot}/reserves").json["items"]}
    assert listed[WATER] == {"item": WATER, "units": 10, "source": "reserve",
                             "note": "街道储备标准"}
    assert admin("put", f"/api/v1/depots/{depot}/reserves/{WATER}",
                 json={"units": None}).status_code == 204
    listed = {r["item"]: r for r in admin("get", f"/api/v1/depots/{depot}/reserves").json["items"]}
    assert listed[WATER]["source"] in ("item minimum", "depot minimum")


def test_the_page_and_the_cli_release_as_the_api_does(app: Any, admin: Any) -> None:
    usable = _usable(admin)
    depots = _all_water_reserved(admin, usable)
    code = _declare(admin, level=3)["code"]
    page = signed_in(app, "coordinator")
    html = page.get(f"/incidents/{code}").get_data(as_text=True)
    assert 'id="reserves"' in html and "release-reason" in html
    resp = page.post(f"/incidents/{code}/reserves/release", data={
        "csrf_token": page_token(page, f"/incidents/{code}"), "release-depot": depots[0],
        "release-reason": "水源污染"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-500:]
    plan = admin("get", f"/api/v1/incidents/{code}").json["plan"]
    assert plan["number"] == 2 and plan["summary"]["reserves"]["released"] == [depots[0]]

    done = cli(app, "incidents", "release-reserve", code, "--reason", "全面动用")
    assert done.exit_code == 0, done.output
    plan = admin("get", f"/api/v1/incidents/{code}").json["plan"]
    assert plan["number"] == 3 and plan["summary"]["reserves"]["released_all"] is True
    assert plan["summary"]["reserves"]["kept"] == {}
    bad = cli(app, "incidents", "release-reserve", code, "--reason", "again")
    assert bad.exit_code == 1
