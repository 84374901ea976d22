"""Drills through the JSON API: plan (with recurrence), record, act on findings, comply."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.core.clock import district_today

COMMUNITY = "S01-C01"
TEAM = "T-S01-C01-V"


@pytest.fixture(autouse=True)
def _no_demo_drills(app: Any, demo: Any) -> None:
    """Start from the demo district without its drill history, actions and notifications,
    so each test sees exactly what it made."""
    from sqlalchemy import delete, select

    from app.models import CorrectiveAction, Drill, Notification

    with app.app_context():
        token = set_actor(system_actor("test"))
        session = db.session()
        assert session.scalar(select(Drill.id).limit(1)) is not None  # the demo has some
        session.execute(delete(CorrectiveAction))
        for drill in session.scalars(select(Drill)):
            session.delete(drill)
        session.execute(delete(Notification))
        session.commit()
        reset_actor(token)


def plan(admin: Any, **over: Any) -> Any:
    body = {"title": "消防疏散演练", "exercise_type": "drill", "form": "live", "hazard": "fire",
            "area": COMMUNITY, "starts_at": "2026-03-14T09:30", "duration_minutes": 90,
            "teams": [TEAM], "objectives": ["疏散 2 分钟内完成"], **over}
    return admin("post", "/api/v1/drills", json=body)


def first(admin: Any, **over: Any) -> str:
    resp = plan(admin, **over)
    assert resp.status_code == 201, resp.json
    return resp.json["codes"][0]


def test_a_recurrence_creates_one_drill_per_date(admin: Any) -> None:
    resp = plan(admin, rrule="FREQ=MONTHLY;INTERVAL=3;COUNT=4", venue_address="社区广场")
    assert resp.status_code == 201, resp.json
    codes, made = resp.json["codes"], resp.json["drills"]
    assert len(codes) == 4 and [d["code"] for d in made] == codes
    assert [d["local_start"][:16] for d in made] == [
        "2026-03-14T09:30", "2026-06-14T09:30", "2026-09-14T09:30", "2026-12-14T09:30"]
    assert made[0]["starts_at"].startswith("2026-03-14T01:30")  # stored in UTC
    assert {d["series"] for d in made[1:]} == {codes[0]}
    assert all(d["teams"] == [TEAM] and d["duration_minutes"] == 90 and
               d["status"] == "planned" and d["area"] == COMMUNITY for d in made)
    assert admin("get", f"/api/v1/drills/{codes[1]}").json["venue_address"] == "社区广场"


def test_list_filters_by_dates_area_team_and_status(admin: Any) -> None:
    codes = plan(admin, rrule="FREQ=MONTHLY;COUNT=3").json["codes"]
    other = first(admin, area="S02-C01", teams=["T-S02-C01-V"], starts_at="2026-04-20T14:00")
    every = admin("get", "/api/v1/drills").json
    assert every["total"] == 4 and [d["code"] for d in every["items"]] == [
        codes[0], codes[1], other, codes[2]]
    april = admin("get", "/api/v1/drills", query_string={"from": "2026-04-01",
                                                         "to": "2026-04-30"}).json
    assert [d["code"] for d in april["items"]] == [codes[1], other]
    # 2026-04-14 09:30 local is the 14th in UTC too; a date bound is the local day.
    day = admin("get", "/api/v1/drills", query_string={"from": "2026-04-14",
                                                       "to": "2026-04-14"}).json
    assert [d["code"] for d in day["items"]] == [codes[1]]
    assert [d["code"] for d in admin("get", "/api/v1/drills", query_string={
        "area": "S02"}).json["items"]] == [other]
    assert admin("get", "/api/v1/drills", query_string={"team": TEAM}).json["total"] == 3
    assert admin("post", f"/api/v1/drills/{codes[0]}/status",
                 json={"status": "cancelled"}).json["status"] == "cancelled"
    cancelled = admin("get", "/api/v1/drills", query_string={"status": "cancelled"}).json
    assert [d["code"] for d in cancelled["items"]] == [codes[0]]
    page = admin("get", "/api/v1/drills", query_string={"per_page": 2, "page": 2,
                                                        "sort": "-starts_at"}).json
    assert page["pages"] == 2 and [d["code"] for d in page["items"]] == [codes[1], codes[0]]
    for query, field in (({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
                         ({"team": "T-NOPE"}, "team"), ({"status": "maybe"}, "status"),
                         ({"sort": "colour"}, "sort"), ({"from": "soon"}, "from")):
        bad = admin("get", "/api/v1/drills", query_string=query)
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json", query
        assert bad.json["field"] == field, (query, bad.json)


def test_patch_and_status_changes(admin: Any) -> None:
    code = first(admin)
    changed = admin("patch", f"/api/v1/drills/{code}",
                    json={"title": "夜间疏散演练", "starts_at": "2026-03-15T19:00+08:00",
                          "teams": [TEAM, "T-S01-R"]})
    assert changed.status_code == 200, changed.json
    assert changed.json["title"] == "夜间疏散演练"
    assert changed.json["local_start"].startswith("2026-03-15T19:00")
    assert changed.json["duration_minutes"] == 90 and changed.json["teams"] == [TEAM, "T-S01-R"]
    assert admin("post", f"/api/v1/drills/{code}/status",
                 json={"status": "confirmed"}).json["status"] == "confirmed"
    wrong = admin("post", f"/api/v1/drills/{code}/status", json={"status": "done"})
    assert wrong.status_code == 422 and wrong.json["field"] == "status"
    admin("post", f"/api/v1/drills/{code}/status", json={"status": "cancelled"})
    late = admin("patch", f"/api/v1/drills/{code}", json={"title": "x"})
    assert late.status_code == 409 and late.json["field"] == "status"
    series = admin("patch", f"/api/v1/drills/{first(admin)}", json={"rrule": "FREQ=DAILY"})
    assert series.status_code == 422 and series.json["field"] == "rrule"
    assert admin("get", "/api/v1/drills/DRL-NOPE").status_code == 404
    assert admin("patch", "/api/v1/drills/DRL-NOPE", json={"title": "x"}).status_code == 404


@pytest.mark.parametrize(("over", "field"), [
    ({"rrule": "FREQ=SOMETIMES;COUNT=2"}, "rrule"),
    ({"rrule": "FREQ=DAILY"}, "rrule"),
    ({"ends_at": "2026-03-14T08:00"}, "ends_at"),
    ({"teams": [TEAM, "T-NOPE"]}, "teams"),
    ({"venue_shelter": "SH-NOPE"}, "venue_shelter"),
    ({"area": "NOPE"}, "area"),
    ({"exercise_type": "tabletop"}, "form"),
    ({"exercise_type": "parade"}, "exercise_type"),
    ({"title": ""}, "title"),
    ({"starts_at": "next week"}, "starts_at"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"expected_participants": -1}, "expected_participants"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(admin: Any, over: dict[str, Any],
                                                              field: str) -> None:
    resp = plan(admin, **over)
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == "application/problem+json"
    assert resp.json["field"] == field, resp.json
    assert admin("get", "/api/v1/drills").json["total"] == 0


def test_scope_and_roles(client: Any, demo: Any, auth: Any, admin: Any) -> None:
    mine = first(admin)
    theirs = first(admin, area="S01-C02", teams=[])
    staff, official = auth("staff"), auth("official")
    assert client.get(f"/api/v1/drills/{mine}", headers=staff).status_code == 200
    refused = client.get(f"/api/v1/drills/{theirs}", headers=staff)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/drills/{theirs}/record", headers=staff).status_code == 403
    listed = client.get("/api/v1/drills", headers=staff).json
    assert [d["code"] for d in listed["items"]] == [mine]
    assert client.get("/api/v1/drills", headers=staff,
                      query_string={"area": "S01-C02"}).status_code == 403
    elsewhere = client.post("/api/v1/drills", headers=staff, json={
        "title": "x", "exercise_type": "drill", "form": "live", "hazard": "fire",
        "area": "S01-C02", "starts_at": "2026-05-01T09:00"})
    assert elsewhere.status_code == 403 and elsewhere.json["field"] == "area"
    assert client.post(f"/api/v1/drills/{theirs}/status", headers=staff,
                       json={"status": "cancelled"}).status_code == 403
    # The street official reads both, and writes nothing.
    assert client.get(f"/api/v1/drills/{theirs}", headers=official).status_code == 200
    for method, url, body in (
            ("post", "/api/v1/drills", {"title": "x", "exercise_type": "drill", "form": "live",
                                        "hazard": "fire", "area": COMMUNITY,
                                        "starts_at": "2026-05-01T09:00"}),
            ("patch", f"/api/v1/drills/{mine}", {"title": "y"}),
            ("post", f"/api/v1/drills/{mine}/status", {"status": "confirmed"}),
            ("put", f"/api/v1/drills/{mine}/record", {"summary": "z"}),
            ("post", f"/api/v1/drills/{mine}/exercise", {"level": 4}),
            ("post", "/api/v1/corrective-actions", {"drill": mine, "title": "t",
                                                    "element": "training", "owner": "o",
                                                    "due_on": "2026-06-01"})):
        resp = getattr(client, method)(url, headers=official, json=body)
        assert resp.status_code == 403, (url, resp.json)
    assert admin("get", f"/api/v1/drills/{mine}").json["title"] == "消防疏散演练"
    assert admin("get", "/api/v1/drills").json["total"] == 2
    assert client.get("/api/v1/drills").status_code == 401


RECORD = {
    "attendance": [{"team": TEAM, "expected": 12, "present": 10}],
    "events": [{"at": "2026-03-14T09:31", "text": "警报拉响"},
               {"at": "2026-03-14T09:35:10+08:00", "text": "疏散完毕"}],
    "measures": [{"name": "疏散完毕", "target_seconds": 120, "actual_seconds": 250,
                  "source": "GB/T 38315"},
                 {"name": "集合点名", "target_seconds": 300, "actual_seconds": 200}],
    "ratings": [{"capability": "疏散", "rating": "M", "note": "楼道堆物"}],
    "summary": "演练基本达到目的。",
    "strengths": ["集合迅速"], "improvements": ["楼道堆物"],
    "evaluation": {"execution": "按方案实施", "equipment": "广播音量不足"},
    "complete": True,
}


def test_record_round_trip(admin: Any) -> None:
    code = first(admin)
    empty = admin("get", f"/api/v1/drills/{code}/record").json
    assert empty["attendance"] == [] and empty["exercise"] is None and empty["drill"] == code
    saved = admin("put", f"/api/v1/drills/{code}/record", json=RECORD)
    assert saved.status_code == 200, saved.json
    back = admin("get", f"/api/v1/drills/{code}/record").json
    assert back == saved.json
    assert back["status"] == "done"
    assert back["attendance"] == [{"team": TEAM, "member": None, "member_name": None,
                                   "expected": 12, "present": 10}]
    assert [e["text"] for e in back["events"]] == ["警报拉响", "疏散完毕"]
    assert back["events"][0]["at"].startswith("2026-03-14T01:31")
    assert [(m["name"], m["target_seconds"], m["actual_seconds"], m["met"])
            for m in back["measures"]] == [("疏散完毕", 120, 250, False),
                                           ("集合点名", 300, 200, True)]
    assert back["measures"][0]["source"] == "GB/T 38315"
    assert back["ratings"] == [{"capability": "疏散", "rating": "M", "note": "楼道堆物"}]
    assert back["evaluation"] == RECORD["evaluation"]
    assert (back["strengths"], back["improvements"]) == (["集合迅速"], ["楼道堆物"])
    assert admin("get", f"/api/v1/drills/{code}").json["has_record"] is True
    # A list given replaces the old one; fields left out stay.
    again = admin("put", f"/api/v1/drills/{code}/record", json={"measures": []}).json
    assert again["measures"] == [] and again["ratings"] == back["ratings"]


@pytest.mark.parametrize(("body", "field"), [
    ({"attendance": [{"team": "T-NOPE"}]}, "attendance.0.team"),
    ({"attendance": [{"team": TEAM}, {"team": TEAM}]}, "attendance.1.team"),
    ({"attendance": [{"team": TEAM, "member": 999999}]}, "attendance.0.member"),
    ({"attendance": [{"team": TEAM, "present": -1}]}, "attendance.0.present"),
    ({"measures": [{"name": "x", "target_seconds": 0, "actual_seconds": 1}]},
     "measures.0.target_seconds"),
    ({"ratings": [{"capability": "x", "rating": "Z"}]}, "ratings.0.rating"),
    ({"ratings": [{"capability": "x", "rating": "P"}, {"capability": "x", "rating": "S"}]},
     "ratings.1.capability"),
    ({"evaluation": {"vibes": "good"}}, "evaluation.vibes"),
    ({"events": [{"at": "2026-03-14T09:31", "text": ""}]}, "events.0.text"),
    ({"complete": True}, "attendance"),
])
def test_bad_record_is_422_naming_the_field(admin: Any, body: dict[str, Any],
                                            field: str) -> None:
    code = first(admin)
    resp = admin("put", f"/api/v1/drills/{code}/record", json=body)
    assert resp.status_code == 422, resp.json
    assert resp.json["field"] == field, resp.json
    record = admin("get", f"/api/v1/drills/{code}/record").json
    assert record["attendance"] == [] and record["ratings"] == [] and record["status"] == "planned"


def test_a_future_drill_cannot_be_recorded_done(admin: Any) -> None:
    soon = (district_today() + timedelta(days=3)).isoformat() + "T09:00"
    code = first(admin, starts_at=soon)
    resp = admin("put", f"/api/v1/drills/{code}/record",
                 json={"events": [{"at": soon, "text": "x"}], "complete": True})
    assert resp.status_code == 422 and resp.json["field"] == "complete"


def test_corrective_action_lifecycle(admin: Any, client: Any, auth: Any) -> None:
    code = first(admin)
    made = admin("post", "/api/v1/corrective-actions", json={
        "drill": code, "title": "清理楼道堆物", "element": "equipment", "owner": "王主任",
        "start_on": "2026-03-15", "due_on": "2026-04-15"})
    assert made.status_code == 201, made.json
    action = made.json
    ca = action["code"]
    assert action["area"] == COMMUNITY and action["drill"] == code
    assert action["status"] == "open" and action["overdue"] is True  # due date has passed
    later = admin("post", "/api/v1/corrective-actions", json={
        "area": "S01-C02", "title": "补充广播设备", "element": "equipment", "owner": "李",
        "due_on": (district_today() + timedelta(days=30)).isoformat()}).json["code"]
    assert [a["code"] for a in admin("get", "/api/v1/corrective-actions",
                                     query_string={"overdue": "true"}).json["items"]] == [ca]
    assert [a["code"] for a in admin("get", "/api/v1/corrective-actions",
                                     query_string={"overdue": "false"}).json["items"]] == [later]
    assert admin("get", "/api/v1/corrective-actions",
                 query_string={"drill": code}).json["total"] == 1
    assert admin("get", "/api/v1/corrective-actions",
                 query_string={"element": "training"}).json["total"] == 0
    staff = auth("staff")
    assert client.get(f"/api/v1/corrective-actions/{later}", headers=staff).status_code == 403
    assert [a["code"] for a in client.get("/api/v1/corrective-actions",
                                          headers=staff).json["items"]] == [ca]

    moving = admin("patch", f"/api/v1/corrective-actions/{ca}", json={"status": "in_progress"})
    assert moving.status_code == 200 and moving.json["status"] == "in_progress"
    unnoted = admin("patch", f"/api/v1/corrective-actions/{ca}", json={"status": "done"})
    assert unnoted.status_code == 422 and unnoted.json["field"] == "closing_note"
    assert admin("get", f"/api/v1/corrective-actions/{ca}").json["status"] == "in_progress"
    closed = admin("patch", f"/api/v1/corrective-actions/{ca}",
                   json={"status": "done", "closing_note": "已清理"})
    assert closed.status_code == 200, closed.json
    assert closed.json["status"] == "done"
    assert closed.json["closed_on"] == district_today().isoformat()
    assert closed.json["overdue"] is False
    assert admin("get", "/api/v1/corrective-actions",
                 query_string={"status": "done"}).json["items"][0]["code"] == ca
    jump = admin("patch", f"/api/v1/corrective-actions/{ca}", json={"status": "cancelled"})
    assert jump.status_code == 409 and jump.json["field"] == "status"
    reopened = admin("patch", f"/api/v1/corrective-actions/{ca}",
                     json={"status": "in_progress"}).json
    assert reopened["status"] == "in_progress" and reopened["closed_on"] is None

    for body, field in (({"drill": "DRL-NOPE"}, "drill"), ({"element": "vibes"}, "element"),
                        ({"due_on": "2026-03-01"}, "due_on"), ({"owner": ""}, "owner"),
                        ({"area": None}, "area")):
        resp = admin("post", "/api/v1/corrective-actions", json={
            "drill": code, "title": "t", "element": "training", "owner": "o",
            "start_on": "2026-03-15", "due_on": "2026-04-15", **body})
        assert resp.status_code == 422 and resp.json["field"] == field, (body, resp.json)
    assert admin("get", "/api/v1/corrective-actions").json["total"] == 2
    assert admin("get", "/api/v1/corrective-actions/CA-NOPE").status_code == 404


def test_requirements_and_compliance(admin: Any, client: Any, auth: Any) -> None:
    rules = admin("get", "/api/v1/drill-requirements").json["items"]
    community = next(r for r in rules if r["code"] == "REQ-COMMUNITY")
    assert community["source"] and community["every_months"] >= 1

    rule = {"code": "REQ-SCHOOL-TEST", "name_zh": "学校每学期演练", "unit": "school",
            "every_months": 6, "area_codes": [COMMUNITY], "source": "教育部 2014",
            "form": "live"}
    assert client.post("/api/v1/drill-requirements", headers=auth("staff"),
                       json=rule).status_code == 403
    made = client.post("/api/v1/drill-requirements", headers=auth("coordinator"), json=rule)
    assert made.status_code == 201, made.json
    assert made.json["min_drills"] == 1 and made.json["area_codes"] == [COMMUNITY]
    dup = admin("post", "/api/v1/drill-requirements", json=rule)
    assert dup.status_code == 409 and dup.json["field"] == "code"
    for body, field in (({"unit": "moon"}, "unit"), ({"area_codes": ["NOPE"]}, "area_codes"),
                        ({"every_months": 0}, "every_months"), ({"source": ""}, "source")):
        bad = admin("post", "/api/v1/drill-requirements",
                    json={**rule, "code": "REQ-BAD", **body})
        assert bad.status_code == 422 and bad.json["field"] == field, (body, bad.json)
    patched = admin("patch", "/api/v1/drill-requirements/REQ-SCHOOL-TEST",
                    json={"every_months": 4, "form": None})
    assert patched.status_code == 200 and patched.json["every_months"] == 4
    assert patched.json["form"] is None
    assert admin("patch", "/api/v1/drill-requirements/REQ-NOPE",
                 json={"active": False}).status_code == 404
    assert client.patch("/api/v1/drill-requirements/REQ-SCHOOL-TEST", headers=auth("staff"),
                        json={"active": False}).status_code == 403

    query = {"requirement": "REQ-COMMUNITY", "today": "2026-12-28"}
    rows = {r["area"]: r for r in admin("get", "/api/v1/compliance",
                                        query_string=query).json["items"]}
    assert rows[COMMUNITY]["standing"] == "overdue" and rows[COMMUNITY]["last_done"] is None
    code = first(admin, area=f"{COMMUNITY}-G01", starts_at="2026-01-20T09:00")
    admin("put", f"/api/v1/drills/{code}/record",
          json={"events": [{"at": "2026-01-20T09:05", "text": "x"}], "complete": True})
    first(admin, starts_at="2027-01-10T09:00")
    body = admin("get", "/api/v1/compliance", query_string=query).json
    rows = {r["area"]: r for r in body["items"]}
    assert rows[COMMUNITY] == {"requirement": "REQ-COMMUNITY", "area": COMMUNITY,
                               "area_level": "community", "done_in_window": 1,
                               "last_done": "2026-01-20", "next_due": "2027-01-20",
                               "next_planned": "2027-01-10", "standing": "planned"}
    assert body["items"][0]["standing"] == "overdue"  # worst first
    assert sum(body["counts"].values()) == len(body["items"])
    planned = admin("get", "/api/v1/compliance",
                    query_string={**query, "standing": "planned"}).json["items"]
    assert [r["area"] for r in planned] == [COMMUNITY]
    staff_rows = client.get("/api/v1/compliance", headers=auth("staff"),
                            query_string=query).json["items"]
    assert {r["area"] for r in staff_rows} == {COMMUNITY}
    narrowed = admin("get", "/api/v1/compliance", query_string={**query, "area": "S02"}).json
    assert {r["area"] for r in narrowed["items"]} == {"S02-C01", "S02-C02"}
    unknown = admin("get", "/api/v1/compliance", query_string={"requirement": "REQ-NOPE"})
    assert unknown.status_code == 422 and unknown.json["field"] == "requirement"


def test_an_exercise_returns_its_incident_and_plan(admin: Any, auth: Any,
                                                   client: Any) -> None:
    code = first(admin, exercise_type="functional")
    resp = client.post(f"/api/v1/drills/{code}/exercise", headers=auth("staff"),
                       json={"level": 3})
    assert resp.status_code == 201, resp.json
    incident, number = resp.json["incident"], resp.json["plan"]
    assert number == 1 and resp.json["summary"]["areas"] == [COMMUNITY]
    assert admin("get", f"/api/v1/incidents/{incident}").json["exercise"] is True
    assert admin("get", f"/api/v1/incidents/{incident}/plans/1").json["number"] == 1
    record = admin("get", f"/api/v1/drills/{code}/record").json
    assert record["exercise"]["incident"] == incident and record["exercise"]["level"] == 3
    again = admin("post", f"/api/v1/drills/{code}/exercise", json={})
    assert again.status_code == 409 and again.json["field"] == "drill"
    bad = admin("post", f"/api/v1/drills/{first(admin)}/exercise", json={"level": 5})
    assert bad.status_code == 422 and bad.json["field"] == "level"
    theirs = first(admin, area="S01-C02", teams=[])
    assert client.post(f"/api/v1/drills/{theirs}/exercise", headers=auth("staff"),
                       json={}).status_code == 403
    street = first(admin, area="S01", teams=[])  # a street's exercise strikes its communities
    many = admin("post", f"/api/v1/drills/{street}/exercise", json={"level": 4})
    assert many.status_code == 201 and len(many.json["summary"]["areas"]) == 2


def _notes(app: Any) -> dict[str, int]:
    from sqlalchemy import select

    from app.models import Area
    from app.notifications.services import Draft, record

    with app.app_context():
        token = set_actor(system_actor("test"))
        session = db.session()
        ids = {code: id_ for code, id_ in session.execute(select(Area.code, Area.id))}
        new = record(session, [
            Draft("drill_reminder", ids[COMMUNITY], "演练提醒：S01-C01", "Drill reminder: S01-C01",
                  "", "test:1"),
            Draft("drill_reminder", ids["S02-C01"], "演练提醒：S02-C01", "Drill reminder: S02-C01",
                  "", "test:2"),
            Draft("compliance", None, "全区演练合规", "District compliance", "", "test:3")])
        session.commit()
        reset_actor(token)
    return dict(zip(("mine", "theirs", "district"), new, strict=True))


def test_notifications_follow_the_area_scope(app: Any, admin: Any, client: Any,
                                             auth: Any) -> None:
    notes = _notes(app)
    everyone = admin("get", "/api/v1/notifications").json
    assert {n["id"] for n in everyone["items"]} == set(notes.values())
    assert {n["area"] for n in everyone["items"]} == {COMMUNITY, "S02-C01", None}
    coordinator = client.get("/api/v1/notifications", headers=auth("coordinator")).json
    assert coordinator["total"] == 3
    staff = auth("staff")
    mine = client.get("/api/v1/notifications", headers=staff).json["items"]
    assert [n["id"] for n in mine] == [notes["mine"]] and mine[0]["read_at"] is None
    official = client.get("/api/v1/notifications", headers=auth("official")).json["items"]
    assert [n["id"] for n in official] == [notes["mine"]]  # street: no district-wide ones

    read = client.post(f"/api/v1/notifications/{notes['mine']}/read", headers=staff)
    assert read.status_code == 200 and read.json["read_at"]
    assert client.get("/api/v1/notifications", headers=staff,
                      query_string={"unread": "true"}).json["items"] == []
    unread = admin("get", "/api/v1/notifications", query_string={"unread": "true"}).json
    assert {n["id"] for n in unread["items"]} == {notes["theirs"], notes["district"]}
    assert client.post(f"/api/v1/notifications/{notes['theirs']}/read",
                       headers=staff).status_code == 403
    assert client.post(f"/api/v1/notifications/{notes['district']}/read",
                       headers=staff).status_code == 403
    assert admin("post", f"/api/v1/notifications/{notes['district']}/read").status_code == 200
    assert admin("post", "/api/v1/notifications/999999/read").status_code == 404
    narrowed = admin("get", "/api/v1/notifications", query_string={"area": "S02"}).json
    assert [n["id"] for n in narrowed["items"]] == [notes["theirs"]]
