"""Divergence 4: cancelling the rest of a drill series.

Today only the drill page can do it (`POST /drills/{code}/status` with status=cancelled and
series=1, web.drills.set_status): it cancels the drill, then each later date of the series
that is planned or confirmed, one `drills.set_status` call (one commit) per drill, so a
failure half-way leaves the first dates cancelled. Done and already-cancelled later dates are
skipped, not refused. The API and the CLI cannot do it at all.

The shape chosen for the new doors (they do not exist yet):

    POST /api/v1/drills/{code}/cancel-series      optional JSON {"reason": "..."}
      200 {"cancelled": [codes...]}   this drill and every later planned/confirmed date of its
                                      series, soonest first; done and cancelled dates are
                                      left as they are (as the page does)
      404 problem                     unknown drill
      403 or 409 problem              a date of the rest cannot be cancelled by this caller
                                      (here: it lies outside their areas); nothing is cancelled

    readygrid drills cancel-series CODE            exit 0, the cancelled codes on stdout;
                                                   exit 1 with one line for an unknown code

All of it in one transaction, at every door (the page too).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.models import Drill
from tests.helpers import api, cli, is_problem, page_token, signed_in, stored

COMMUNITY, TEAM = "S01-C01", "T-S01-C01-V"


def _series(call: Any, first_day: datetime, times: int) -> list[str]:
    resp = call("post", "/api/v1/drills", json={
        "title": "消防疏散演练", "exercise_type": "drill", "form": "live", "hazard": "fire",
        "area": COMMUNITY, "starts_at": first_day.strftime("%Y-%m-%dT09:30"),
        "duration_minutes": 60, "teams": [TEAM], "rrule": f"FREQ=WEEKLY;COUNT={times}"})
    assert resp.status_code == 201, resp.json
    return list(resp.json["codes"])


def _statuses(app: Any, codes: list[str]) -> list[str]:
    with stored(app) as session:
        by_code = {d.code: d.status.value
                   for d in session.scalars(select(Drill).where(Drill.code.in_(codes)))}
    return [by_code[c] for c in codes]


def _cancel_rest(door: str, app: Any, call: Any, code: str, user: str) -> Any:
    if door == "api":
        return call("post", f"/api/v1/drills/{code}/cancel-series",
                    json={"reason": "台风停课"})
    if door == "cli":
        return cli(app, "drills", "cancel-series", code)
    page = signed_in(app, user)
    return page.post(f"/drills/{code}/status", data={
        "csrf_token": page_token(page, f"/drills/{code}"), "status": "cancelled",
        "series": "1"})


@pytest.fixture
def staff(client: Any, demo: Any, auth: Any) -> Any:
    return api(client, auth("staff"))


@pytest.mark.parametrize("door", ["page", "api", "cli"])
def test_the_rest_of_a_series_is_cancelled_from_a_date_on(app: Any, staff: Any,
                                                          door: str) -> None:
    codes = _series(staff, datetime.now() + timedelta(days=20), 4)
    done = _cancel_rest(door, app, staff, codes[1], "staff")
    if door == "api":
        assert done.status_code == 200, (done.status_code, done.get_data(as_text=True)[:300])
        assert done.json == {"cancelled": codes[1:]}
    elif door == "cli":
        assert done.exit_code == 0, done.output
        assert all(c in done.output for c in codes[1:])
    else:
        assert done.status_code == 302
    assert _statuses(app, codes) == ["planned", "cancelled", "cancelled", "cancelled"]


@pytest.mark.parametrize("door", ["page", "api"])
def test_done_and_cancelled_later_dates_are_left_as_they_are(app: Any, staff: Any,
                                                             door: str) -> None:
    codes = _series(staff, datetime.now() - timedelta(days=21), 5)  # -21 -14 -7 0 +7 days
    held = staff("put", f"/api/v1/drills/{codes[2]}/record", json={
        "attendance": [{"team": TEAM, "expected": 10, "present": 8}], "complete": True})
    assert held.status_code == 200 and held.json["status"] == "done", held.json
    gone = staff("post", f"/api/v1/drills/{codes[4]}/status", json={"status": "cancelled"})
    assert gone.status_code == 200
    done = _cancel_rest(door, app, staff, codes[1], "staff")
    if door == "api":
        assert done.status_code == 200, (done.status_code, done.get_data(as_text=True)[:300])
        assert done.json == {"cancelled": [codes[1], codes[3]]}
    assert _statuses(app, codes) == ["planned", "cancelled", "done", "cancelled", "cancelled"]


@pytest.mark.parametrize("door", ["page", "api"])
def test_a_date_that_cannot_be_cancelled_cancels_none(app: Any, staff: Any, admin: Any,
                                                      door: str) -> None:
    """One later date was moved to another street's community: community staff may not
    cancel it, so nothing of the series is cancelled (the page today cancels the dates
    before it, one commit each, then answers 403)."""
    codes = _series(staff, datetime.now() + timedelta(days=20), 4)
    moved = admin("patch", f"/api/v1/drills/{codes[3]}", json={"area": "S02-C01"})
    assert moved.status_code == 200, moved.json
    done = _cancel_rest(door, app, staff, codes[1], "staff")
    if door == "api":
        assert is_problem(done, 403, 409), (done.status_code,
                                            done.get_data(as_text=True)[:300])
    after = _statuses(app, codes)
    assert after == ["planned"] * 4, f"through the {door} the series became {after}"


def test_an_unknown_drill_is_a_404_problem_and_an_exit_1(app: Any, staff: Any) -> None:
    resp = staff("post", "/api/v1/drills/DRL-1999-999/cancel-series")
    assert is_problem(resp, 404), resp.status_code
    done = cli(app, "drills", "cancel-series", "DRL-1999-999")
    assert done.exit_code == 1, (done.exit_code, done.output)
