"""The drill pages without a browser: calendar, plan form, drill page, record, compliance,
corrective-action board, by role."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.clock import district_today
from app.models import CorrectiveAction, Drill, DrillRecord
from tests.helpers import csrf_token, sign_in, signed_in, system

COMMUNITY, OTHER = "S01-C01", "S02-C01"
ROLES = ("admin", "coordinator", "official", "staff")


def plan_form(client: Any, **over: Any) -> Any:
    html = client.get("/drills/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "title": "季度测试疏散演练", "exercise_type": "drill",
            "form": "", "scope": "single", "hazard": "fire", "area": COMMUNITY,
            "date": (district_today() + timedelta(days=10)).isoformat(), "start_time": "09:30",
            "duration_minutes": "90", "objectives": "2 分钟内疏散完毕\n清点人数",
            "repeat": "", "times": "4", **over}
    return client.post("/drills/new", data=data)


def plan(client: Any, **over: Any) -> str:
    resp = plan_form(client, **over)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    return resp.headers["Location"].rsplit("/", 1)[-1]


def drills_in(app: Any) -> int:
    with system(app) as session:
        return session.scalar(select(func.count()).select_from(Drill)) or 0


def action_of(app: Any, title: str) -> str:
    with system(app) as session:
        return session.scalars(select(CorrectiveAction.code)
                               .where(CorrectiveAction.title == title)).one()


def series_of(app: Any, code: str) -> list[Drill]:
    with system(app) as session:
        first = session.scalars(select(Drill).where(Drill.code == code)).one()
        rows = session.scalars(select(Drill).where(
            (Drill.id == first.id) | (Drill.series_id == first.id))
            .order_by(Drill.starts_at)).all()
        session.expunge_all()
        return list(rows)


def past_drill(app: Any, area: str = COMMUNITY) -> str:
    """A drill held yesterday (the pages cannot plan in the past... they can: a date)."""
    client = signed_in(app, "coordinator")
    return plan(client, area=area, date=(district_today() - timedelta(days=1)).isoformat(),
                start_time="09:00", teams=[])


def test_every_page_opens_for_every_role(app: Any, demo: Any) -> None:
    code = past_drill(app)
    coordinator = signed_in(app, "coordinator")
    page = coordinator.get(f"/drills/{code}").get_data(as_text=True)
    coordinator.post(f"/drills/{code}/actions", data={
        "csrf_token": csrf_token(page), "action-title": "补充应急照明",
        "action-element": "equipment", "action-owner": "王主任",
        "action-due_on": (district_today() + timedelta(days=30)).isoformat()})
    action = action_of(app, "补充应急照明")
    pages = ["/drills", "/drills?view=list", "/drills?month=2027-03", "/drills?month=bad",
             f"/drills?area={COMMUNITY}", "/drills/compliance",
             "/drills/compliance?standing=overdue", "/actions", "/actions?element=equipment",
             f"/drills/{code}", f"/actions/{action}"]
    writers = ["/drills/new", f"/drills/{code}/edit", f"/drills/{code}/record"]
    for user in ROLES:
        client = signed_in(app, user)
        for url in pages:
            resp = client.get(url)
            assert resp.status_code == 200, (user, url, resp.status_code)
        for url in writers:
            assert client.get(url).status_code == (403 if user == "official" else 200), (user, url)
        rule = client.get("/drills/requirements/REQ-COMMUNITY").status_code
        assert rule == (200 if user in ("admin", "coordinator") else 403), user


def test_a_quarterly_series_is_planned_and_shown_on_the_calendar(app: Any, client: Any,
                                                                  demo: Any) -> None:
    sign_in(client, "staff")
    day = district_today() + timedelta(days=10)
    resp = plan_form(client, repeat="quarterly", times="4", teams=["T-S01-C01-V"])
    assert resp.status_code == 302
    code = resp.headers["Location"].rsplit("/", 1)[-1]
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "4" in html and "flash ok" in html and "FREQ=MONTHLY;INTERVAL=3;COUNT=4" in html
    assert html.count('class="status drill-planned"') >= 4  # the series siblings
    rows = series_of(app, code)
    assert len(rows) == 4 and rows[0].form.value == "live"  # matched to the type
    assert rows[0].expected_participants > 0  # the team's members by default
    calendar = client.get(f"/drills?month={day:%Y-%m}").get_data(as_text=True)
    assert "季度测试疏散演练" in calendar and "drill-chip drill-planned" in calendar
    listing = client.get("/drills?view=list").get_data(as_text=True)
    assert listing.count("季度测试疏散演练") == 1  # only the first date is within 90 days


def test_bad_input_stays_on_the_form_and_writes_nothing(app: Any, client: Any,
                                                         demo: Any) -> None:
    sign_in(client, "staff")
    before = drills_in(app)
    for over, field in (({"title": ""}, "title"),
                        ({"exercise_type": "tabletop", "form": "live"}, "form"),
                        ({"rrule": "FREQ=DAILY"}, "rrule"),
                        ({"date": "not a date"}, "date"),
                        ({"area": OTHER}, "area")):
        resp = plan_form(client, notes="保留的备注", **over)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, over
        assert "has-error" in html and "保留的备注" in html, over
        assert f'id="{field}"' in html.split("has-error", 1)[1][:2000] or field == "rrule", over
    assert drills_in(app) == before


def test_officials_read_but_see_no_forms_and_cannot_post(app: Any, demo: Any) -> None:
    code = past_drill(app)
    client = signed_in(app, "official")
    html = client.get(f"/drills/{code}").get_data(as_text=True)
    assert code in html and 'method="post"' not in html.split("<main>", 1)[1]
    assert "/drills/new" not in client.get("/drills").get_data(as_text=True)
    token = csrf_token(html)
    for url, data in (("/drills/new", {}), (f"/drills/{code}/status", {"status": "cancelled"}),
                      (f"/drills/{code}/record", {}), (f"/drills/{code}/exercise", {}),
                      (f"/drills/{code}/actions", {}), (f"/drills/{code}/edit", {}),
                      ("/drills/requirements/REQ-COMMUNITY", {"every_months": "1"})):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    with system(app) as session:
        assert session.scalar(select(Drill).where(Drill.code == code)).status.value == "planned"


def test_staff_cannot_open_another_communitys_drill(app: Any, demo: Any) -> None:
    code = past_drill(app, area=OTHER)
    client = signed_in(app, "staff")
    assert client.get(f"/drills/{code}").status_code == 403
    assert client.get(f"/drills/{code}/record").status_code == 403
    assert code not in client.get("/drills?view=list&month=").get_data(as_text=True)
    html = client.get("/drills").get_data(as_text=True)
    assert client.post(f"/drills/{code}/status", data={
        "csrf_token": csrf_token(html), "status": "cancelled"}).status_code == 403


def test_forms_without_a_csrf_token_are_refused(app: Any, client: Any, demo: Any) -> None:
    code = past_drill(app)
    before = drills_in(app)
    sign_in(client, "coordinator")
    assert client.post("/drills/new", data={"title": "x"}).status_code == 400
    assert client.post(f"/drills/{code}/status", data={"status": "cancelled"}).status_code == 400
    assert client.post(f"/drills/{code}/record", data={}).status_code == 400
    assert client.post("/actions/CA-1/status", data={"status": "done"}).status_code == 400
    assert drills_in(app) == before
    assert series_of(app, code)[0].status.value == "planned"


def test_status_buttons_confirm_cancel_and_replan(app: Any, client: Any, demo: Any) -> None:
    sign_in(client, "staff")
    code = plan(client, repeat="monthly", times="3")
    html = client.get(f"/drills/{code}").get_data(as_text=True)
    for status, label in (("confirmed", "已确认"), ("planned", "计划中"), ("cancelled", "已取消"),
                          ("planned", "计划中")):
        resp = client.post(f"/drills/{code}/status", data={"csrf_token": csrf_token(html),
                                                           "status": status})
        assert resp.status_code == 302
        page = client.get(f"/drills/{code}").get_data(as_text=True)
        assert label in page.split('class="badges"')[1][:200], status
    client.post(f"/drills/{code}/status", data={"csrf_token": csrf_token(html), "status": "done"})
    assert "flash error" in client.get(f"/drills/{code}").get_data(as_text=True)
    client.post(f"/drills/{code}/status", data={"csrf_token": csrf_token(html),
                                                "status": "cancelled", "series": "1"})
    assert {d.status.value for d in series_of(app, code)} == {"cancelled"}


def test_recording_shows_not_met_and_bad_rows_are_numbered(app: Any, client: Any,
                                                          demo: Any) -> None:
    code = past_drill(app)
    sign_in(client, "staff")
    form = client.get(f"/drills/{code}/record").get_data(as_text=True)
    assert "低层建筑疏散完毕" in form and 'value="2:00"' in form
    base = {"csrf_token": csrf_token(form), "att-0-name": "", "att-0-team": "T-S01-C01-V",
            "att-0-expected": "12", "att-0-present": "10",
            "ev-0-time": "09:01", "ev-0-text": "警报拉响", "ev-1-time": "", "ev-1-text": "",
            "ms-0-name": "低层建筑疏散完毕", "ms-0-target": "2:00", "ms-0-actual": "4:10",
            "rt-0-capability": "疏散引导", "rt-0-rating": "M", "rt-0-note": "",
            "strengths": "响应迅速", "improvements": "楼梯照明不足\n广播听不清",
            "execution": "按预案进行", "complete": "y"}
    bad = client.post(f"/drills/{code}/record", data={**base, "ev-1-time": "25:99",
                                                      "ev-1-text": "集合"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and ("第 2 行" in html or "row 2" in html.lower())
    assert 'name="ev-1-time" value="25:99"' in html and 'id="err-ev-1-time"' in html
    assert 'value="楼梯照明不足' in html or "楼梯照明不足" in html  # typed text kept
    bad = client.post(f"/drills/{code}/record", data={**base, "rt-0-rating": "X"})
    assert bad.status_code == 422
    with system(app) as session:
        assert session.scalar(select(DrillRecord).join(Drill).where(Drill.code == code)) is None
    resp = client.post(f"/drills/{code}/record", data=base)
    assert resp.status_code == 302
    page = client.get(f"/drills/{code}").get_data(as_text=True)
    measures = page.split('class="grid measures"')[1].split("</table>")[0]
    assert "4:10" in measures and "2:00" in measures and "mark not-met" in measures
    assert "rating-M" in page and "楼梯照明不足" in page and "按预案进行" in page
    assert "已完成" in page.split('class="badges"')[1][:200]


def test_corrective_actions_from_a_drill_move_across_the_board(app: Any, client: Any,
                                                               demo: Any) -> None:
    code = past_drill(app)
    sign_in(client, "staff")
    html = client.get(f"/drills/{code}").get_data(as_text=True)
    due = re.search(r'name="action-due_on"[^>]*value="([^"]+)"', html)
    assert due and due.group(1) == (district_today() + timedelta(days=30)).isoformat()
    token = csrf_token(html)
    bad = client.post(f"/drills/{code}/actions", data={"csrf_token": token, "action-title": "",
                                                       "action-element": "equipment",
                                                       "action-owner": "王", "action-due_on":
                                                       due.group(1)})
    assert bad.status_code == 422
    resp = client.post(f"/drills/{code}/actions", data={
        "csrf_token": token, "action-title": "补充应急照明", "action-element": "equipment",
        "action-owner": "王主任", "action-due_on": due.group(1)})
    assert resp.status_code == 302
    action = action_of(app, "补充应急照明")
    board = client.get("/actions").get_data(as_text=True)
    assert action in board and "补充应急照明" in board
    resp = client.post(f"/actions/{action}/status", data={"csrf_token": token, "status": "done",
                                                          "closing_note": ""})
    assert "flash error" in client.get(resp.headers["Location"]).get_data(as_text=True)
    client.post(f"/actions/{action}/status", data={"csrf_token": token,
                                                   "status": "in_progress"})
    client.post(f"/actions/{action}/status", data={"csrf_token": token, "status": "done",
                                                   "closing_note": "已安装 6 盏应急灯"})
    board = client.get("/actions").get_data(as_text=True)
    done = board.split('class="board-col col-done"')[1].split("</section>")[0]
    assert action in done and "已安装 6 盏应急灯" in done
    edit = client.get(f"/actions/{action}").get_data(as_text=True)
    resp = client.post(f"/actions/{action}", data={
        "csrf_token": csrf_token(edit), "title": "补充应急照明（楼梯）", "element": "equipment",
        "owner": "王主任", "due_on": "bad", "status": "done"})
    assert resp.status_code == 422


def test_an_overdue_action_is_red_with_its_days(app: Any, client: Any, demo: Any) -> None:
    from app.drills import actions

    code = past_drill(app)
    with system(app) as session:
        actions.create(session, {"drill": code, "title": "更换过期灭火器",
                                 "element": "equipment", "owner": "李",
                                 "start_on": district_today() - timedelta(days=40),
                                 "due_on": district_today() - timedelta(days=5)})
    sign_in(client, "coordinator")
    board = client.get("/actions").get_data(as_text=True)
    cards = [c.split("</article>")[0] for c in board.split("action-card overdue")[1:]]
    card = next(c for c in cards if "更换过期灭火器" in c)
    assert "更换过期灭火器" in card and 'class="late" data-days="5"' in card


def test_compliance_counts_filters_and_rule_edit(app: Any, client: Any, demo: Any) -> None:
    sign_in(client, "coordinator")
    html = client.get("/drills/compliance").get_data(as_text=True)
    assert "已逾期" in html and "REQ-COMMUNITY" in html
    assert f"/drills/new?area={COMMUNITY}" in html
    overdue = client.get("/drills/compliance?standing=ok").get_data(as_text=True)
    assert 'class="standing-overdue"' not in overdue
    form = client.get("/drills/requirements/REQ-COMMUNITY").get_data(as_text=True)
    bad = client.post("/drills/requirements/REQ-COMMUNITY", data={
        "csrf_token": csrf_token(form), "every_months": "0", "min_drills": "1", "active": "y"})
    assert bad.status_code == 422
    resp = client.post("/drills/requirements/REQ-COMMUNITY", data={
        "csrf_token": csrf_token(form), "every_months": "6", "min_drills": "2", "form": "live",
        "active": "y"})
    assert resp.status_code == 302
    assert "2 in 6" in client.get("/drills/compliance").get_data(as_text=True) or \
        "6 个月内 2 次" in client.get("/drills/compliance").get_data(as_text=True)
    prefilled = client.get(f"/drills/new?area={COMMUNITY}&form=live").get_data(as_text=True)
    assert re.search(rf'<option selected value="{COMMUNITY}"|value="{COMMUNITY}" selected',
                     prefilled)


def test_an_exercise_incident_runs_from_the_drill(app: Any, client: Any, demo: Any) -> None:
    code = past_drill(app)
    sign_in(client, "coordinator")
    html = client.get(f"/drills/{code}").get_data(as_text=True)
    resp = client.post(f"/drills/{code}/exercise", data={"csrf_token": csrf_token(html),
                                                         "exercise-level": "4"})
    assert resp.status_code == 302
    page = client.get(f"/drills/{code}").get_data(as_text=True)
    incident = re.search(r'href="/incidents/(INC-[^"]+)"', page)
    assert incident, page[-3000:]
    assert client.get(f"/incidents/{incident.group(1)}").status_code == 200


@pytest.mark.parametrize("query", ["", "?area=S01-C01", "?team=T-S01-C01-V"])
def test_the_calendar_file_downloads(app: Any, client: Any, demo: Any, query: str) -> None:
    pytest.importorskip("app.drills.ical")
    past_drill(app)
    sign_in(client, "staff")
    resp = client.get(f"/drills/calendar.ics{query}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert b"BEGIN:VCALENDAR" in resp.data
    assert client.get("/drills/calendar.ics?area=S02").status_code == 404
