"""Divergence 3: district-wide notifications (no area) and a district-level official.

The page (/notifications) shows a notification without an area to anyone whose own area is
the district (web.notifications.reader: `area.parent_id is None`). `GET /api/v1/notifications`
shows them only to administrators and coordinators (api.drills._district_wide checks the
role), so a district-level official sees them on the page and gets none from the API.
Expected: the same list at both doors.
"""
from __future__ import annotations

from typing import Any

from app.models import Notification
from tests.helpers import api, signed_in, stored

PASSWORD = "district-official-pw"
SUBJECT = "全区：防汛物资季度盘点提醒"


def _district_official(admin: Any) -> str:
    resp = admin("post", "/api/v1/users", json={
        "username": "d-official", "display_name": "区级观察员", "password": PASSWORD,
        "role": "official", "area": "D01"})
    assert resp.status_code == 201, resp.json
    return "d-official"


def _district_wide_notification(app: Any) -> None:
    with stored(app) as session:
        session.add(Notification(kind="stock_expiring", area_id=None, subject_zh=SUBJECT,
                                 subject_en="District: quarterly flood stock count",
                                 body="", dedup_key="regression-3-district-wide"))


def test_a_district_official_gets_the_district_wide_notifications_from_page_and_api(
        app: Any, client: Any, admin: Any, auth: Any) -> None:
    user = _district_official(admin)
    _district_wide_notification(app)
    page = signed_in(app, user, PASSWORD)
    html = page.get("/notifications").get_data(as_text=True)
    assert SUBJECT in html  # the page shows it (today too)
    listed = api(client, auth(user))("get", "/api/v1/notifications").json
    assert SUBJECT in [n["subject_zh"] for n in listed["items"]], (
        f"the API lists {listed['items']} for the district-level official")


def test_a_street_official_gets_them_at_neither_door(app: Any, client: Any, admin: Any,
                                                     auth: Any) -> None:
    """Pins the other half of the rule (passes today)."""
    _district_wide_notification(app)
    page = signed_in(app, "official")
    assert SUBJECT not in page.get("/notifications").get_data(as_text=True)
    listed = api(client, auth("official"))("get", "/api/v1/notifications").json
    assert SUBJECT not in [n["subject_zh"] for n in listed["items"]]
