"""Receipts through the API and the terminal: the same service, the same rules."""
from __future__ import annotations

import json
from typing import Any

from tests.helpers import api

GRID = "S01-C01-G01"  # the demo staff's community S01-C01


def an_order(admin: Any) -> dict[str, Any]:
    """A confirmed order into the staff's community, as the API shows it."""
    made = admin("post", "/api/v1/incidents", json={
        "hazard": "flood", "level": 3, "duration_days": 1, "areas": [{"area": GRID}]})
    plan = made.json["plan"]["number"]
    codes = admin("post", f"/api/v1/incidents/{made.json['code']}/plans/{plan}/confirm").json
    return admin("get", f"/api/v1/dispatches/{codes['dispatches'][0]}").json


def test_staff_receive_through_the_api_with_a_difference_and_its_reason(
        client: Any, admin: Any, auth: Any) -> None:
    order = an_order(admin)
    code, item = order["code"], order["lines"][0]["item"]
    sent = sum(ln["quantity"] for ln in order["lines"] if ln["item"] == item)
    out = admin("post", f"/api/v1/dispatches/{code}/dispatch")
    assert out.status_code == 200 and out.json["status"] == "dispatched"
    assert admin("get", f"/api/v1/dispatches/{code}").json["dispatched_by"] == "admin"
    staff = api(client, auth("staff"))
    short = {"lines": [{"item": item, "received": sent - 1}]}
    no_reason = staff("post", f"/api/v1/dispatches/{code}/receipt", json=short)
    assert no_reason.status_code == 422 and no_reason.json["field"] == "reason"
    too_many = staff("post", f"/api/v1/dispatches/{code}/receipt", json={
        "lines": [{"item": item, "received": sent + 1}], "reason": "x"})
    assert too_many.status_code == 422 and too_many.json["field"] == "lines"
    twice = staff("post", f"/api/v1/dispatches/{code}/receipt", json={
        "lines": [{"item": item, "received": 1}] * 2, "reason": "x"})
    assert twice.status_code == 422 and twice.json["field"] == "lines"
    done = staff("post", f"/api/v1/dispatches/{code}/receipt",
                 json={**short, "reason": "one carton crushed"})
    assert done.status_code == 200, done.json
    shown = admin("get", f"/api/v1/dispatches/{code}").json
    assert shown["status"] == "delivered" and shown["issued_at"]
    assert shown["receipt"]["differs"] and shown["receipt"]["reason"] == "one carton crushed"
    assert {"item": item, "sent": sent, "received": sent - 1} in shown["receipt"]["lines"]
    again = staff("post", f"/api/v1/dispatches/{code}/receipt", json={"lines": []})
    assert again.status_code == 409
    listed = admin("get", "/api/v1/dispatches", query_string={"status": "delivered"}).json
    assert code in [d["code"] for d in listed["items"]]


def test_officials_may_neither_dispatch_nor_receive(client: Any, admin: Any,
                                                    auth: Any) -> None:
    code = an_order(admin)["code"]
    official = api(client, auth("official"))
    assert official("post", f"/api/v1/dispatches/{code}/dispatch").status_code == 403
    assert official("post", f"/api/v1/dispatches/{code}/receipt", json={}).status_code == 403
    assert admin("get", f"/api/v1/dispatches/{code}").json["status"] == "reserved"


def test_dispatch_out_and_receive_from_the_terminal(run: Any) -> None:
    assert run("demo", "--scale", "small").returncode == 0
    declared = run("incidents", "declare", "--hazard", "flood", "--level", "3",
                   "--area", f"{GRID}:300:60", "--days", "1")
    code = declared.stdout.split("Declared ")[1].split(":")[0]
    confirmed = run("incidents", "confirm", code, "1")
    order = next(line.split()[1] for line in confirmed.stdout.splitlines()
                 if f"{code}-P1-" in line)
    out = run("incidents", "dispatch-out", order)
    assert out.returncode == 0 and f"{order} dispatched" in out.stdout, out.stderr
    bad = run("incidents", "receive", order, "--received", "WATER-DRINK=lots")
    assert bad.returncode == 2 and "ITEM=N" in bad.stderr
    unknown = run("incidents", "receive", order, "--received", "NOPE=1", "--reason", "x")
    assert unknown.returncode == 1 and "NOPE" in unknown.stderr
    plan = json.loads(run("incidents", "show", code, "--json").stdout)
    item = next(s["item"] for s in plan["shipments"] if s["dispatch"] == order)
    received = run("incidents", "receive", order, "--received", f"{item}=0",
                   "--reason", "the water never came")
    assert received.returncode == 0, received.stderr
    assert "Differs from what was sent" in received.stdout
    again = run("incidents", "receive", order)
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
