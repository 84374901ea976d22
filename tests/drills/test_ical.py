"""iCalendar feeds of drills: parsed back with icalendar, through the service and the API."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.drills import ical
from app.drills import services as drills
from app.models import Area

COMMUNITY = "S01-C01"
TEAM = "T-S01-C01-V"
SOON = (datetime.now(UTC) + timedelta(days=40)).astimezone(drills.local_tz()).replace(
    hour=9, minute=30, second=0, microsecond=0, tzinfo=None)


def plan(ctx: Any, **kw: Any) -> list[str]:
    data = {"title": "消防疏散演练", "exercise_type": "drill", "form": "live", "hazard": "fire",
            "area": f"{COMMUNITY}-G01", "starts_at": SOON.isoformat(), "duration_minutes": 90,
            "teams": [TEAM], "objectives": ["疏散 2 分钟内完成", "清点人数"],
            "venue_address": "社区广场", "expected_participants": 80, **kw}
    return drills.create(ctx, data)


def events(body: bytes) -> tuple[Calendar, dict[str, Any]]:
    cal = Calendar.from_ical(body)
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def series(ctx: Any, demo: Any) -> dict[str, Any]:
    codes = plan(ctx, rrule="FREQ=WEEKLY;COUNT=3")
    elsewhere = plan(ctx, area="S02-C01", teams=["T-S02-C01-V"])[0]
    no_team = plan(ctx, teams=[], title="桌面推演", exercise_type="tabletop", form="tabletop")[0]
    drills.set_status(ctx, codes[1], "confirmed")
    drills.set_status(ctx, codes[2], "cancelled")
    return {"codes": codes, "elsewhere": elsewhere, "no_team": no_team}


def test_an_area_feed_has_one_event_per_drill_of_its_subtree(ctx: Any,
                                                             series: dict[str, Any]) -> None:
    body = ical.calendar(ctx, area=COMMUNITY, lang="en", base_url="https://rg.example/")
    cal, found = events(body)
    community = ctx.scalar(select(Area).where(Area.code == COMMUNITY))
    assert str(cal["VERSION"]) == "2.0" and "ReadyGrid" in str(cal["PRODID"])
    assert community.name_en in str(cal["X-WR-CALNAME"])
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    codes = series["codes"]
    mine = [*codes, series["no_team"]]
    assert {f"{c}@readygrid" for c in mine} <= set(found)
    assert f"{series['elsewhere']}@readygrid" not in found
    # Only drills of the community's subtree, each once.
    for uid in found:
        drill = drills.load(ctx, uid.split("@")[0])
        assert drill.area.path.startswith(community.path)
    assert len(cal.walk("VEVENT")) == len(found)

    event = found[f"{codes[0]}@readygrid"]
    drill = drills.load(ctx, codes[0])
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == drill.starts_at and end == drill.ends_at
    assert start.utcoffset() == timedelta(0) and end - start == timedelta(minutes=90)
    assert f"DTSTART:{drill.starts_at:%Y%m%dT%H%M%S}Z" in body.decode()
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "消防疏散演练"
    assert str(event["LOCATION"]) == "社区广场"
    description = str(event["DESCRIPTION"])
    for text in ("Drill", "Fire", "疏散 2 分钟内完成", "清点人数", TEAM, codes[0]):
        assert text in description, text
    assert str(event["URL"]) == f"https://rg.example/drills/{codes[0]}"
    assert {"Drill", "Fire", "Live"} <= {str(c) for c in event["CATEGORIES"].cats}
    assert [str(found[f"{c}@readygrid"]["STATUS"]) for c in codes] == [
        "TENTATIVE", "CONFIRMED", "CANCELLED"]
    weekly = [found[f"{c}@readygrid"].decoded("DTSTART") for c in codes]
    assert [b - a for a, b in zip(weekly, weekly[1:], strict=False)] == [timedelta(days=7)] * 2


def test_a_team_feed_has_the_drills_the_team_takes_part_in(ctx: Any,
                                                           series: dict[str, Any]) -> None:
    cal, found = events(ical.calendar(ctx, team=TEAM, lang="zh"))
    assert "URL" not in next(iter(found.values()))  # no base URL given
    codes = series["codes"]
    assert {f"{c}@readygrid" for c in codes} <= set(found)
    assert f"{series['no_team']}@readygrid" not in found
    assert f"{series['elsewhere']}@readygrid" not in found
    for uid in found:
        assert TEAM in [t.code for t in drills.load(ctx, uid.split("@")[0]).teams]
    assert "志愿者" in str(cal["X-WR-CALNAME"])  # the team's Chinese name
    assert "火灾" in str(found[f"{codes[0]}@readygrid"]["DESCRIPTION"])  # zh labels


def test_unknown_codes_name_the_field(ctx: Any, demo: Any) -> None:
    from app.core.errors import NotFound

    with pytest.raises(NotFound) as err:
        ical.calendar(ctx, area="NOPE")
    assert err.value.field == "area"
    with pytest.raises(NotFound) as err:
        ical.calendar(ctx, team="T-NOPE")
    assert err.value.field == "team"


def _token(app: Any, username: str) -> str:
    from app.accounts.services import issue_token
    from app.core import db

    with app.app_context():
        clear, _ = issue_token(db.session(), username, "calendar")
    return clear


def test_the_feed_takes_a_token_in_the_query(app: Any, client: Any, ctx: Any,
                                             series: dict[str, Any], auth: Any) -> None:
    token = _token(app, "staff")
    url = f"/api/v1/calendar/areas/{COMMUNITY}.ics"
    resp = client.get(url, query_string={"token": token})
    assert resp.status_code == 200, resp.data
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in resp.headers["Cache-Control"]
    _cal, found = events(resp.data)
    assert f"{series['codes'][0]}@readygrid" in found
    assert str(found[f"{series['codes'][0]}@readygrid"]["URL"]).startswith("http://localhost/")
    # The bearer header works as well; both feeds exist.
    assert client.get(url, headers=auth("staff")).status_code == 200
    team = client.get(f"/api/v1/calendar/teams/{TEAM}.ics", query_string={"token": token})
    assert team.status_code == 200 and f"{series['codes'][0]}@readygrid" in events(
        team.data)[1]

    missing = client.get(url)
    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    assert client.get(url, query_string={"token": "rg_nope"}).status_code == 401
    # Only the feeds read the query token.
    assert client.get("/api/v1/drills", query_string={"token": token}).status_code == 401
    # Scope holds: staff of S01-C01 get no other community's feed.
    other = client.get("/api/v1/calendar/areas/S02-C01.ics", query_string={"token": token})
    assert other.status_code == 403 and other.json["field"] == "area"
    assert client.get("/api/v1/calendar/areas/NOPE.ics",
                      query_string={"token": token}).status_code == 404


def test_the_feeds_are_documented(client: Any, demo: Any, auth: Any) -> None:
    spec = client.get("/api/v1/openapi.json", headers=auth("admin")).json
    assert spec["components"]["securitySchemes"]["CalendarToken"]["in"] == "query"
    for path in ("/api/v1/calendar/areas/{code}.ics", "/api/v1/calendar/teams/{code}.ics"):
        op = spec["paths"][path]["get"]
        assert "text/calendar" in op["responses"]["200"]["content"]
        assert {"BearerAuth": []} in op["security"] and {"CalendarToken": []} in op["security"]
        assert "token" in {p["name"] for p in op["parameters"]}
