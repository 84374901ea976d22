"""A live server on 127.0.0.1 and Debian's headless Chromium driven by Playwright."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("READYGRID_CHROMIUM", "/usr/bin/chromium")


ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `scripts/bootstrap test` (apt chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class CloseWhenDone:
    """Close each response body as soon as it has been sent.

    Werkzeug's development server closes the body only after draining the socket, and skips
    the close when that drain raises because the browser already dropped the connection
    (serving.py, execute()). The open static file then surfaces as a ResourceWarning in some
    later test. Closing on exhaustion (or when the generator is collected) avoids the leak.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        body = self.app(environ, start_response)

        def chunks() -> Iterator[bytes]:
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()
        return chunks()


@contextmanager
def _serving(app: Any) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, CloseWhenDone(app), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)


@contextmanager
def _opener(browser: Any, server: str) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(user: str | None, viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                      locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.requests = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requests.append(r.url))  # type: ignore[attr-defined]
        page.base = server  # type: ignore[attr-defined]
        if user:
            sign_in(page, user)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def server(app: Any, demo: Any) -> Iterator[str]:
    """The app on a free loopback port for the length of one test (the small demo)."""
    with _serving(app) as url:
        yield url


@pytest.fixture
def open_page(browser: Any, server: str) -> Iterator[Any]:
    """open_page(user, viewport=None) -> a signed-in page; records every request URL."""
    with _opener(browser, server) as make:
        yield make


@pytest.fixture
def full_server(app: Any, full_demo: dict[str, str]) -> Iterator[str]:
    """The app on the full demo district, with its two incidents declared."""
    with _serving(app) as url:
        yield url


@pytest.fixture
def open_full_page(browser: Any, full_server: str) -> Iterator[Any]:
    """As open_page, on the full demo district."""
    with _opener(browser, full_server) as make:
        yield make


def sign_in(page: Any, user: str, password: str = "readygrid-demo") -> None:
    page.goto(page.base + "/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()

