"""The contingency plan pages without a browser: list, new plan, header, versions, approval,
filing and PDF downloads, by role."""
from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select

from app.contingency.enums import VersionStatus
from app.models import ContingencyPlan, PlanVersion
from tests.helpers import csrf_token, signed_in, system

PLAN, OTHER = "P-S01-C01", "P-S02-C01"
ROLES = ("admin", "coordinator", "official", "staff")


def token(client: Any, code: str = PLAN) -> str:
    return csrf_token(client.get(f"/plans/{code}").get_data(as_text=True))


def post(client: Any, url: str, **data: Any) -> Any:
    parts = url.split("/")
    code = parts[2] if len(parts) > 2 else PLAN
    return client.post(url, data={"csrf_token": token(client, code), **data})


def versions_of(app: Any, code: str = PLAN) -> list[PlanVersion]:
    with system(app) as session:
        plan = session.scalars(select(ContingencyPlan).where(ContingencyPlan.code == code)).one()
        rows = list(session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                    .order_by(PlanVersion.number)))
        session.expunge_all()
        return rows


def flashed(client: Any, resp: Any) -> str:
    assert resp.status_code == 302, resp.status_code
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    found = re.findall(r'<p class="flash (\w+)" role="status">([^<]*)</p>', html)
    return " ".join(f"{kind}: {text}" for kind, text in found)


def draft_and_submit(staff: Any, code: str = PLAN) -> int:
    assert "ok:" in flashed(staff, post(staff, f"/plans/{code}/versions", **{
        "draft-note": "首次编制"}))
    number = max(v.number for v in versions_of(staff.application, code))
    assert "ok:" in flashed(staff, post(staff, f"/plans/{code}/versions/{number}/submit"))
    return number


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def test_every_page_opens_for_every_role(app: Any, demo: Any) -> None:
    for user in ROLES:
        client = signed_in(app, user)
        for url in ("/plans", "/plans?level=community", "/plans?level=street",
                    "/plans?level=nonsense", f"/plans/{PLAN}", "/plans/P-D01"
                    if user != "staff" and user != "official" else f"/plans/{PLAN}"):
            resp = client.get(url)
            assert resp.status_code == 200, (user, url, resp.status_code)
        html = client.get("/plans").get_data(as_text=True)
        assert PLAN in html
        assert (OTHER in html) == (user in ("admin", "coordinator")), user
        assert ('action="/plans"' in html) == (user != "official"), user
        detail = client.get(f"/plans/{PLAN}").get_data(as_text=True)
        assert ("/versions\"" in detail) == (user != "official"), user  # the new-draft form
        assert ("edition=restricted" in detail) == (user != "staff"), user
        assert "lang=zh" in detail and "lang=en" in detail
    staff = signed_in(app, "staff")
    assert staff.get(f"/plans/{OTHER}").status_code == 403
    assert staff.get("/plans/NOPE").status_code == 404
    community = signed_in(app, "coordinator").get("/plans?level=community")
    html = community.get_data(as_text=True)
    assert OTHER in html and "P-D01" not in html and ">P-S01<" not in html


def test_staff_write_a_new_plan_and_edit_its_header(app: Any, demo: Any) -> None:
    staff = signed_in(app, "staff")
    form = staff.get("/plans").get_data(as_text=True)
    assert 'value="S01-C01"' in form and 'value="S02-C01"' not in form
    data = {"csrf_token": csrf_token(form), "area": "S01-C01", "title_zh": "社区防台风专项预案",
            "title_en": "Typhoon plan", "scenario_displaced": "", "scenario_days": "3"}
    bad = staff.post("/plans", data=data)  # no hazard ticked
    assert bad.status_code == 422 and "has-error" in bad.get_data(as_text=True)
    assert "社区防台风专项预案" in bad.get_data(as_text=True)  # what was typed stays
    made = staff.post("/plans", data={**data, "hazards": ["typhoon", "flood"]})
    assert made.status_code == 302 and made.headers["Location"].endswith("/plans/P-S01-C01-2")
    with system(app) as session:
        plan = session.scalars(select(ContingencyPlan)
                               .where(ContingencyPlan.code == "P-S01-C01-2")).one()
        assert plan.hazards == ["flood", "typhoon"] and plan.scenario_displaced is None
        assert plan.scenario_days == 3
    outside = staff.post("/plans", data={**data, "hazards": ["fire"], "area": "S02-C01"})
    assert outside.status_code == 422
    edit = {"csrf_token": token(staff, "P-S01-C01-2"), "plan-title_zh": "社区防台风预案（修订）",
            "plan-title_en": "", "plan-hazards": ["typhoon"], "plan-scenario_displaced": "120",
            "plan-scenario_days": "5", "plan-review_due": "2027-06-30"}
    resp = staff.post("/plans/P-S01-C01-2/edit", data=edit)
    assert resp.status_code == 302
    html = staff.get("/plans/P-S01-C01-2").get_data(as_text=True)
    assert "社区防台风预案（修订）" in html and "2027-06-30" in html
    bad_edit = staff.post("/plans/P-S01-C01-2/edit", data={**edit, "plan-scenario_days": "99"})
    assert bad_edit.status_code == 422


