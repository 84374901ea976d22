"""Divergence 2: a community named together with one of its grids.

Small demo: S01-C01 has 2,787 people, its grid S01-C01-G01 905 of them.

What the doors do today:
- the declare page expands a ticked (or bare typed) community into its grids, so a grid
  picked as well is listed once; a community typed *with counts* next to one of its grids is
  refused beside the areas field ("S01-C01-G01 lies inside S01-C01: choose one or the other",
  incident_views._check_overlap) and nothing is declared;
- the CAP import keeps the community alone and drops the grid (cap._areas_of);
- the API (`POST /api/v1/incidents`, `PUT /api/v1/incidents/{code}/areas`) accepts both rows
  and counts the grid's 905 people twice (3,692 affected).

The rule chosen here for the API: the same as the page for explicit rows, i.e. refuse with a
422 problem naming the field `areas`, and store nothing. (The API names rows explicitly, each
possibly with counts, like the page's typed rows with counts; expanding a bare community into
its grids would change how the API stores a lone community.) The CAP import may keep its
"community covers its grid" reading of a foreign alert, which never counts twice either; its
test below only pins that.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.models import Incident
from tests.helpers import count, is_problem, page_token, signed_in

COMMUNITY, GRID, SIBLING_GRID = "S01-C01", "S01-C01-G01", "S01-C01-G02"
COMMUNITY_PEOPLE = 2787


def _affected(incident: dict[str, Any]) -> int:
    return sum(a["affected"] for a in incident["areas"])


def test_the_api_refuses_to_declare_a_community_with_one_of_its_grids(app: Any,
                                                                      admin: Any) -> None:
    resp = admin("post", "/api/v1/incidents", json={
        "title": "暴雨内涝", "hazard": "flood", "level": 3, "plan": False,
        "areas": [{"area": COMMUNITY}, {"area": GRID}]})
    assert is_problem(resp, 422), (
        f"declared through the API: {resp.status_code}, "
        f"{_affected(resp.json) if resp.status_code == 201 else resp.json} people affected "
        f"(the community has {COMMUNITY_PEOPLE})")
    assert resp.json["field"] == "areas"
    assert count(app, Incident) == 0


def test_the_api_refuses_to_change_the_areas_to_a_community_with_one_of_its_grids(
        app: Any, admin: Any) -> None:
    made = admin("post", "/api/v1/incidents", json={
        "title": "暴雨内涝", "hazard": "flood", "level": 3, "plan": False,
        "areas": [{"area": GRID, "affected": 300}]})
    assert made.status_code == 201, made.json
    code = made.json["code"]
    resp = admin("put", f"/api/v1/incidents/{code}/areas", json={
        "areas": [{"area": COMMUNITY}, {"area": GRID}]})
    assert is_problem(resp, 422), (
        f"areas changed through the API: {resp.status_code}, "
        f"{_affected(resp.json) if resp.status_code == 200 else resp.json} people affected")
    assert resp.json["field"] == "areas"
    after = admin("get", f"/api/v1/incidents/{code}").json
    assert [(a["area"], a["affected"]) for a in after["areas"]] == [(GRID, 300)]


def test_the_page_refuses_a_community_with_counts_next_to_one_of_its_grids(
        app: Any, demo: Any) -> None:
    """Pins the page's rule (passes today)."""
    page = signed_in(app, "coordinator")
    resp = page.post("/incidents/new", data={
        "csrf_token": page_token(page, "/incidents/new"), "title": "暴雨内涝",
        "hazard": "flood", "level": "3", "duration_days": "2", "pick": [GRID],
        "areas": f"{COMMUNITY} {COMMUNITY_PEOPLE}"})
    assert resp.status_code == 422
    assert "S01-C01-G01" in resp.get_data(as_text=True)
    assert count(app, Incident) == 0


def test_the_page_expands_a_ticked_community_so_its_grid_is_counted_once(
        app: Any, admin: Any) -> None:
    """Pins the page's rule (passes today): the community becomes its grids."""
    page = signed_in(app, "coordinator")
    resp = page.post("/incidents/new", data={
        "csrf_token": page_token(page, "/incidents/new"), "title": "暴雨内涝",
        "hazard": "flood", "level": "3", "duration_days": "2", "pick": [GRID],
        "community": [COMMUNITY]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-500:]
    code = resp.headers["Location"].rsplit("/", 1)[-1]
    incident = admin("get", f"/api/v1/incidents/{code}").json
    assert sorted(a["area"] for a in incident["areas"]) == [GRID, SIBLING_GRID]
    assert _affected(incident) == COMMUNITY_PEOPLE


def _alert(areas: list[str]) -> bytes:
    now = datetime.now(UTC).replace(microsecond=0)
    blocks = "".join(f"<area><areaDesc>{a}</areaDesc></area>" for a in areas)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>REG-2-001</identifier><sender>met@example.cn</sender>
  <sent>{now.isoformat()}</sent><status>Actual</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><language>zh-CN</language><category>Met</category><event>暴雨</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <expires>{(now + timedelta(days=2)).isoformat()}</expires>
    <headline>暴雨橙色预警</headline>{blocks}</info>
</alert>""".encode()


def test_the_cap_import_counts_a_community_and_its_grid_once(admin: Any) -> None:
    """Pins the CAP import (passes today): the community covers its grid."""
    resp = admin("post", "/api/v1/alerts/import", data=_alert([COMMUNITY, GRID]),
                 content_type="application/xml")
    assert resp.status_code == 201, resp.json
    assert [a["area"] for a in resp.json["areas"]] == [COMMUNITY]
    assert _affected(resp.json) == COMMUNITY_PEOPLE
