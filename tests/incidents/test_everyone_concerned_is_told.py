"""Declaring, changing the level, confirming and cancelling tell the people who act, through the
outbox, in the same transaction: the affected communities' staff, the called teams, the
keepers of the source depots, the receiving areas and the shelters' managers."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from tests.helpers import signed_in

GRID = "S01-C01-G01"


def _told(admin: Any, code: str) -> dict[str, set[str]]:
    """Per kind, the areas told about this incident."""
    out: dict[str, set[str]] = defaultdict(set)
    items = admin("get", "/api/v1/notifications", query_string={"per_page": 500}).json["items"]
    for n in items:
        if code in n["subject_en"] or code in n["body"]:
            out[n["kind"]].add(n["area"])
    return dict(out)


def test_declare_level_confirm_and_cancel_tell_the_people_who_act(
        app: Any, admin: Any, auth: Any, client: Any) -> None:
    made = admin("post", "/api/v1/incidents", json={
        "title": "内涝", "hazard": "flood", "level": 4, "duration_days": 2,
        "areas": [{"area": GRID, "affected": 900, "displaced": 300}]})
    assert made.status_code == 201, made.json
    code = made.json["code"]
    told = _told(admin, code)
    assert told["incident_declared"] == {"S01-C01"}  # the grid's community, not the grid
    teams = admin("get", "/api/v1/teams", query_string={"per_page": 500}).json["items"]
    home = {t["code"]: t["home_area"] for t in teams}
    called = {t["team"] for t in made.json["teams"] if t["status"] == "called"}
    assert called and told["team_called"] == {home[t] for t in called}
    mine = client.get("/api/v1/notifications", headers=auth("staff")).json["items"]
    assert any(n["kind"] == "incident_declared" and code in n["subject_zh"] for n in mine)

    relevel = admin("put", f"/api/v1/incidents/{code}/level", json={"level": 3})
    assert relevel.status_code == 200
    assert _told(admin, code)["incident_level_changed"] == {"S01-C01"}

    plan = relevel.json["plan"]
    confirmed = admin("post", f"/api/v1/incidents/{code}/plans/{plan['number']}/confirm")
    assert confirmed.status_code == 200, confirmed.json
    orders = [admin("get", f"/api/v1/dispatches/{d}").json
              for d in confirmed.json["dispatches"]]
    assert orders
    told = _told(admin, code)
    depots = {d["code"]: d["area"] for d in admin(
        "get", "/api/v1/depots", query_string={"per_page": 500}).json["items"]}
    assert told["depot_orders"] == {depots[o["depot"]] for o in orders}
    assert told["expected_arrivals"] == {"S01-C01"}
    shelters = {s["code"]: s["area"] for s in admin(
        "get", "/api/v1/shelters", query_string={"per_page": 500}).json["items"]}
    placed = {p["shelter"] for p in plan["placements"]}
    assert placed and told["shelter_arrivals"] == {shelters[s] for s in placed}
    shelter = sorted(placed)[0]
    coming = sum(p["people"] for p in plan["placements"] if p["shelter"] == shelter)
    page = signed_in(app, "coordinator")
    page.get("/lang/en")
    html = page.get(f"/shelters/{shelter}").get_data(as_text=True)
    assert f"Expected from confirmed plans: {coming:,}" in html and code in html

    order = orders[0]
    cancelled = admin("post", f"/api/v1/dispatches/{order['code']}/cancel", json={})
    assert cancelled.status_code == 200, cancelled.json
    assert _told(admin, code)["dispatch_cancelled"] == {depots[order["depot"]], "S01-C01"}


def test_nothing_is_told_twice_when_a_step_is_repeated(admin: Any) -> None:
    made = admin("post", "/api/v1/incidents", json={
        "title": "内涝", "hazard": "flood", "level": 4, "areas": [{"area": GRID}],
        "plan": False})
    code = made.json["code"]
    before = admin("get", "/api/v1/notifications", query_string={"per_page": 500}).json["total"]
    again = admin("put", f"/api/v1/incidents/{code}/level", json={"level": 4})
    assert again.status_code == 409  # already at that level: no change, nobody told
    after = admin("get", "/api/v1/notifications", query_string={"per_page": 500}).json["total"]
    assert after == before
