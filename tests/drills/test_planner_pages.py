"""The drill planner page without a browser: who may plan, bad input, preview, then create."""
from __future__ import annotations

import re
from html import unescape
from typing import Any

from sqlalchemy import select

from app.core.clock import district_today
from app.models import Drill
from tests.helpers import csrf_token, signed_in, system

Y = district_today().year + 2  # no demo drill lies that far ahead


def plan_form(client: Any, **over: Any) -> dict[str, Any]:
    html = client.get("/drills/plan").get_data(as_text=True)
    return {"csrf_token": csrf_token(html), "start": f"{Y}-01-01", "end": f"{Y}-12-31",
            "weekdays": ["5", "6"], "blackout": f"{Y}-06-01..{Y}-09-30",
            "communities": ["S01-C01", "S01-C02", "S02-C01", "S02-C02"],
            "max_per_street_per_day": "1", "min_gap_days": "28", "team_max_per_month": "2",
            "exercise_type": "drill", "form": "live", "hazard": "fire", "start_time": "09:30",
            "duration_minutes": "120", "title": "{community} fire drill", **over}


def schedule_of(html: str) -> str:
    match = re.search(r'name="schedule"[^>]*value="([^"]+)"', html)
    assert match, "no create button"
    return unescape(match.group(1))


def timetable_rows(html: str) -> list[str]:
    body = html.split('class="grid compact timetable"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>", body)


def drills_count(app: Any) -> int:
    with system(app) as session:
        return len(session.scalars(select(Drill.id)).all())


def test_an_official_may_not_plan(app: Any, demo: Any) -> None:
    client = signed_in(app, "official")
    assert client.get("/drills/plan").status_code == 403
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/drills/plan", data={"csrf_token": token}).status_code == 403
    assert client.post("/drills/plan/create", data={"csrf_token": token,
                                                    "schedule": "x"}).status_code == 403


def test_the_form_starts_from_the_policy_defaults(app: Any, demo: Any) -> None:
    client = signed_in(app, "coordinator")
    html = client.get("/drills/plan").get_data(as_text=True)
    year = district_today().year + 1
    assert f'value="{year}-01-01"' in html and f'value="{year}-12-31"' in html
    ticked = re.findall(r'name="weekdays"[^>]*value="(\d)"[^>]*checked|'
                        r'checked[^>]*name="weekdays"[^>]*value="(\d)"', html)
    assert sorted("".join(t) for t in ticked) == ["5", "6"]
    assert html.count('name="communities"') == 4 and "2027-06-01..2027-09-30" in html  # the hint
    staff = signed_in(app, "staff").get("/drills/plan").get_data(as_text=True)
    assert staff.count('name="communities"') == 1  # only the staff user's community


def test_bad_dates_show_an_error_and_keep_the_input(app: Any, demo: Any) -> None:
    client = signed_in(app, "coordinator")
    resp = client.post("/drills/plan", data=plan_form(client, start=f"{Y}-12-31",
                                                      end=f"{Y}-01-01"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "has-error" in html and 'id="preview"' not in html
    resp = client.post("/drills/plan", data=plan_form(client, blackout="2027-06-31"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "2027-06-31" in html and "has-error" in html
    resp = client.post("/drills/plan", data=plan_form(client, start="next year"))
    assert resp.status_code == 422
    resp = client.post("/drills/plan", data=plan_form(client, weekdays=[]))
    assert resp.status_code == 422 and "has-error" in resp.get_data(as_text=True)


def test_preview_then_create_writes_the_previewed_drills(app: Any, demo: Any) -> None:
    client = signed_in(app, "coordinator")
    resp = client.post("/drills/plan", data=plan_form(client))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[-2000:]
    assert 'data-status="optimal"' in html or 'data-status="feasible"' in html
    assert '<svg class="bars"' in html and html.count("<rect") == 12
    assert len(timetable_rows(html)) == 4
    before = drills_count(app)
    token = schedule_of(html)
    resp = client.post("/drills/plan/create", data={"csrf_token": csrf_token(html),
                                                    "schedule": token})
    assert resp.status_code == 302 and f"/drills?month={Y}-" in resp.headers["Location"]
    assert drills_count(app) == before + 4
    with system(app) as session:
        made = session.scalars(select(Drill).where(Drill.code.like(f"DRL-{Y}-%"))).all()
        assert sorted(d.area.code for d in made) == ["S01-C01", "S01-C02", "S02-C01", "S02-C02"]
        assert all(d.title.endswith("fire drill") and len(d.teams) == 1 for d in made)
    flashed = client.get("/drills/plan").get_data(as_text=True)
    assert f"DRL-{Y}-001" in flashed  # the flash names the codes
    # the same preview sent again is refused: the plan is complete now
    resp = client.post("/drills/plan/create", data={"csrf_token": csrf_token(html),
                                                    "schedule": token})
    assert resp.status_code == 422 and "flash error" in resp.get_data(as_text=True)
    assert drills_count(app) == before + 4
    # and a new preview has nothing left to create
    again = client.post("/drills/plan", data=plan_form(client)).get_data(as_text=True)
    assert 'name="schedule"' not in again and 'class="banner info"' in again


def test_a_changed_or_foreign_preview_is_refused(app: Any, demo: Any) -> None:
    client = signed_in(app, "coordinator")
    html = client.post("/drills/plan", data=plan_form(client)).get_data(as_text=True)
    token = schedule_of(html)
    before = drills_count(app)
    forged = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    resp = client.post("/drills/plan/create", data={"csrf_token": csrf_token(html),
                                                    "schedule": forged})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/drills/plan")
    assert "flash error" in client.get("/drills/plan").get_data(as_text=True)
    admin = signed_in(app, "admin")
    page = admin.get("/drills/plan").get_data(as_text=True)
    resp = admin.post("/drills/plan/create", data={"csrf_token": csrf_token(page),
                                                   "schedule": token})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/drills/plan")
    assert drills_count(app) == before


def test_an_impossible_plan_says_which_rule_blocks(app: Any, demo: Any) -> None:
    client = signed_in(app, "coordinator")
    resp = client.post("/drills/plan", data=plan_form(
        client, communities=["S01-C01", "S01-C02"], weekdays=["6"],
        blackout=f"{Y}-01-08..{Y}-12-31"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-status="infeasible"' in html
    assert 'role="alert"' in html and "S01" in html and 'name="schedule"' not in html
