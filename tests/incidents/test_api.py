"""The incident workflow through the JSON API alone: declare, needs, plan, confirm, deliver."""
from __future__ import annotations

from typing import Any

GRID = "S01-C01-G01"


def declare(admin: Any, **over: Any) -> Any:
    body = {"title": "暴雨内涝", "hazard": "flood", "level": 3, "duration_days": 2,
            "areas": [{"area": GRID, "affected": 200, "displaced": 40, "need_access": 2},
                      {"area": "S01-C02-G01"}], **over}
    return admin("post", "/api/v1/incidents", json=body)


def test_declare_plan_confirm_and_deliver(admin: Any) -> None:
    resp = declare(admin)
    assert resp.status_code == 201, resp.json
    incident = resp.json
    code = incident["code"]
    assert incident["level"] == 3 and incident["teams"] and incident["checklist"]
    assert incident["areas"][0] == {**incident["areas"][0], "affected": 200, "displaced": 40}
    plan = incident["plan"]
    assert plan["status"] == "proposed" and plan["solver_status"]["supplies"] == "optimal"
    water = [n for n in plan["needs"] if n["item"] == "WATER-DRINK" and n["area"] == GRID][0]
    assert water["required"] == 200 * 3 * 2  # 3 L drinking water a day (Sphere), two days
    assert sum(p["people"] for p in plan["placements"]) + sum(
        u["people"] for u in plan["unplaced"]) == plan["summary"]["shelters"]["evacuees"]

    needs = admin("get", f"/api/v1/incidents/{code}/needs")
    assert needs.status_code == 200 and needs.json["needs"] == plan["needs"]

    confirmed = admin("post", f"/api/v1/incidents/{code}/plans/{plan['number']}/confirm")
    assert confirmed.status_code == 200, confirmed.json
    orders = confirmed.json["dispatches"]
    assert orders
    again = admin("post", f"/api/v1/incidents/{code}/plans/{plan['number']}/confirm")
    assert again.status_code == 409 and again.json["field"] == "plan"

    order = admin("get", f"/api/v1/dispatches/{orders[0]}").json
    reserved = admin("get", "/api/v1/ledger", query_string={"reference": orders[0]}).json
    assert sum(e["reserved_delta"] for e in reserved["items"]) == sum(
        line["quantity"] for line in order["lines"])
    assert admin("post", f"/api/v1/dispatches/{orders[0]}/deliver").status_code == 200
    assert admin("get", f"/api/v1/dispatches/{orders[0]}").json["status"] == "delivered"
    assert admin("get", "/api/v1/stock/verify").json["mismatches"] == []

    open_left = admin("post", f"/api/v1/incidents/{code}/close")
    assert open_left.status_code == 409  # the other orders are still open
    for other in orders[1:]:
        assert admin("post", f"/api/v1/dispatches/{other}/cancel").status_code == 200
    assert admin("post", f"/api/v1/incidents/{code}/close").json["status"] == "closed"


def test_level_change_and_replan(admin: Any) -> None:
    code = declare(admin, level=4).json["code"]
    raised = admin("put", f"/api/v1/incidents/{code}/level", json={"level": 2})
    assert raised.status_code == 200 and raised.json["level"] == 2
    assert raised.json["plan"]["number"] == 2 and raised.json["plan"]["level"] == 2
    admin("post", "/api/v1/stock/receipts", json={
        "depot": "DEP-S01", "item": "QUILT", "quantity": 5, "lot_number": "NEW"})
    assert admin("get", f"/api/v1/incidents/{code}").json["plan"]["stale"] is True
    replanned = admin("post", f"/api/v1/incidents/{code}/plans",
                      json={"forbidden": [{"depot": "DEP-S01", "area": GRID}]})
    assert replanned.status_code == 201 and replanned.json["number"] == 3
    assert not [s for s in replanned.json["shipments"]
                if s["depot"] == "DEP-S01" and s["area"] == GRID]
    assert admin("get", f"/api/v1/incidents/{code}/plans/1").json["status"] == "superseded"


def test_bad_input_gets_problem_details_naming_the_field(admin: Any) -> None:
    for body, field in (({"level": 7}, "level"), ({"hazard": "meteor"}, "hazard"),
                        ({"areas": []}, "areas"), ({"areas": [{"area": "NOPE"}]}, "areas"),
                        ({"areas": [{"area": GRID, "affected": 5, "displaced": 9}]}, "areas"),
                        ({"duration_days": 2.5}, "duration_days")):
        resp = declare(admin, **body)
        assert resp.status_code in (404, 422), (body, resp.json)
        assert resp.mimetype == "application/problem+json"
        assert field in (resp.json.get("field") or "") + str(resp.json.get("errors", "")), body
    assert admin("get", "/api/v1/incidents").json["total"] == 0
    assert admin("get", "/api/v1/incidents/INC-NOPE").status_code == 404
    assert admin("post", "/api/v1/dispatches/NOPE/deliver").status_code == 404


def test_roles_and_areas_limit_who_sees_and_declares(client: Any, demo: Any, auth: Any,
                                                     admin: Any) -> None:
    code = declare(admin).json["code"]
    staff = auth("staff")  # community S01-C01: may read an incident touching it
    assert client.get(f"/api/v1/incidents/{code}", headers=staff).status_code == 200
    refused = client.post("/api/v1/incidents", headers=staff, json={
        "hazard": "fire", "level": 4, "areas": [{"area": GRID}]})
    assert refused.status_code == 403
    official = auth("official")  # street S01 reads, never writes
    assert client.post(f"/api/v1/incidents/{code}/close", headers=official).status_code == 403
    other = declare(admin, areas=[{"area": "S02-C01-G01"}]).json["code"]
    assert client.get(f"/api/v1/incidents/{other}", headers=staff).status_code == 403
    assert client.get("/api/v1/incidents").status_code == 401
