"""Contingency plans through the JSON API: plans, versions, approval, filing and PDFs."""
from __future__ import annotations

import io
from typing import Any

import pytest

PLAN, OTHER = "P-S01-C01", "P-S02-C01"
API = "/api/v1"


@pytest.fixture
def call(client: Any, demo: Any, auth: Any) -> Any:
    """call(user, method, url, **kw): the API as a demo user."""
    def run(user: str, method: str, url: str, **kw: Any) -> Any:
        return getattr(client, method)(API + url, headers=auth(user), **kw)
    return run


def problem(resp: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    assert resp.mimetype == "application/problem+json"
    body = resp.json
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body


def submitted(call: Any, code: str = PLAN) -> int:
    made = call("staff", "post", f"/plans/{code}/versions", json={"note": "修订"})
    assert made.status_code == 201, made.json
    number = made.json["number"]
    resp = call("staff", "post", f"/plans/{code}/versions/{number}/submit")
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "submitted" and len(resp.json["snapshot_sha256"]) == 64
    return number


def test_list_read_create_and_change_plans(call: Any) -> None:
    staff = call("staff", "get", "/plans").json
    assert {p["code"] for p in staff["items"]} == {PLAN}
    every = call("coordinator", "get", "/plans?per_page=100").json
    codes = {p["code"] for p in every["items"]}
    assert {"P-D01", PLAN, OTHER} <= codes and every["total"] == len(codes)
    streets = call("coordinator", "get", "/plans?level=street").json["items"]
    assert streets and {p["area_level"] for p in streets} == {"street"}
    below = call("coordinator", "get", "/plans?area=S02").json["items"]
    assert OTHER in {p["code"] for p in below} and PLAN not in {p["code"] for p in below}
    one = call("official", "get", f"/plans/{PLAN}").json
    assert one["area"] == "S01-C01" and one["hazards"] and one["approved_version"] is None
    assert one["open_version"] is None and one["filing"] is None

    body = {"code": "P-S01-C01-TY", "area": "S01-C01", "title_zh": "社区防台风预案",
            "hazards": ["typhoon"], "scenario_days": 2}
    made = call("staff", "post", "/plans", json=body)
    assert made.status_code == 201, made.json
    assert made.json["hazards"] == ["typhoon"] and made.json["scenario_days"] == 2
    problem(call("staff", "post", "/plans", json=body), 409, "code")
    problem(call("staff", "post", "/plans", json={**body, "code": "P-X", "area": "S02-C01"}),
            403, "area")
    problem(call("staff", "post", "/plans", json={**body, "code": "P-Y", "area": "NOPE"}),
            422, "area")
    problem(call("staff", "post", "/plans", json={**body, "code": "P-Z", "area": "S01-C01-G01"}),
            422, "area")
    problem(call("staff", "post", "/plans", json={**body, "code": "P-W", "hazards": ["meteor"]}),
            422, "hazards")
    problem(call("staff", "post", "/plans", json={**body, "code": "P-V", "scenario_days": 99}),
            422, "scenario_days")
    problem(call("official", "post", "/plans", json={**body, "code": "P-U"}), 403)

    changed = call("staff", "patch", "/plans/P-S01-C01-TY",
                   json={"title_en": "Typhoon plan", "scenario_displaced": 80,
                         "review_due": "2027-05-01"})
    assert changed.status_code == 200, changed.json
    assert changed.json["title_en"] == "Typhoon plan" and changed.json["scenario_displaced"] == 80
    problem(call("staff", "patch", "/plans/P-S01-C01-TY", json={"area": "S01-C02"}), 422, "area")
    problem(call("staff", "patch", "/plans/P-S01-C01-TY", json={"title_zh": ""}), 422,
            "title_zh")
    problem(call("staff", "patch", f"/plans/{OTHER}", json={"title_en": "x"}), 403)
    problem(call("staff", "get", "/plans/NOPE"), 404, "plan")
    problem(call("staff", "get", "/plans?level=grid"), 422, "level")


def test_versions_lifecycle_with_problem_details(call: Any, app: Any) -> None:
    assert call("staff", "get", f"/plans/{PLAN}/versions").json["items"] == []
    number = submitted(call)
    problem(call("staff", "post", f"/plans/{PLAN}/versions"), 409, "version")  # one open
    problem(call("staff", "post", f"/plans/{PLAN}/versions/{number}/submit"), 409, "status")
    problem(call("staff", "post", f"/plans/{PLAN}/versions/{number}/approve"), 403)
    problem(call("staff", "post", f"/plans/{PLAN}/versions/9/approve"), 404, "version")
    problem(call("official", "post", f"/plans/{PLAN}/versions/{number}/return", json={}),
            422, "comment")
    back = call("official", "post", f"/plans/{PLAN}/versions/{number}/return",
                json={"comment": "补充转移路线"})
    assert back.status_code == 200 and back.json["status"] == "draft"
    assert back.json["review_comment"] == "补充转移路线"
    problem(call("official", "post", f"/plans/{PLAN}/versions/{number}/approve"), 409, "status")
    assert call("staff", "post", f"/plans/{PLAN}/versions/{number}/submit").status_code == 200
    problem(call("official", "post", f"/plans/{PLAN}/versions/{number}/filing", json={}), 409,
            "status")
    ok = call("official", "post", f"/plans/{PLAN}/versions/{number}/approve",
              json={"comment": "同意"})
    assert ok.status_code == 200, ok.json
    v = ok.json
    assert v["status"] == "approved" and v["filing"]["due"] and not v["filing"]["overdue"]
    # approval returns at once; the PDFs come from the job, or from the first download
    assert v["documents"] == [] and {(d["lang"], d["edition"]) for d in
                                     v["documents_pending"]} == {
        ("zh", "public"), ("en", "public"), ("zh", "restricted"), ("en", "restricted")}
    first = call("staff", "get", f"/plans/{PLAN}/versions/{number}.pdf?lang=en")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    from app.contingency import jobs
    assert jobs.render_plan_documents(url=app.config["DATABASE_URL"]) == 3
    v = call("official", "get", f"/plans/{PLAN}/versions").json["items"][0]
    assert v["documents_pending"] == [] and {(d["lang"], d["edition"]) for d in
                                             v["documents"]} == {
        ("zh", "public"), ("en", "public"), ("zh", "restricted"), ("en", "restricted")}
    staff_view = call("staff", "get", f"/plans/{PLAN}/versions").json["items"][0]
    assert {d["edition"] for d in staff_view["documents"]} == {"public"}
    plan = call("staff", "get", f"/plans/{PLAN}").json
    assert plan["approved_version"] == number and plan["issued_on"] == v["issued_on"]
    problem(call("official", "post", f"/plans/{PLAN}/versions/{number}/filing",
                 json={"filed_on": "soon"}), 422, "filed_on")
    filed = call("official", "post", f"/plans/{PLAN}/versions/{number}/filing",
                 json={"filed_on": v["issued_on"]})
    assert filed.status_code == 200 and filed.json["filing"]["filed_on"] == v["issued_on"]

    # the PDFs: as stored, by hash; the restricted edition only for approvers
    doc = next(d for d in v["documents"] if d["lang"] == "en" and d["edition"] == "public")
    resp = call("staff", "get", f"/plans/{PLAN}/versions/{number}.pdf?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data == first.data and len(resp.data) == doc["size"]
    import hashlib
    assert hashlib.sha256(resp.data).hexdigest() == doc["sha256"]
    assert f'filename="{PLAN}_v{number}_en.pdf"' in resp.headers["Content-Disposition"]
    from pypdf import PdfReader
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(resp.data)).pages)
    assert plan["title_en"].split()[0] in text
    latest = call("staff", "get", f"/plans/{PLAN}/pdf?lang=en")
    assert latest.status_code == 200 and latest.data == resp.data
    problem(call("staff", "get", f"/plans/{PLAN}/pdf?edition=restricted"), 403, "edition")
    problem(call("staff", "get", f"/plans/{PLAN}/pdf?lang=fr"), 422, "lang")
    problem(call("staff", "get", f"/plans/{PLAN}/versions/7.pdf"), 404, "version")
    restricted = call("official", "get", f"/plans/{PLAN}/pdf?edition=restricted&lang=zh")
    assert restricted.status_code == 200 and restricted.data.startswith(b"%PDF")


