"""Divergence 1: route rules are lost on a re-plan through the API and the CLI.

A forbidden (or pinned) route lives in the newest plan's `routes`. A change of level or of
the affected areas makes a new plan; the page carries the rules over (the rules of areas
still affected, for an areas change). `PUT /api/v1/incidents/{code}/level`,
`PUT .../areas` and `readygrid incidents level` made the new plan with no rules at all.
Every door must give the same stored result: the new plan keeps the rule.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import cli, page_token, signed_in

GRID, OTHER_GRID = "S01-C01-G01", "S01-C02-G01"
RULE = {"depot": "DEP-D01", "area": GRID}


def _incident_with_a_forbidden_route(admin: Any) -> str:
    resp = admin("post", "/api/v1/incidents", json={
        "title": "暴雨内涝", "hazard": "flood", "level": 4, "duration_days": 2,
        "areas": [{"area": GRID}, {"area": OTHER_GRID}]})
    assert resp.status_code == 201, resp.json
    code = resp.json["code"]
    ruled = admin("post", f"/api/v1/incidents/{code}/plans", json={"forbidden": [RULE]})
    assert ruled.status_code == 201, ruled.json
    assert ruled.json["routes"]["forbidden"] == [RULE]
    return code


def _newest_plan(admin: Any, code: str) -> dict[str, Any]:
    plan = admin("get", f"/api/v1/incidents/{code}").json["plan"]
    assert plan is not None
    return plan


def _relevel(door: str, app: Any, admin: Any, code: str) -> None:
    if door == "api":
        resp = admin("put", f"/api/v1/incidents/{code}/level", json={"level": 2})
        assert resp.status_code == 200, resp.json
    elif door == "page":
        page = signed_in(app, "coordinator")
        resp = page.post(f"/incidents/{code}/level", data={
            "csrf_token": page_token(page, f"/incidents/{code}"), "level-level": "2"})
        assert resp.status_code == 302, resp.get_data(as_text=True)[-500:]
    else:
        done = cli(app, "incidents", "level", code, "2")
        assert done.exit_code == 0, done.output


@pytest.mark.parametrize("door", ["page", "api", "cli"])
def test_a_level_change_keeps_the_route_rules_at_every_door(app: Any, admin: Any,
                                                            door: str) -> None:
    code = _incident_with_a_forbidden_route(admin)
    _relevel(door, app, admin, code)
    plan = _newest_plan(admin, code)
    assert plan["number"] == 3 and plan["level"] == 2  # a new plan was made at the new level
    assert plan["routes"]["forbidden"] == [RULE], (
        f"re-levelled through the {door}: the new plan's routes are {plan['routes']}")
    assert not [s for s in plan["shipments"]
                if s["depot"] == RULE["depot"] and s["area"] == GRID]


@pytest.mark.parametrize("door", ["page", "api"])
def test_an_areas_change_keeps_the_rules_of_areas_still_affected(app: Any, admin: Any,
                                                                 door: str) -> None:
    """The page keeps the rules whose area is still affected (and drops the others)."""
    code = _incident_with_a_forbidden_route(admin)
    if door == "api":
        resp = admin("put", f"/api/v1/incidents/{code}/areas", json={
            "areas": [{"area": GRID, "affected": 500, "displaced": 100}]})
        assert resp.status_code == 200, resp.json
    else:
        page = signed_in(app, "coordinator")
        resp = page.post(f"/incidents/{code}/areas", data={
            "csrf_token": page_token(page, f"/incidents/{code}"),
            "areas-areas": f"{GRID} 500 100"})
        assert resp.status_code == 302, resp.get_data(as_text=True)[-500:]
    plan = _newest_plan(admin, code)
    assert plan["number"] == 3
    assert plan["routes"]["forbidden"] == [RULE], (
        f"areas changed through the {door}: the new plan's routes are {plan['routes']}")
