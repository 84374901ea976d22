"""Divergence 6: community staff reference, and so read or change, other communities' records.

`staff` answers for S01-C01. S01-C02 is a sibling community (same street), S02-C01 a
community of the other street. The drill page offers staff only the teams and shelters of
their own subtree, and the plans of their subtree or of the areas above it (web.drills.
_plan_form). The API does not: drills._clean resolves `teams`, `plan` and `venue_shelter`
with lookup.by_code (unscoped), drill_records._attendance resolves teams and members the
same way (and the record answers with the member's name), actions._flag_plan flags whatever
plan the drill links, and the norms API (catalogue.list_norms / read_norm) has no scope.

Expected: each reference to a record of another community is refused (403 problem, or 404 /
422 as for a code that names nothing visible) and nothing is stored; lists leave such
records out. Controls show what stays allowed.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.models import ContingencyPlan, Drill, Member, Team
from tests.helpers import api, count, is_problem, stored

OWN, SIBLING, OTHER_STREET = "S01-C01", "S01-C02", "S02-C01"
REFUSED = (403, 404, 422)
FOREIGN = {
    "teams": ["T-S01-C02-V", "T-S02-C01-V"],
    "plan": ["P-S01-C02", "P-S02-C01"],
    "venue_shelter": ["SH-S01-C02", "SH-S02-C01"],
}
CASES = [(field, code) for field, codes in FOREIGN.items() for code in codes]


def _value(field: str, code: str) -> Any:
    return [code] if field == "teams" else code


@pytest.fixture
def staff(client: Any, demo: Any, auth: Any) -> Any:
    return api(client, auth("staff"))


def _body(**over: Any) -> dict[str, Any]:
    start = (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%dT09:30")
    return {"title": "消防疏散演练", "exercise_type": "drill", "form": "live",
            "hazard": "fire", "area": OWN, "starts_at": start, "duration_minutes": 60,
            "teams": ["T-S01-C01-V"], "plan": "P-S01-C01", **over}


def _own_drill(staff: Any) -> str:
    resp = staff("post", "/api/v1/drills", json=_body(venue_shelter="SH-S01-C01"))
    assert resp.status_code == 201, resp.json
    return str(resp.json["codes"][0])


# ---------------------------------------------------------------- drills: create and change

@pytest.mark.parametrize(("field", "code"), CASES)
def test_staff_cannot_plan_a_drill_with_another_communitys_record(app: Any, staff: Any,
                                                                  field: str,
                                                                  code: str) -> None:
    before = count(app, Drill)
    resp = staff("post", "/api/v1/drills", json=_body(**{field: _value(field, code)}))
    assert is_problem(resp, *REFUSED), (
        f"POST /drills with {field}={code} answered {resp.status_code}")
    assert count(app, Drill) == before


@pytest.mark.parametrize(("field", "code"), CASES)
def test_staff_cannot_change_a_drill_to_another_communitys_record(app: Any, staff: Any,
                                                                  field: str,
                                                                  code: str) -> None:
    drill = _own_drill(staff)
    before = staff("get", f"/api/v1/drills/{drill}").json
    resp = staff("patch", f"/api/v1/drills/{drill}", json={field: _value(field, code)})
    assert is_problem(resp, *REFUSED), (
        f"PATCH /drills with {field}={code} answered {resp.status_code}")
    assert staff("get", f"/api/v1/drills/{drill}").json == before


def test_staff_may_still_use_their_own_records_and_the_plans_above_them(staff: Any) -> None:
    """Controls (pass today): own team, shelter and plan; the street's and district's plans."""
    for plan in ("P-S01-C01", "P-S01", "P-D01"):
        resp = staff("post", "/api/v1/drills", json=_body(plan=plan,
                                                          venue_shelter="SH-S01-C01"))
        assert resp.status_code == 201, (plan, resp.json)


# ---------------------------------------------------------------- drill records

def _member_of(app: Any, team: str) -> tuple[int, str]:
    with stored(app) as session:
        member = session.scalars(select(Member).join(Team).where(Team.code == team)
                                 .order_by(Member.id)).first()
        assert member is not None
        return member.id, member.name


@pytest.mark.parametrize("team", FOREIGN["teams"])
def test_staff_cannot_record_another_communitys_team_members(app: Any, staff: Any,
                                                             team: str) -> None:
    drill = _own_drill(staff)
    member, name = _member_of(app, team)
    resp = staff("put", f"/api/v1/drills/{drill}/record", json={
        "attendance": [{"team": team, "member": member, "expected": 1, "present": 1}]})
    shown = json.dumps(resp.json, ensure_ascii=False)
    assert name not in shown, f"the record answers with {team}'s member {name}: {shown[:300]}"
    assert is_problem(resp, *REFUSED), (
        f"PUT /drills/{drill}/record with {team} answered {resp.status_code}")
    assert not staff("get", f"/api/v1/drills/{drill}/record").json["attendance"]


@pytest.mark.parametrize("team", FOREIGN["teams"])
def test_staff_cannot_count_another_communitys_team_in_a_record(app: Any, staff: Any,
                                                                team: str) -> None:
    drill = _own_drill(staff)
    resp = staff("put", f"/api/v1/drills/{drill}/record", json={
        "attendance": [{"team": team, "expected": 12, "present": 9}]})
    assert is_problem(resp, *REFUSED), (
        f"PUT /drills/{drill}/record with {team} answered {resp.status_code}")
    assert not staff("get", f"/api/v1/drills/{drill}/record").json["attendance"]


# ---------------------------------------------------------------- plans flagged for revision

def _link_plan(app: Any, drill: str, plan: str) -> None:
    """Set-up behind the doors: the drill links another community's plan (as the PATCH
    hole above allows today), so only the flagging is under test here."""
    with stored(app) as session:
        found = session.scalar(select(Drill).where(Drill.code == drill))
        found.plan_id = session.scalar(select(ContingencyPlan.id).where(
            ContingencyPlan.code == plan))


def _flagged(app: Any, plan: str) -> bool:
    with stored(app) as session:
        return bool(session.scalar(select(ContingencyPlan.needs_revision).where(
            ContingencyPlan.code == plan)))


ACTION = {"title": "疏散路线标识不清", "element": "planning", "owner": "社区安全员"}


@pytest.mark.parametrize("plan", FOREIGN["plan"])
def test_staff_cannot_flag_another_communitys_plan_by_raising_an_action(app: Any,
                                                                       staff: Any,
                                                                       plan: str) -> None:
    drill = _own_drill(staff)
    _link_plan(app, drill, plan)
    due = (datetime.now() + timedelta(days=30)).date().isoformat()
    resp = staff("post", "/api/v1/corrective-actions", json={
        **ACTION, "drill": drill, "due_on": due, "flags_plan": True})
    assert not _flagged(app, plan), f"{plan} was flagged for revision ({resp.status_code})"
    assert is_problem(resp, *REFUSED), resp.status_code


@pytest.mark.parametrize("plan", FOREIGN["plan"])
def test_staff_cannot_flag_another_communitys_plan_by_changing_an_action(app: Any,
                                                                        staff: Any,
                                                                        plan: str) -> None:
    drill = _own_drill(staff)
    due = (datetime.now() + timedelta(days=30)).date().isoformat()
    made = staff("post", "/api/v1/corrective-actions", json={
        **ACTION, "drill": drill, "due_on": due})
    assert made.status_code == 201, made.json
    _link_plan(app, drill, plan)
    resp = staff("patch", f"/api/v1/corrective-actions/{made.json['code']}",
                 json={"flags_plan": True})
    assert not _flagged(app, plan), f"{plan} was flagged for revision ({resp.status_code})"
    assert is_problem(resp, *REFUSED), resp.status_code


def test_staff_may_flag_their_own_plan(app: Any, staff: Any) -> None:
    """Control (passes today)."""
    drill = _own_drill(staff)
    due = (datetime.now() + timedelta(days=30)).date().isoformat()
    resp = staff("post", "/api/v1/corrective-actions", json={
        **ACTION, "drill": drill, "due_on": due, "flags_plan": True})
    assert resp.status_code == 201, resp.json
    assert _flagged(app, "P-S01-C01")


# ---------------------------------------------------------------- local planning norms

def _local_norms(admin: Any) -> dict[str, int]:
    ids = {}
    for area in (OWN, "S01", SIBLING, OTHER_STREET):
        resp = admin("post", "/api/v1/norms", json={
            "item": "WATER-DRINK", "quantity": 4, "area": area, "status": "unverified",
            "source": f"{area} 夏季高温预案：每人每天 4 升"})
        assert resp.status_code == 201, resp.json
        ids[area] = resp.json["id"]
    return ids


def test_staff_list_no_other_communitys_local_norms(admin: Any, staff: Any) -> None:
    ids = _local_norms(admin)
    listed = staff("get", "/api/v1/norms", query_string={"per_page": 500}).json["items"]
    seen = {n["area"] for n in listed if n["id"] in ids.values()}
    assert {OWN, "S01"} <= seen  # their own and the street's (it applies to them)
    assert any(n["area"] is None for n in listed)  # the district-wide norms
    assert not seen & {SIBLING, OTHER_STREET}, f"staff see the local norms of {seen}"


@pytest.mark.parametrize("area", [SIBLING, OTHER_STREET])
def test_staff_cannot_read_another_communitys_local_norm(admin: Any, staff: Any,
                                                         area: str) -> None:
    norm = _local_norms(admin)[area]
    resp = staff("get", f"/api/v1/norms/{norm}")
    assert is_problem(resp, 403, 404), f"GET /norms/{norm} ({area}) answered {resp.status_code}"
