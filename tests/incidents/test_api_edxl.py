"""Exchange formats through the JSON API: HXL-tagged CSV and EDXL-RM 1.0 messages."""
from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

import pytest

from app.incidents.interop.edxl import MSG_NS, RM_NS, structure_errors

API = "/api/v1"
MSG, RM = f"{{{MSG_NS}}}", f"{{{RM_NS}}}"
GRID, OTHER_GRID = "S01-C01-G01", "S02-C01-G01"


@pytest.fixture
def call(client: Any, demo: Any, auth: Any) -> Any:
    def run(user: str, url: str, **kw: Any) -> Any:
        return client.get(API + url, headers=auth(user), **kw)
    return run


def declare(admin: Any, areas: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    body = {"title": "暴雨内涝", "hazard": "flood", "level": 2, "duration_days": 3,
            "areas": areas, **over}
    resp = admin("post", f"{API}/incidents", json=body)
    assert resp.status_code == 201, resp.json
    return dict(resp.json)


def big(admin: Any) -> dict[str, Any]:
    """An incident far beyond the demo's stock, so every item falls short somewhere."""
    return declare(admin, [{"area": GRID, "affected": 60000, "displaced": 20000},
                           {"area": "S01-C02-G01", "affected": 300, "displaced": 50}])


def problem(resp: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.mimetype == "application/problem+json"
    if field is not None:
        assert resp.json.get("field") == field, resp.json
    return dict(resp.json)


def read_csv(resp: Any, encoding: str = "utf-8-sig") -> tuple[list[str], list[str],
                                                                 list[dict[str, str]]]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=")
    raw = resp.get_data()
    if encoding == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))
    header, tags, body = rows[0], rows[1], rows[2:]
    assert all(t.startswith("#") for t in tags) and len(tags) == len(header)
    return header, tags, [dict(zip(header, r, strict=True)) for r in body]


def test_needs_csv_matches_the_plan(admin: Any, call: Any) -> None:
    incident = big(admin)
    code, plan = incident["code"], incident["plan"]
    header, tags, rows = read_csv(call("admin", f"/incidents/{code}/hxl/needs.csv"))
    tag = dict(zip(header, tags, strict=True))
    assert tag["required"] == "#value+needed" and tag["priority"] == "#value+needed+vulnerable"
    assert tag["planned"] == "#value+planned" and tag["shortfall"] == "#value+gap"
    assert tag["affected"] == "#affected" and tag["displaced"] == "#affected+displaced"
    assert tag["item"] == "#item+code" and tag["item_name"] == "#item+name+i_en"
    assert tag["district_code"] == "#adm2+code" and tag["grid_code"] == "#adm5+code"
    want = {(n["area"], n["item"]): n for n in plan["needs"]}
    got = {(r["area"], r["item"]): r for r in rows}
    assert set(got) == set(want)
    for key, need in want.items():
        row = got[key]
        for col in ("required", "priority", "planned", "shortfall", "committed"):
            assert int(row[col]) == need[col], (key, col)
        assert row["plan"] == str(plan["number"]) and row["incident"] == code
    grid = got[(GRID, "WATER-DRINK")]
    assert grid["affected"] == "60000" and grid["displaced"] == "20000"
    assert grid["district_code"] and grid["street_code"] == "S01"
    assert grid["community_code"] == "S01-C01" and grid["grid_code"] == GRID
    assert any(int(r["shortfall"]) > 0 for r in rows)

    zh_header, zh_tags, zh_rows = read_csv(
        call("admin", f"/incidents/{code}/hxl/needs.csv?lang=zh&encoding=gb18030"), "gb18030")
    assert "缺口" in zh_header and "#item+name+i_zh" in zh_tags and len(zh_rows) == len(rows)


def test_deliveries_csv_follows_the_dispatch_orders(admin: Any, call: Any) -> None:
    incident = declare(admin, [{"area": GRID, "affected": 200, "displaced": 40}])
    code, number = incident["code"], incident["plan"]["number"]
    _h, _t, before = read_csv(call("admin", f"/incidents/{code}/hxl/deliveries.csv"))
    assert before == []
    orders = admin("post", f"{API}/incidents/{code}/plans/{number}/confirm").json["dispatches"]
    assert admin("post", f"{API}/dispatches/{orders[0]}/deliver").status_code == 200
    header, tags, rows = read_csv(call("admin", f"/incidents/{code}/hxl/deliveries.csv"))
    tag = dict(zip(header, tags, strict=True))
    assert tag["delivered"] == "#value+delivered" and tag["depot"] == "#loc+depot+code"
    assert tag["lot"] == "#item+batch" and tag["ordered_at"].startswith("#date")
    shipments = admin("get", f"{API}/incidents/{code}/plans/{number}").json["shipments"]
    assert len(rows) == len(shipments)
    assert sum(int(r["quantity"]) for r in rows) == sum(s["quantity"] for s in shipments)
    first = admin("get", f"{API}/dispatches/{orders[0]}").json
    mine = [r for r in rows if r["dispatch"] == orders[0]]
    assert {r["status"] for r in mine} == {"delivered"} and all(r["closed_at"] for r in mine)
    assert sum(int(r["delivered"]) for r in mine) == sum(ln["quantity"] for ln in first["lines"])
    others = [r for r in rows if r["dispatch"] != orders[0]]
    assert all(r["status"] == "reserved" and r["delivered"] == "0" for r in others)


