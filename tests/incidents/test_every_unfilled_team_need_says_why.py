"""Every team need a plan cannot fill says why, in the page's language: no team of that kind
called at the level, every one beyond reach, every one in reach sent to areas in more need,
or held by another incident."""
from __future__ import annotations

from typing import Any

from tests.helpers import signed_in

AREAS = ["S01-C01-G01", "S01-C01-G02", "S01-C02-G01", "S02-C01-G01", "S02-C02-G01"]


def test_every_unfilled_team_need_has_a_reason(app: Any, admin: Any) -> None:
    made = admin("post", "/api/v1/incidents", json={
        "title": "台风", "hazard": "typhoon", "level": 2,
        "areas": [{"area": a} for a in AREAS]})
    assert made.status_code == 201, made.json
    plan = made.json["plan"]
    unfilled = plan["unfilled"]
    assert unfilled, "five grids at level II need more teams than the small demo calls"
    assert all(u["reason"] for u in unfilled), [u for u in unfilled if not u["reason"]]
    assert {u["code"] for u in unfilled} <= {"none_called", "busy_elsewhere", "no_location",
                                              "none_in_reach", "all_assigned"}
    page = signed_in(app, "coordinator")
    page.get("/lang/zh")
    html = page.get(f"/incidents/{made.json['code']}").get_data(as_text=True)
    assert "队伍" in html and all(u["area"] in html for u in unfilled)
