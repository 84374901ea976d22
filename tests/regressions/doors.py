"""The product's doors, for the regression tests: pages (a signed-in session with its CSRF
token), the JSON API (bearer tokens, see tests/conftest.py), the CLI (the app's own runner),
and a system session for set-up data and for reading what was stored.

Only the facades `app.models`, `app.db` and `app.actor` are imported: the services, pages,
API and CLI modules are reached through their doors, so a new package layout leaves these
tests as they are.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select

from app import db
from app.actor import reset_actor, set_actor, system_actor
from app.demo import DEMO_PASSWORD

PROBLEM = "application/problem+json"


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'id="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def signed_in(app: Any, user: str, password: str = DEMO_PASSWORD) -> Any:
    """A browser-like test client signed in as `user` (the demo password by default)."""
    client = app.test_client()
    token = csrf(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": token})
    assert resp.status_code == 302, f"{user} could not sign in"
    return client


def page_token(client: Any, path: str = "/password") -> str:
    """A CSRF token of the signed-in session (any page with a form has it)."""
    return csrf(client.get(path).get_data(as_text=True))


def api(client: Any, headers: dict[str, str]) -> Any:
    """api('post', url, json=...) as the user whose bearer headers are given."""
    def call(method: str, url: str, **kw: Any) -> Any:
        return getattr(client, method)(url, headers=headers, **kw)
    return call


def cli(app: Any, *args: str) -> Any:
    """`readygrid ARGS` against the test app's database (click's result: exit_code, output)."""
    return app.test_cli_runner().invoke(args=list(args))


@contextmanager
def stored(app: Any) -> Iterator[Any]:
    """A database session acting as the system: set-up data, and reading stored results."""
    with app.app_context():
        token = set_actor(system_actor("test"))
        try:
            session = db.session()
            yield session
            session.commit()
        finally:
            reset_actor(token)


def count(app: Any, model: Any, *where: Any) -> int:
    with stored(app) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def is_problem(resp: Any, *statuses: int) -> bool:
    return resp.status_code in statuses and resp.mimetype == PROBLEM
