"""Declaring (and planning) an incident through the API, the page and the CLI stores the same
incident: the same areas with the same people, the same teams called, the same checklist, and
a first plan solved from the same inputs (the one workflow in app/incidents/workflows.py)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import cli, page_token, signed_in

GRID = "S01-C01-G01"


def _declare(door: str, app: Any, admin: Any) -> str:
    if door == "api":
        resp = admin("post", "/api/v1/incidents", json={
            "title": "内涝", "hazard": "flood", "level": 3, "duration_days": 2,
            "areas": [{"area": GRID, "affected": 200, "displaced": 40}]})
        assert resp.status_code == 201, resp.json
        return str(resp.json["code"])
    if door == "page":
        page = signed_in(app, "coordinator")
        resp = page.post("/incidents/new", data={
            "csrf_token": page_token(page, "/incidents/new"), "title": "内涝",
            "hazard": "flood", "level": "3", "duration_days": "2",
            "areas": f"{GRID} 200 40"})
        assert resp.status_code == 302, resp.get_data(as_text=True)[-800:]
        return resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = cli(app, "incidents", "declare", "--title", "内涝", "--hazard", "flood",
               "--level", "3", "--days", "2", "--area", f"{GRID}:200:40")
    assert done.exit_code == 0, done.output
    listed = admin("get", "/api/v1/incidents").json["items"]
    return str(max(listed, key=lambda i: i["code"])["code"])


def _stored(admin: Any, code: str) -> dict[str, Any]:
    body = admin("get", f"/api/v1/incidents/{code}").json
    plan = body["plan"]
    assert plan is not None, f"{code} has no plan"
    return {
        "level": body["level"], "hazard": body["hazard"], "status": body["status"],
        "areas": sorted((a["area"], a["affected"], a["displaced"]) for a in body["areas"]),
        "teams": sorted((t["team"], t["status"]) for t in body["teams"]),
        "checklist": sorted(t["text"] for t in body["checklist"]),
        "plan": (plan["number"], plan["status"], plan["routes"]),
        "needs": sorted((n["item"], n["area"], n["required"]) for n in plan["needs"]),
    }


@pytest.mark.parametrize("door", ["page", "cli"])
def test_declaring_through_each_door_stores_what_the_api_stores(
        app: Any, admin: Any, door: str) -> None:
    first = _declare("api", app, admin)
    reference = _stored(admin, first)
    closed = admin("post", f"/api/v1/incidents/{first}/close")
    assert closed.status_code == 200, closed.json
    again = _declare(door, app, admin)
    assert again != first
    assert _stored(admin, again) == reference