def test_a_second_approval_supersedes_the_first_and_plans_stay_in_scope(call: Any) -> None:
    first = submitted(call)
    assert call("official", "post", f"/plans/{PLAN}/versions/{first}/approve").status_code == 200
    second = submitted(call)
    assert call("coordinator", "post",
                f"/plans/{PLAN}/versions/{second}/approve").status_code == 200
    items = call("staff", "get", f"/plans/{PLAN}/versions").json["items"]
    assert [(i["number"], i["status"]) for i in items] == [(second, "approved"),
                                                           (first, "superseded")]
    # the street official cannot approve the street's own plan (it is approved above)
    street = call("coordinator", "post", "/plans/P-S01/versions")
    assert street.status_code == 201
    assert call("coordinator", "post", "/plans/P-S01/versions/1/submit").status_code == 200
    problem(call("official", "post", "/plans/P-S01/versions/1/approve"), 403)
    problem(call("staff", "get", f"/plans/{OTHER}/versions"), 403, "plan")
    problem(call("staff", "get", f"/plans/{OTHER}/pdf"), 403, "plan")


def test_the_openapi_document_lists_the_pdf_downloads(call: Any) -> None:
    spec = call("admin", "get", "/openapi.json").json
    ops = spec["paths"]
    assert "application/pdf" in ops["/api/v1/plans/{code}/pdf"]["get"]["responses"]["200"][
        "content"]
    assert "/api/v1/plans/{code}/versions/{number}.pdf" in ops
    assert "post" in ops["/api/v1/plans/{code}/versions/{number}/return"]