def test_shelters_csv_is_scoped(call: Any) -> None:
    header, tags, rows = read_csv(call("coordinator", "/hxl/shelters.csv"))
    tag = dict(zip(header, tags, strict=True))
    assert tag["capacity"] == "#capacity" and tag["occupancy"].startswith("#affected")
    assert tag["reported_at"] == "#date+reported"
    assert rows and {r["street_code"] for r in rows} >= {"S01", "S02"}
    assert all(int(r["free"]) == max(int(r["capacity"]) - int(r["occupancy"]), 0)
               for r in rows)
    _h, _t, street = read_csv(call("coordinator", "/hxl/shelters.csv?area=S02"))
    assert street and {r["street_code"] for r in street} == {"S02"}
    _h, _t, staff = read_csv(call("staff", "/hxl/shelters.csv"))
    assert {r["community_code"] for r in staff} <= {"S01-C01"}
    problem(call("staff", "/hxl/shelters.csv?area=S02"), 403, "area")


def test_request_resource_lists_the_shortfalls(admin: Any, call: Any) -> None:
    incident = big(admin)
    code, plan = incident["code"], incident["plan"]
    resp = call("coordinator", f"/incidents/{code}/edxl/request-resource.xml")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/xml"
    assert re.search(r'filename="INC-[0-9-]+-plan-1-request-resource\.xml"',
                     resp.headers["Content-Disposition"])
    root = ET.fromstring(resp.get_data())
    assert structure_errors(root) == []
    assert root.findtext(f"{MSG}MessageContentType") == "RequestResource"
    info = root.find(f"{MSG}IncidentInformation")
    assert info is not None and info.findtext(f"{RM}IncidentID") == code
    want = {f"{n['area']}/{n['item']}": n["shortfall"] for n in plan["needs"]
            if n["shortfall"] > 0}
    got = {}
    for res in root.findall(f"{MSG}ResourceInformation"):
        amount = res.findtext(f"{MSG}AssignmentInformation/{MSG}Quantity/{RM}MeasuredQuantity/"
                              f"{RM}Amount")
        got[res.findtext(f"{MSG}ResourceInfoElementID")] = int(amount or -1)
        assert res.findtext(f"{MSG}ScheduleInformation/{MSG}ScheduleType") == "RequestedArrival"
        assert res.findtext(f"{MSG}Resource/{MSG}TypeStructure/{RM}Value") in \
            res.findtext(f"{MSG}ResourceInfoElementID", "")
    assert want and got == want


def test_commit_resource_needs_a_confirmed_plan(admin: Any, call: Any) -> None:
    incident = declare(admin, [{"area": GRID, "affected": 200, "displaced": 40}])
    code, number = incident["code"], incident["plan"]["number"]
    problem(call("admin", f"/incidents/{code}/plans/{number}/edxl/commit-resource.xml"),
            409, "plan")
    problem(call("admin", f"/incidents/{code}/plans/99/edxl/commit-resource.xml"), 404, "plan")
    assert admin("post", f"{API}/incidents/{code}/plans/{number}/confirm").status_code == 200
    resp = call("admin", f"/incidents/{code}/plans/{number}/edxl/commit-resource.xml")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    root = ET.fromstring(resp.get_data())
    assert structure_errors(root) == []
    assert root.findtext(f"{MSG}MessageContentType") == "CommitResource"
    assert root.findtext(f"{MSG}OriginatingMessageID", "").endswith("RequestResource")
    shipments = admin("get", f"{API}/incidents/{code}/plans/{number}").json["shipments"]
    want: dict[str, int] = defaultdict(int)
    for s in shipments:
        want[f"{s['depot']}>{s['area']}/{s['item']}"] += s["quantity"]
    got = {}
    for res in root.findall(f"{MSG}ResourceInformation"):
        amount = res.findtext(f"{MSG}AssignmentInformation/{MSG}Quantity/{RM}MeasuredQuantity/"
                              f"{RM}Amount")
        got[res.findtext(f"{MSG}ResourceInfoElementID")] = int(amount or -1)
        assert res.findtext(f"{MSG}AssignmentInformation/{MSG}OrderID")
        kinds = [s.findtext(f"{MSG}ScheduleType")
                 for s in res.findall(f"{MSG}ScheduleInformation")]
        assert kinds == ["Committed", "EstimatedArrival"]
    assert want and got == dict(want)


def test_scope_and_unknown_incidents(admin: Any, call: Any) -> None:
    elsewhere = declare(admin, [{"area": OTHER_GRID, "affected": 100, "displaced": 10}])["code"]
    for url in (f"/incidents/{elsewhere}/hxl/needs.csv",
                f"/incidents/{elsewhere}/hxl/deliveries.csv",
                f"/incidents/{elsewhere}/edxl/request-resource.xml",
                f"/incidents/{elsewhere}/plans/1/edxl/commit-resource.xml"):
        problem(call("staff", url), 403)
    for url in ("/incidents/NOPE/hxl/needs.csv", "/incidents/NOPE/hxl/deliveries.csv",
                "/incidents/NOPE/edxl/request-resource.xml",
                "/incidents/NOPE/plans/1/edxl/commit-resource.xml"):
        problem(call("admin", url), 404, "incident")
    mine = declare(admin, [{"area": GRID, "affected": 50, "displaced": 5}])["code"]
    _h, _t, rows = read_csv(call("staff", f"/incidents/{mine}/hxl/needs.csv"))
    assert rows and {r["area"] for r in rows} == {GRID}
