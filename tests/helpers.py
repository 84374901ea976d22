"""Helpers shared by the tests (this module only; test modules never import each other).

`readygrid ARGS` in this process (click's test runner), answering like subprocess.run.

For the long tables of bad inputs: starting Python and importing the app for each costs
3-4 s, and what they check (exit status, one line on stderr, stdout empty) is click's and
ours alike in both. Each command's contract is still also run as a real process."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.cli.db import recreate_postgres_database
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.demo import DEMO_PASSWORD

PROBLEM = "application/problem+json"


def no_database(tmp_path: Path) -> dict[str, str]:
    """Settings whose database cannot be opened: the command must not need one."""
    return {"READYGRID_DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite'}",
            "READYGRID_SECRET_KEY": "test"}


def readygrid(args: list[str], env: dict[str, str], cwd: Path
              ) -> subprocess.CompletedProcess[str]:
    from app import create_app
    from app.cli import command_line

    made: list[Any] = []

    def factory() -> Any:
        made.append(create_app())
        return made[-1]

    # FlaskGroup sets FLASK_RUN_FROM_CLI in os.environ: named here, the runner restores it
    env = {**env, "FLASK_RUN_FROM_CLI": ""}
    with contextlib.chdir(cwd):
        try:
            result = CliRunner().invoke(command_line(factory), args, env=env,
                                        prog_name="readygrid")
        finally:  # as a process's exit would: no connection outlives the command
            for app in made:
                app.extensions["readygrid.engine"].dispose()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["readygrid", *args], result.exit_code, result.stdout,
                                       result.stderr)




def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'id="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def sign_in(client: Any, user: str = "coordinator", password: str = DEMO_PASSWORD) -> None:
    """Sign a test client in through the login form (the demo password by default)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": token})
    assert resp.status_code == 302




@contextmanager
def system(app: Any) -> Iterator[Any]:
    """A database session acting as the system, for looking behind the pages."""
    with app.app_context():
        token = set_actor(system_actor("test"))
        try:
            yield db.session()
        finally:
            reset_actor(token)


def signed_in(app: Any, user: str, password: str = DEMO_PASSWORD) -> Any:
    """A browser-like test client signed in as `user`."""
    client = app.test_client()
    sign_in(client, user, password)
    return client




SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # git ignores it


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)




WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under `pytest -n`


def worker_database(url: str) -> str:
    """One PostgreSQL database per pytest-xdist worker (readygrid_test_gw0, ...): the suite
    truncates and rebuilds its database around every test."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(
        hide_password=False)


def fast_commits(url: str) -> None:
    """Test databases commit without waiting for the disk (synchronous_commit off: a crash
    may lose the last commits of a throw-away database, never corrupt it). A database
    setting, so every connection has it, pg_dump's included, and the URL stays plain."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _fast_commits(conn, make_url(url).database or "")
    admin.dispose()


def _fast_commits(conn: Any, name: str) -> None:
    conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))


def sibling_database(url: str, suffix: str) -> str:
    """The URL of a database beside this one (its name with a suffix), same options."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}{suffix}").render_as_string(
        hide_password=False)


PG_URL = worker_database(os.environ.get("READYGRID_TEST_DATABASE_URL", ""))


ON_POSTGRES = PG_URL.startswith("postgresql")


def pg_recreate(url: str) -> None:
    """Drop and create a test database, with fast commits."""
    recreate_postgres_database(url)
    fast_commits(url)


def copy_demo(template_url: str, url: str) -> None:
    """Make the database at url a copy of the demo template (nothing may hold it open)."""
    if ON_POSTGRES:
        _clone_postgres(template_url, url)
        return
    target = Path(make_url(url).database or "")
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(make_url(template_url).database or "", target)


def _clone_postgres(template_url: str, url: str) -> None:
    """Replace a database by a copy of another (CREATE DATABASE ... TEMPLATE)."""
    target, template = make_url(url).database, make_url(template_url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{template}"'))
        _fast_commits(conn, target or "")
    admin.dispose()


def page_token(client: Any, path: str = "/password") -> str:
    """A CSRF token of the signed-in session (any page with a form has it)."""
    return csrf_token(client.get(path).get_data(as_text=True))


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


def two_test_depots(ctx: Any, grids: tuple[str, str] = ("S01-C01-G01", "S02-C01-G01"),
                    item: str = "TESTWATER") -> Any:
    """The small demo plus an item only two test depots hold (TA in the first grid, TB in the
    second), at 10 units per person per day."""
    from app.areas.models import Area
    from app.core import crud
    from app.stock.catalogue import DEPOT, ITEM, NORM

    crud.create(ctx, ITEM, {"code": item, "name_zh": "测试水", "name_en": "Test water",
                            "category": "water_food", "unit_zh": "升", "unit_en": "L"})
    crud.create(ctx, NORM, {"item": item, "quantity": 10, "source": "test norm",
                            "status": "unverified"})
    for code, grid in zip(("TA", "TB"), grids, strict=True):
        area = ctx.scalar(select(Area).where(Area.code == grid))
        crud.create(ctx, DEPOT, {"code": code, "name_zh": code, "area": grid,
                                 "lat": area.lat, "lon": area.lon})
    return ctx


@contextmanager
def acting(ctx: Any, username: str) -> Iterator[None]:
    """Run the block as that demo user (their role and area), inside a test's session."""
    from app.accounts.models import User
    from app.accounts.services import principal_of

    token = set_actor(principal_of(ctx.scalar(select(User).where(User.username == username))))
    try:
        yield
    finally:
        reset_actor(token)
