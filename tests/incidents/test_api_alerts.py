"""CAP 1.2 through the API: export an incident's alerts, import an alert as a draft incident."""
from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.core import db
from app.incidents.interop import cap
from app.models import Area, Incident
from tests.helpers import sign_in

NS = {"cap": cap.CAP_NS}
GRID = "S01-C01-G01"
XML = {"Content-Type": "application/xml"}


def _declare(admin: Any, **over: Any) -> str:
    body = {"title": "暴雨内涝", "hazard": "flood", "level": 3, "plan": False,
            "areas": [{"area": GRID}], **over}
    resp = admin("post", "/api/v1/incidents", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json["code"]


def _when(delta: timedelta = timedelta()) -> str:
    return cap.cap_time(datetime.now(UTC) + delta)


def alert_xml(*, status: str = "Actual", msg_type: str = "Alert", event: str = "暴雨",
              severity: str = "Severe", areas: str = "", expires: str | None = None,
              identifier: str = "CMA-2026-0701-001", extra_info: str = "") -> bytes:
    expires = expires or _when(timedelta(days=2))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>met@example.cn</sender>
  <sent>{_when()}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>{event}</event>{extra_info}
    <urgency>Immediate</urgency>
    <severity>{severity}</severity>
    <certainty>Likely</certainty>
    <expires>{expires}</expires>
    <headline>暴雨橙色预警</headline>
    <description>预计未来12小时降雨量将达100毫米以上。</description>
    {areas}
  </info>
</alert>""".encode()


def _area_names(app: Any, code: str) -> tuple[str, str]:
    with app.app_context():
        area = db.session().scalar(select(Area).where(Area.code == code))
        return area.name_zh, area.name_en


def _count(app: Any) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Incident)) or 0


def test_an_incidents_alerts_export_as_valid_cap(admin: Any, client: Any, auth: Any) -> None:
    code = _declare(admin)
    index = admin("get", f"/api/v1/incidents/{code}/cap")
    assert index.status_code == 200
    [first] = index.json["alerts"]
    assert first["msg_type"] == "Alert" and first["status"] == "Actual" and first["level"] == 3
    assert first["identifier"] == f"{index.json['sender']}:{code}:1"

    assert admin("put", f"/api/v1/incidents/{code}/level", json={"level": 2}).status_code == 200
    assert admin("post", f"/api/v1/incidents/{code}/close").status_code == 200
    alerts = admin("get", f"/api/v1/incidents/{code}/cap").json["alerts"]
    assert [(a["msg_type"], a["kind"]) for a in alerts] == [
        ("Alert", "declared"), ("Update", "level_changed"), ("Update", "closed")]
    for a in alerts:
        resp = admin("get", a["url"])
        assert resp.status_code == 200 and resp.mimetype == "application/cap+xml"
        assert cap.validation_errors(resp.data) == []
    ended = etree.fromstring(admin("get", alerts[2]["url"]).data)
    assert ended.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"
    web = ended.findtext("cap:info/cap:web", namespaces=NS)
    assert web.endswith(f"/incidents/{code}")

    assert admin("get", f"/api/v1/incidents/{code}/cap/9.xml").status_code == 404
    # An official of the street reads the alerts too.
    official = client.get(f"/api/v1/incidents/{code}/cap", headers=auth("official"))
    assert official.status_code == 200
    assert client.get(f"/api/v1/incidents/{code}/cap").status_code == 401


def test_sender_comes_from_config(app: Any, admin: Any) -> None:
    app.config["CAP_SENDER"] = "alerts@district.example"
    code = _declare(admin, exercise=True)
    alert = admin("get", f"/api/v1/incidents/{code}/cap/1.xml")
    root = etree.fromstring(alert.data)
    assert root.findtext("cap:sender", namespaces=NS) == "alerts@district.example"
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    assert cap.validation_errors(alert.data) == []


def test_a_valid_alert_becomes_a_draft_until_declared(app: Any, admin: Any) -> None:
    zh, _en = _area_names(app, "S01-C01")
    areas = f"<area><areaDesc>{zh}</areaDesc></area>"
    resp = admin("post", "/api/v1/alerts/import", data=alert_xml(areas=areas),
                 content_type="application/xml")
    assert resp.status_code == 201, resp.json
    draft = resp.json
    assert draft["status"] == "draft" and draft["hazard"] == "rainstorm" and draft["level"] == 2
    assert [a["area"] for a in draft["areas"]] == ["S01-C01"]
    assert draft["teams"] == [] and draft["checklist"] == [] and draft["plans"] == []
    assert "CMA-2026-0701-001" in draft["notes"] and not draft["exercise"]
    code = draft["code"]
    # A draft publishes no alert and cannot be worked on before it is declared.
    assert admin("get", f"/api/v1/incidents/{code}/cap").json["alerts"] == []
    assert admin("put", f"/api/v1/incidents/{code}/level", json={"level": 1}).status_code == 409

    again = admin("post", "/api/v1/alerts/import", data=alert_xml(areas=areas),
                 content_type="application/xml")
    assert again.status_code == 409  # same sender and identifier: the same alert

    declared = admin("post", f"/api/v1/incidents/{code}/declare", json={})
    assert declared.status_code == 200, declared.json
    assert declared.json["status"] == "active" and declared.json["teams"]
    [alert] = admin("get", f"/api/v1/incidents/{code}/cap").json["alerts"]
    assert alert["msg_type"] == "Alert" and alert["level"] == 2
    assert admin("post", f"/api/v1/incidents/{code}/declare", json={}).status_code == 409


def test_the_same_alert_is_imported_once(admin: Any) -> None:
    body = alert_xml(areas=f"<area><areaDesc>x</areaDesc><geocode><valueName>code"
                           f"</valueName><value>{GRID}</value></geocode></area>")
    first = admin("post", "/api/v1/alerts/import", data=body, content_type="application/xml")
    assert first.status_code == 201 and first.json["areas"][0]["area"] == GRID
    again = admin("post", "/api/v1/alerts/import", data=body, content_type="application/xml")
    assert again.status_code == 409 and again.json["incident"] == first.json["code"]


def test_our_own_export_reimports_with_hazard_level_and_areas(admin: Any) -> None:
    code = _declare(admin, hazard="hazmat", level=1, exercise=True)
    xml = admin("get", f"/api/v1/incidents/{code}/cap/1.xml").data
    upload = {"file": (io.BytesIO(xml), "alert.xml")}
    resp = admin("post", "/api/v1/alerts/import", data=upload,
                 content_type="multipart/form-data")
    assert resp.status_code == 201, resp.json
    assert (resp.json["hazard"], resp.json["level"], resp.json["exercise"]) == (
        "hazmat", 1, True)
    assert [a["area"] for a in resp.json["areas"]] == [GRID]


REFUSALS = [
    (b"<alert><identifier>", "Malformed XML"),
    (alert_xml(areas="").replace(b"<status>Actual</status>", b"<status>Real</status>"),
     "line 6"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
     b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier>'
     b"</alert>", "DOCTYPE"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE alert SYSTEM "http://127.0.0.1:9/cap.dtd">\n'
     b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', "DOCTYPE"),
    (alert_xml(status="Test", areas=f"<area><areaDesc>{GRID}</areaDesc></area>"),
     "status Test"),
    (alert_xml(status="System", areas=f"<area><areaDesc>{GRID}</areaDesc></area>"),
     "status System"),
    (alert_xml(msg_type="Cancel", areas=f"<area><areaDesc>{GRID}</areaDesc></area>"),
     "Cancel messages"),
    (alert_xml(areas=f"<area><areaDesc>{GRID}</areaDesc></area>",
               expires=_when(timedelta(days=-1))), "Expired alert"),
    (alert_xml(areas="<area><areaDesc>火星</areaDesc></area>"), "No area matches"),
    (alert_xml(areas=""), "No area matches"),
    (alert_xml(areas=f"<area><areaDesc>{GRID}</areaDesc></area>",
               extra_info="\n    <responseType>AllClear</responseType>"), "all-clear"),
]


@pytest.mark.parametrize(("body", "reason"), REFUSALS)
def test_refusals_name_the_reason_and_write_nothing(app: Any, admin: Any, body: bytes,
                                                    reason: str) -> None:
    before = _count(app)
    resp = admin("post", "/api/v1/alerts/import", data=body, content_type="text/xml")
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == "application/problem+json" and reason in resp.json["detail"]
    assert _count(app) == before


def test_the_body_must_be_xml(admin: Any) -> None:
    resp = admin("post", "/api/v1/alerts/import", json={"alert": "x"})
    assert resp.status_code == 400


@pytest.mark.parametrize("user", ["official", "staff"])
def test_only_coordinators_and_admins_import(app: Any, client: Any, demo: Any, auth: Any,
                                             user: str) -> None:
    body = alert_xml(areas=f"<area><areaDesc>{GRID}</areaDesc></area>")
    resp = client.post("/api/v1/alerts/import", data=body, headers={**auth(user), **XML})
    assert resp.status_code == 403
    assert _count(app) == 0


def test_a_coordinator_imports_only_areas_in_scope(app: Any, client: Any, demo: Any,
                                                   auth: Any) -> None:
    body = alert_xml(areas=f"<area><areaDesc>{GRID}</areaDesc></area>")
    resp = client.post("/api/v1/alerts/import", data=body,
                       headers={**auth("coordinator"), **XML})
    assert resp.status_code == 201, resp.json


def test_the_incident_page_offers_the_cap_alert(app: Any, admin: Any) -> None:
    code = _declare(admin)
    browser = app.test_client()
    sign_in(browser, "coordinator")
    page = browser.get(f"/incidents/{code}").get_data(as_text=True)
    assert f"/incidents/{code}/cap.xml" in page
    resp = browser.get(f"/incidents/{code}/cap.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/cap+xml"
    assert cap.validation_errors(resp.data) == []
