"""Divergence 7: state machines and the drill evaluation aspects are copied into the pages.

Where the copies live today:
- drill statuses: services.drills.set_status (`allowed`), web.drills._status_forms_allowed
  (the drill page's buttons), and the API schema DrillStatusIn (refuses "done" with 422);
- corrective actions: services.actions.TRANSITIONS, and web.drills._MOVES (the board's
  quick buttons) plus the board template's "done" form (open and in progress only); the
  action page's status choices come from TRANSITIONS;
- evaluation aspects: app/seeds/drills.toml `[evaluation] aspects` (the source), read by
  services.drill_records.ASPECTS and the API's EvaluationIO, and copied by hand into
  web.drills.ASPECT_LABELS (drill page) and web.drill_forms.RecordForm (record page).

Guards for the refactor: each page offers exactly the moves the API accepts, and every door
shows the aspects of the data source. They pass today.
"""
from __future__ import annotations

import re
import tomllib
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import pytest

from tests.helpers import signed_in

DRILL_STATUSES = ["planned", "confirmed", "cancelled", "done"]
ACTION_STATUSES = ["open", "in_progress", "done", "cancelled"]
TEAM = "T-S01-C01-V"


def _aspects() -> list[str]:
    """The data source: app/seeds/drills.toml."""
    text = resources.files("app.seeds").joinpath("drills.toml").read_text("utf-8")
    return list(tomllib.loads(text)["evaluation"]["aspects"])


def _posted_statuses(html: str, action: str, *, skip: str = "") -> set[str]:
    """The status values of the page's forms that post to `action`."""
    forms = re.findall(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html,
                       re.S)
    found = set()
    for body in forms:
        if skip and skip in body:
            continue
        found |= set(re.findall(r'name="status" value="([^"]+)"', body))
    return found


# ---------------------------------------------------------------- drills

def _drill_in(admin: Any, status: str) -> str:
    past = status == "done"
    start = datetime.now() + timedelta(days=-3 if past else 30)
    resp = admin("post", "/api/v1/drills", json={
        "title": "消防疏散演练", "exercise_type": "drill", "form": "live", "hazard": "fire",
        "area": "S01-C01", "starts_at": start.strftime("%Y-%m-%dT09:30"),
        "duration_minutes": 60, "teams": [TEAM]})
    assert resp.status_code == 201, resp.json
    code = str(resp.json["codes"][0])
    if status in ("confirmed", "cancelled"):
        assert admin("post", f"/api/v1/drills/{code}/status",
                     json={"status": status}).status_code == 200
    elif status == "done":
        held = admin("put", f"/api/v1/drills/{code}/record", json={
            "attendance": [{"team": TEAM, "expected": 10, "present": 9}], "complete": True})
        assert held.status_code == 200 and held.json["status"] == "done", held.json
    return code


@pytest.mark.parametrize("status", DRILL_STATUSES)
def test_the_drill_page_offers_the_status_moves_the_api_accepts(app: Any, admin: Any,
                                                                status: str) -> None:
    accepted = set()
    for target in DRILL_STATUSES:
        resp = admin("post", f"/api/v1/drills/{_drill_in(admin, status)}/status",
                     json={"status": target})
        assert resp.status_code in (200, 409, 422), (target, resp.json)  # 422: the schema
        if resp.status_code == 200:
            accepted.add(target)
    code = _drill_in(admin, status)
    html = signed_in(app, "coordinator").get(f"/drills/{code}").get_data(as_text=True)
    offered = _posted_statuses(html, f"/drills/{code}/status", skip='name="series"')
    assert offered == accepted, f"a {status} drill: page {offered}, API {accepted}"
    assert accepted or status == "done"  # not vacuous: only a done drill has no move


# ---------------------------------------------------------------- corrective actions

def _action_in(admin: Any, status: str) -> str:
    due = (datetime.now() + timedelta(days=30)).date().isoformat()
    resp = admin("post", "/api/v1/corrective-actions", json={
        "area": "S01-C01", "title": "疏散路线标识不清", "element": "planning",
        "owner": "社区安全员", "due_on": due})
    assert resp.status_code == 201, resp.json
    code = str(resp.json["code"])
    path = {"open": [], "in_progress": ["in_progress"], "done": ["in_progress", "done"],
            "cancelled": ["cancelled"]}[status]
    for step in path:
        moved = admin("patch", f"/api/v1/corrective-actions/{code}",
                      json={"status": step, "closing_note": "已更换标识"})
        assert moved.status_code == 200, moved.json
    return code


def _api_moves(admin: Any, status: str) -> set[str]:
    accepted = set()
    for target in ACTION_STATUSES:
        if target == status:
            continue
        resp = admin("patch", f"/api/v1/corrective-actions/{_action_in(admin, status)}",
                     json={"status": target, "closing_note": "已更换标识"})
        assert resp.status_code in (200, 409), (target, resp.json)
        if resp.status_code == 200:
            accepted.add(target)
    return accepted


@pytest.mark.parametrize("status", ACTION_STATUSES)
def test_the_action_board_and_page_offer_the_moves_the_api_accepts(app: Any, admin: Any,
                                                                   status: str) -> None:
    accepted = _api_moves(admin, status)
    assert accepted  # not vacuous: every status has a move
    code = _action_in(admin, status)
    page = signed_in(app, "coordinator")
    board = page.get("/actions").get_data(as_text=True)
    offered = _posted_statuses(board, f"/actions/{code}/status")
    assert offered == accepted, f"an action {status} on the board: {offered}, API {accepted}"
    html = page.get(f"/actions/{code}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no status choice on the action page"
    choices = set(re.findall(r'<option[^>]*value="([^"]+)"', select.group(1)))
    assert choices - {status} == accepted, (
        f"an action {status} on its page: {choices}, API {accepted}")


# ---------------------------------------------------------------- evaluation aspects

def test_every_door_shows_the_evaluation_aspects_of_the_data_source(app: Any, client: Any,
                                                                    admin: Any,
                                                                    auth: Any) -> None:
    aspects = _aspects()
    code = _drill_in(admin, "planned")
    page = signed_in(app, "coordinator")
    form = page.get(f"/drills/{code}/record").get_data(as_text=True)
    textareas = set(re.findall(r'<textarea[^>]*name="([^"]+)"', form))
    assert set(aspects) <= textareas, f"record page lacks {set(aspects) - textareas}"
    assert textareas - set(aspects) <= {"summary", "strengths", "improvements"}, textareas

    saved = admin("put", f"/api/v1/drills/{code}/record",
                  json={"evaluation": {a: f"评估：{a}" for a in aspects}})
    assert saved.status_code == 200, saved.json
    assert list(saved.json["evaluation"]) == aspects or set(saved.json["evaluation"]) == set(
        aspects)
    unknown = admin("put", f"/api/v1/drills/{code}/record",
                    json={"evaluation": {"morale": "x"}})
    assert unknown.status_code == 422 and "evaluation" in str(unknown.json)

    spec = client.get("/api/v1/openapi.json", headers=auth("admin")).json
    assert set(spec["components"]["schemas"]["EvaluationIO"]["properties"]) == set(aspects)

    detail = page.get(f"/drills/{code}").get_data(as_text=True)
    shown = re.search(r'<dl class="facts evaluation">(.*?)</dl>', detail, re.S)
    assert shown, "the drill page shows no evaluation"
    assert shown.group(1).count("<dt>") == len(aspects)
    assert all(f"评估：{a}" in shown.group(1) for a in aspects)
