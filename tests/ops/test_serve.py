"""`readygrid serve` as deployed: real gunicorn workers answering over HTTP."""
from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest


class Browser:
    """One visitor: a connection of its own and a cookie jar, no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode()
        finally:
            conn.close()
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.headers.get("Location", ""), text

    def sign_in(self, username: str) -> int:
        _, _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        status, _, _ = self.request("POST", "/login", form={
            "username": username, "password": "readygrid-demo", "csrf_token": token.group(1)})
        return status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sync_server(database_url: str, demo: Any, tmp_path: Path) -> Iterator[int]:
    """gunicorn with one single-threaded (sync) worker: every request on the same thread."""
    port = _free_port()
    env = {**os.environ, "READYGRID_DATABASE_URL": database_url,
           "READYGRID_SECRET_KEY": "test-serve"}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port),
         "--workers", "1", "--threads", "1", "--no-scheduler"],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_a_sync_worker_keeps_one_visitors_sign_in_from_the_next(sync_server: int) -> None:
    """Found by the load bench: with --threads 1 gunicorn served requests inside the app
    context the CLI had pushed, so Flask reused one `g` for every request: the next visitor,
    without any cookie, was taken for the user signed in before."""
    coordinator = Browser(sync_server)
    assert coordinator.sign_in("coordinator") == 302
    status, _, page = coordinator.request("GET", "/")
    assert status == 200 and "区应急协调员" in page

    stranger = Browser(sync_server)
    status, location, page = stranger.request("GET", "/")
    assert status == 302 and "/login" in location
    status, _, page = stranger.request("GET", "/login")
    assert status == 200 and 'name="csrf_token"' in page

    staff = Browser(sync_server)
    assert staff.sign_in("staff") == 302
    status, _, page = staff.request("GET", "/")
    assert status == 200 and "社区工作人员" in page and "区应急协调员" not in page
    status, _, page = coordinator.request("GET", "/")  # each keeps their own session
    assert status == 200 and "区应急协调员" in page and "社区工作人员" not in page
