"""Call-out follows the incident: the affected communities' own teams, their streets' teams and
the district's own teams of the kinds the level needs — never another community's or another
street's groups, at any level, after any level change."""
from __future__ import annotations

from typing import Any

import pytest

AREA = "S01-C01-G01"  # a grid of S01-C01 in street S01


def _homes(admin: Any) -> dict[str, str]:
    teams = admin("get", "/api/v1/teams", query_string={"per_page": 500}).json["items"]
    return {t["code"]: t["home_area"] for t in teams}


def _allowed(home: str) -> bool:
    """The community S01-C01 (and its grids), the street S01 itself, the district D01."""
    return home.startswith("S01-C01") or home in ("S01", "D01")


@pytest.mark.parametrize("levels", [(4, 2), (4, 1), (3, 1), (1, 4)])
def test_a_level_change_never_calls_another_streets_or_communitys_groups(
        admin: Any, levels: tuple[int, int]) -> None:
    homes = _homes(admin)
    first, then = levels
    made = admin("post", "/api/v1/incidents", json={
        "title": "内涝", "hazard": "flood", "level": first, "areas": [{"area": AREA}],
        "plan": False})
    assert made.status_code == 201, made.json
    code = made.json["code"]
    changed = admin("put", f"/api/v1/incidents/{code}/level", json={"level": then})
    assert changed.status_code == 200, changed.json
    called = {t["team"] for t in changed.json["teams"] if t["status"] == "called"}
    assert called, "the level calls someone"
    assert {t: homes[t] for t in called if not _allowed(homes[t])} == {}
    assert any(homes[t].startswith("S01-C01") for t in called)  # the community's own first