def test_forms_need_a_csrf_token_and_officials_cannot_write(app: Any, demo: Any) -> None:
    staff = signed_in(app, "staff")
    assert staff.post(f"/plans/{PLAN}/versions", data={}).status_code == 400
    assert staff.post("/plans", data={"area": "S01-C01"}).status_code == 400
    assert versions_of(app) == []
    official = signed_in(app, "official")
    for url in (f"/plans/{PLAN}/versions", f"/plans/{PLAN}/edit", "/plans"):
        assert post(official, url).status_code == 403, url
    assert versions_of(app) == []
    # a draft may be opened once; a second one is refused with the service's reason
    assert "ok:" in flashed(staff, post(staff, f"/plans/{PLAN}/versions"))
    again = flashed(staff, post(staff, f"/plans/{PLAN}/versions"))
    assert again.startswith("error:") and "1" in again
    assert post(staff, f"/plans/{PLAN}/versions/1/approve").status_code == 403
    assert post(staff, f"/plans/{PLAN}/versions/1/filing",
                **{"filing-filed_on": "2026-01-05"}).status_code == 403


def test_bad_download_urls_are_refused_not_crashed(app: Any, demo: Any) -> None:
    staff = signed_in(app, "staff")
    assert staff.get(f"/plans/{PLAN}/pdf?edition=restricted&lang=zh").status_code == 403
    assert staff.get(f"/plans/{PLAN}/pdf?edition=secret").status_code == 422
    assert staff.get(f"/plans/{PLAN}/pdf?lang=fr").status_code == 422
    assert staff.get(f"/plans/{PLAN}/pdf?version=x").status_code == 422
    assert staff.get(f"/plans/{PLAN}/pdf?version=9").status_code == 404
    assert staff.get(f"/plans/{OTHER}/pdf").status_code == 403


def test_staff_submit_the_official_returns_then_approves_and_downloads(app: Any,
                                                                      demo: Any) -> None:
    staff, official = signed_in(app, "staff"), signed_in(app, "official")
    number = draft_and_submit(staff)
    assert versions_of(app)[0].status is VersionStatus.SUBMITTED
    # the writer cannot approve, nor read the restricted edition
    assert post(staff, f"/plans/{PLAN}/versions/{number}/approve").status_code == 403
    assert staff.get(f"/plans/{PLAN}/pdf?version={number}&lang=zh&edition=restricted"
                     ).status_code == 403
    page = official.get(f"/plans/{PLAN}").get_data(as_text=True)
    assert f"/plans/{PLAN}/versions/{number}/approve" in page and "/return" in page
    # returning needs a comment
    said = flashed(official, post(official, f"/plans/{PLAN}/versions/{number}/return"))
    assert said.startswith("error:")
    said = flashed(official, post(official, f"/plans/{PLAN}/versions/{number}/return",
                                  **{"review-comment": "补充转移路线"}))
    assert said.startswith("ok:")
    returned = versions_of(app)[0]
    assert returned.status is VersionStatus.DRAFT and returned.review_comment == "补充转移路线"
    assert "补充转移路线" in staff.get(f"/plans/{PLAN}").get_data(as_text=True)
    assert "ok:" in flashed(staff, post(staff, f"/plans/{PLAN}/versions/{number}/submit"))
    said = flashed(official, post(official, f"/plans/{PLAN}/versions/{number}/approve",
                                  **{"review-comment": "同意"}))
    assert said.startswith("ok:"), said
    approved = versions_of(app)[0]
    assert approved.status is VersionStatus.APPROVED and approved.filing_due is not None
    page = official.get(f"/plans/{PLAN}").get_data(as_text=True)
    assert approved.snapshot_sha256[:12] in page and "filing-filed_on" in page
    with system(app) as session:
        title_en = session.scalars(select(ContingencyPlan.title_en)
                                   .where(ContingencyPlan.code == PLAN)).one()
    for lang in ("zh", "en"):
        resp = official.get(f"/plans/{PLAN}/pdf?version={number}&lang={lang}&edition=public")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        assert resp.data.startswith(b"%PDF")
        assert resp.headers["Content-Disposition"].startswith(
            f'attachment; filename="{PLAN}_v{number}_{lang}.pdf"')
        assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
        assert "private" in resp.headers["Cache-Control"]
        if lang == "en":
            assert title_en.split()[0] in pdf_text(resp.data)
    restricted = official.get(f"/plans/{PLAN}/pdf?version={number}&lang=zh&edition=restricted")
    assert restricted.status_code == 200 and restricted.data.startswith(b"%PDF")
    assert "_restricted.pdf" in restricted.headers["Content-Disposition"]
    public = staff.get(f"/plans/{PLAN}/pdf?lang=zh")  # the approved one, byte for byte
    assert public.status_code == 200
    assert public.data == official.get(f"/plans/{PLAN}/pdf?version={number}&lang=zh").data
    listing = official.get("/plans").get_data(as_text=True)
    assert f"v{number}" in listing and "standing-" in listing
    said = flashed(official, post(official, f"/plans/{PLAN}/versions/{number}/filing",
                                  **{"filing-filed_on": approved.issued_on.isoformat()}))
    assert said.startswith("ok:")
    assert versions_of(app)[0].filed_on == approved.issued_on


def test_a_second_approval_supersedes_the_first(app: Any, demo: Any) -> None:
    staff, official = signed_in(app, "staff"), signed_in(app, "official")
    first = draft_and_submit(staff)
    assert "ok:" in flashed(official, post(official, f"/plans/{PLAN}/versions/{first}/approve"))
    second = draft_and_submit(staff)
    assert second == first + 1
    coordinator = signed_in(app, "coordinator")
    said = flashed(coordinator, post(coordinator, f"/plans/{PLAN}/versions/{second}/approve"))
    assert said.startswith("ok:"), said
    old, new = versions_of(app)
    assert old.status is VersionStatus.SUPERSEDED and new.status is VersionStatus.APPROVED
    html = official.get(f"/plans/{PLAN}").get_data(as_text=True)
    assert html.count('class="status superseded"') == 1
    assert staff.get(f"/plans/{PLAN}/pdf?version={first}&lang=en").status_code == 200
