"""Rate limits, session expiry, security headers on the API, and trust in a reverse proxy."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import itsdangerous
import pytest

from app import create_app
from app.demo import DEMO_PASSWORD


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.fixture
def limited(database_url: str, demo: Any) -> Iterator[Any]:
    """An app like the suite's, with small rate limits switched on."""
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "SECRET_KEY": "test-secret", "RATELIMIT_ENABLED": True,
                              "RATELIMIT_LOGIN": "3 per minute", "RATELIMIT_API": "5 per minute"})
    yield application
    application.extensions["readygrid.engine"].dispose()


def test_limits_are_off_in_tests_unless_switched_on(client: Any, demo: Any) -> None:
    for _ in range(12):
        resp = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"})
        assert resp.status_code in (401, 422)


def test_token_sign_in_is_limited_with_a_problem(limited: Any) -> None:
    client = limited.test_client()
    body = {"username": "staff", "password": "wrong"}
    codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    resp = client.post("/api/v1/auth/token", json={"username": "official",
                                                   "password": DEMO_PASSWORD})
    assert resp.status_code == 429
    assert resp.mimetype == "application/problem+json"
    assert resp.json["status"] == 429 and resp.json["title"] == "Too Many Requests"
    assert "3 per 1 minute" in resp.json["detail"]
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # another client address has its own allowance
    other = client.post("/api/v1/auth/token", json={"username": "official",
                                                    "password": DEMO_PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 201


def test_page_sign_in_is_limited_with_a_page(limited: Any) -> None:
    client = limited.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    form = {"username": "staff", "password": "wrong", "csrf_token": token}
    assert [client.post("/login", data=form).status_code for _ in range(3)] == [401] * 3
    resp = client.post("/login", data={**form, "password": DEMO_PASSWORD})
    assert resp.status_code == 429 and resp.mimetype == "text/html"
    assert "429" in resp.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_api_calls_are_limited_per_token(limited: Any) -> None:
    client = limited.test_client()
    from app.accounts.services import issue_token
    from app.core import db
    with limited.app_context():
        first, _ = issue_token(db.session(), "official", "a")
        second, _ = issue_token(db.session(), "official", "b")
    one = {"Authorization": f"Bearer {first}"}
    codes = [client.get("/api/v1/stock/summary", headers=one).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    resp = client.get("/api/v1/areas", headers=one)
    assert resp.status_code == 429 and resp.json["status"] == 429
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}
                      ).status_code == 200
    assert client.get("/healthz").status_code == 200  # the health check is never limited


def test_api_responses_carry_security_headers(admin: Any, client: Any) -> None:
    for resp in (admin("get", "/api/v1/stock/summary"), client.get("/api/v1/me"),
                 admin("get", "/api/v1/lots/999999")):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert resp.headers["X-Frame-Options"] == "DENY"


def test_a_session_expires_after_its_lifetime(app: Any, client: Any, demo: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "staff", "password": DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 200

    def later(hours: float) -> None:
        monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                            lambda self: int(time.time() + hours * 3600))

    later(11)
    assert client.get("/").status_code == 200
    later(11 + 13)  # 13 hours after the session cookie was last written
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_session_lifetime_is_configurable(database_url: str) -> None:
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "SECRET_KEY": "x", "SESSION_HOURS": 2})
    assert application.permanent_session_lifetime.total_seconds() == 7200
    application.extensions["readygrid.engine"].dispose()


def test_forwarded_headers_are_trusted_only_with_proxy_hops(database_url: str,
                                                            demo: Any) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
                 "X-Forwarded-Host": "readygrid.example.org"}
    seen: dict[str, Any] = {}
    for hops in (0, 1):
        application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                                  "SECRET_KEY": "x", "PROXY_HOPS": hops})

        probes: list[dict[str, Any]] = []

        @application.after_request
        def probe(resp: Any, probes: list[dict[str, Any]] = probes) -> Any:
            from flask import request
            probes.append({"secure": request.is_secure, "addr": request.remote_addr,
                           "host": request.host})
            return resp

        client = application.test_client()
        assert client.get("/healthz", headers=forwarded).status_code == 200
        seen[hops] = probes[-1]
        login = client.get("/login", headers=forwarded)
        seen[f"cookie{hops}"] = login.headers.get("Set-Cookie", "")
        application.extensions["readygrid.engine"].dispose()
    assert seen[0] == {"secure": False, "addr": "127.0.0.1", "host": "localhost"}
    assert seen[1] == {"secure": True, "addr": "203.0.113.7", "host": "readygrid.example.org"}
    assert "Secure" not in seen["cookie0"] and "Secure" in seen["cookie1"]
