"""The web layer without a browser: CSRF, headers, redirects, cookies, translations."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from app.demo import DEMO_PASSWORD
from tests.helpers import csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]


def test_pages_redirect_to_sign_in(client: Any, demo: Any) -> None:
    resp = client.get("/shelters")
    assert resp.status_code == 302 and "/login?next=/shelters" in resp.headers["Location"]


def test_forms_without_a_csrf_token_are_refused(client: Any, demo: Any) -> None:
    resp = client.post("/login", data={"username": "staff", "password": DEMO_PASSWORD})
    assert resp.status_code == 400
    sign_in(client, "staff")
    resp = client.post("/shelters/SH-S01-C01", data={"occ-SH-S01-C01-occupancy": "5"})
    assert resp.status_code == 400
    shelter = client.get("/shelters/SH-S01-C01").get_data(as_text=True)
    assert "0 / " in shelter  # nothing changed


def test_sign_in_never_redirects_to_another_host(client: Any, demo: Any) -> None:
    page = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    resp = client.post("/login", data={"username": "staff", "password": DEMO_PASSWORD,
                                       "csrf_token": csrf_token(page), "next": "//evil.example/x"})
    assert resp.headers["Location"] == "/"


def test_security_headers_and_cookie_flags(app: Any, client: Any, demo: Any) -> None:
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    fresh = app.test_client()
    secure = fresh.get("/login", base_url="https://localhost").headers.get("Set-Cookie", "")
    assert "Secure" in secure  # over HTTPS the session cookie is Secure


def test_pages_load_nothing_from_other_hosts(client: Any, demo: Any) -> None:
    sign_in(client, "admin")
    for path in ("/", "/areas", "/depots/DEP-S01", "/shelters", "/teams", "/levels",
                 "/users", "/audit", "/import"):
        html = client.get(path).get_data(as_text=True)
        urls = re.findall(r'(?:src|href|action)="([^"]+)"', html)
        assert all(u.startswith(("/", "#")) for u in urls), (path, urls)
        assert "style=" not in html  # the CSP forbids inline styles


def test_no_page_answers_500_for_each_role(client: Any, demo: Any) -> None:
    for user in ("admin", "coordinator", "official", "staff"):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        sign_in(client, user)
        for path in ("/", "/?area=S01", "/?area=NOPE", "/areas?sort=bogus&page=x",
                     "/areas/S01-C01", "/depots", "/depots/DEP-S01", "/lots?expiring=abc",
                     "/lots/999999", "/shelters?status=weird", "/shelters/SH-S01-C01",
                     "/teams", "/teams/T-S01-C01-V", "/levels", "/levels/9", "/users",
                     "/audit", "/import", "/password"):
            assert client.get(path).status_code < 500, (user, path)
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/password")
                                                         .get_data(as_text=True))})


def test_staff_cannot_post_to_another_communitys_form(client: Any, demo: Any) -> None:
    sign_in(client, "staff")
    token = csrf_token(client.get("/shelters/SH-S01-C01").get_data(as_text=True))
    resp = client.post("/shelters/SH-S01-C02", data={"occ-SH-S01-C02-occupancy": "9",
                                                    "csrf_token": token})
    assert resp.status_code == 403


def test_officials_see_no_forms_and_cannot_post(client: Any, demo: Any) -> None:
    sign_in(client, "official")
    html = client.get("/depots/DEP-S01").get_data(as_text=True)
    assert 'name="action"' not in html
    token = csrf_token(client.get("/password").get_data(as_text=True))
    resp = client.post("/depots/DEP-S01", data={"action": "receive", "csrf_token": token,
                                                "receive-item": "QUILT",
                                                "receive-quantity": "5",
                                                "receive-lot_number": "X"})
    assert resp.status_code == 403


def test_import_preview_writes_nothing_until_confirmed(client: Any, demo: Any) -> None:
    import io
    sign_in(client, "coordinator")
    token = csrf_token(client.get("/import").get_data(as_text=True))
    csv = b"depot,item,lot_number,quantity\nDEP-S01,QUILT,WEB-IMP,7\n"
    resp = client.post("/import", data={"kind": "lots", "csrf_token": token, "step": "preview",
                                        "file": (io.BytesIO(csv), "lots.csv")},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "WEB-IMP" in html
    assert "WEB-IMP" not in client.get("/depots/DEP-S01").get_data(as_text=True)
    upload = re.search(r'name="upload"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="upload"', html)
    resp = client.post("/import", data={"kind": "lots", "upload": upload.group(1),
                                        "csrf_token": token, "step": "confirm"})
    assert resp.status_code == 302
    assert "WEB-IMP" in client.get("/depots/DEP-S01").get_data(as_text=True)


def test_bad_import_shows_row_errors_and_writes_nothing(client: Any, demo: Any) -> None:
    import io
    sign_in(client, "coordinator")
    token = csrf_token(client.get("/import").get_data(as_text=True))
    csv = "depot,item,lot_number,quantity\nDEP-S01,QUILT,OK-1,7\nDEP-S01,QUILT,BAD-1,x\n"
    resp = client.post("/import", data={"kind": "lots", "csrf_token": token, "step": "preview",
                                        "file": (io.BytesIO(csv.encode()), "lots.csv")},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "quantity" in html and ">3<" in html
    assert "OK-1" not in client.get("/depots/DEP-S01").get_data(as_text=True)


@pytest.mark.parametrize("catalogue", ["zh"])
def test_every_message_has_a_translation(catalogue: str) -> None:
    path = ROOT / "app" / "translations" / catalogue / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        messages = [m for m in read_po(fh) if m.id]
    untranslated = [m.id for m in messages if not m.string or m.fuzzy]
    assert messages and untranslated == []


def test_catalogue_covers_every_string_in_the_code() -> None:
    from babel.messages.extract import extract_from_dir
    method_map = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2"),
                  ("app/templates/**.html", "jinja2")]
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0] for msg in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "_l": None, "gettext": None,
                                         "lazy_gettext": None})}
    path = ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        known = {m.id for m in read_po(fh) if m.id}
    assert found - known == set(), "run pybabel extract/update and translate the new strings"

