"""A drill names its director (演练总指挥): planned, changed and shown the same through the
API, the drill form and the drill page; a name past 100 characters is refused naming the
field at both doors."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.core.clock import district_today
from tests.helpers import csrf_token, is_problem, signed_in

DIRECTOR = "王建国 138 0000 1234"


def _drill_json(**over: Any) -> dict[str, Any]:
    start = (district_today() + timedelta(days=12)).isoformat()
    return {"title": "消防疏散演练", "exercise_type": "drill", "form": "live",
            "scope": "single", "hazard": "fire", "area": "S01-C01",
            "starts_at": f"{start}T09:00:00", "duration_minutes": 60, **over}


def test_the_api_plans_changes_and_bounds_the_director(admin: Any) -> None:
    made = admin("post", "/api/v1/drills", json=_drill_json(director=DIRECTOR))
    assert made.status_code == 201, made.json
    code = made.json["codes"][0]
    assert admin("get", f"/api/v1/drills/{code}").json["director"] == DIRECTOR
    changed = admin("patch", f"/api/v1/drills/{code}", json={"director": "  李梅  "})
    assert changed.status_code == 200 and changed.json["director"] == "李梅"
    long = admin("patch", f"/api/v1/drills/{code}", json={"director": "长" * 101})
    assert is_problem(long, 422) and long.json["field"] == "director"
    assert admin("get", f"/api/v1/drills/{code}").json["director"] == "李梅"


def test_the_form_saves_the_director_and_the_page_shows_it(app: Any, demo: Any,
                                                           admin: Any) -> None:
    staff = signed_in(app, "staff")
    html = staff.get("/drills/new").get_data(as_text=True)
    assert 'name="director"' in html
    data = {"csrf_token": csrf_token(html), "title": "防汛转移演练", "exercise_type": "drill",
            "form": "", "scope": "single", "hazard": "flood", "area": "S01-C01",
            "date": (district_today() + timedelta(days=9)).isoformat(),
            "start_time": "09:30", "duration_minutes": "90", "repeat": "", "times": "4"}
    too_long = staff.post("/drills/new", data={**data, "director": "长" * 101})
    assert too_long.status_code == 422 and "has-error" in too_long.get_data(as_text=True)
    made = staff.post("/drills/new", data={**data, "director": DIRECTOR})
    assert made.status_code == 302, made.get_data(as_text=True)[-2000:]
    code = made.headers["Location"].rsplit("/", 1)[-1]
    assert admin("get", f"/api/v1/drills/{code}").json["director"] == DIRECTOR
    assert DIRECTOR in staff.get(f"/drills/{code}").get_data(as_text=True)
    edit = staff.get(f"/drills/{code}/edit").get_data(as_text=True)
    assert f'value="{DIRECTOR}"' in edit
