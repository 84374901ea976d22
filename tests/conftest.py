"""Fixtures: one migrated database per test run, reset per test, on SQLite or PostgreSQL.

Set READYGRID_TEST_DATABASE_URL to a PostgreSQL URL to run the whole suite there; without it
the suite runs on SQLite files. Either way the schema comes from the Alembic migrations.
Under pytest-xdist (`make test` runs `-n auto`) each worker has a database of its own.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app, db
from app.actor import reset_actor, set_actor, system_actor
from app.cli_db import recreate_postgres_database, upgrade

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ... under `pytest -n`


def worker_database(url: str) -> str:
    """One PostgreSQL database per pytest-xdist worker (readygrid_test_gw0, ...): the suite
    truncates and rebuilds its database around every test."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(
        hide_password=False)


PG_URL = worker_database(os.environ.get("READYGRID_TEST_DATABASE_URL", ""))
ON_POSTGRES = PG_URL.startswith("postgresql")


pg_recreate = recreate_postgres_database


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database upgraded to head once per run: a template file, or the PostgreSQL DB."""
    if ON_POSTGRES:
        pg_recreate(PG_URL)
        upgrade(PG_URL)
        return PG_URL
    template = tmp_path_factory.mktemp("template") / "template.sqlite"
    upgrade(f"sqlite:///{template}")
    return str(template)


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated: str, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if ON_POSTGRES:
        _truncate_all(migrated)
        return migrated
    target = tmp_path / "readygrid.sqlite"
    shutil.copyfile(migrated, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "SECRET_KEY": "test-secret"})
    yield application
    application.extensions["readygrid.engine"].dispose()


@pytest.fixture
def ctx(app: Any) -> Iterator[Any]:
    """An app context acting as the CLI/system actor, for calling services directly."""
    with app.app_context():
        token = set_actor(system_actor("test"))
        yield db.session()
        reset_actor(token)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture(scope="session")
def demo_template(migrated: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[str, dict[str, int]]:
    """The small demo district built once per run (per xdist worker) into a database of its
    own, for `demo` to copy: building it costs about a second, copying it a tenth of that."""
    from app.demo import build

    if ON_POSTGRES:
        url = f"{PG_URL}_demo"
        pg_recreate(url)
        upgrade(url)
    else:
        path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
        shutil.copyfile(migrated, path)
        url = f"sqlite:///{path}"
    application = create_app({"DATABASE_URL": url, "TESTING": True,
                              "SECRET_KEY": "test-secret"})
    with application.app_context():
        token = set_actor(system_actor("test"))
        session = db.session()
        counts = build(session, "small", seed=3)
        session.commit()
        reset_actor(token)
    application.extensions["readygrid.engine"].dispose()
    return url, counts


@pytest.fixture
def demo(app: Any, database_url: str, demo_template: tuple[str, dict[str, int]]
         ) -> dict[str, int]:
    """The small demo district (2 streets, 4 communities, 8 grids) with its four users: the
    test's database becomes a copy of the one `demo_template` built."""
    template, counts = demo_template
    app.extensions["readygrid.engine"].dispose()  # nothing may hold the old database open
    copy_demo(template, database_url)
    return dict(counts)


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
    admin.dispose()


@pytest.fixture
def auth(app: Any) -> Any:
    """auth('staff') -> headers with a fresh bearer token for that user."""
    from app.services.users import issue_token

    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            with app.app_context():
                clear, _ = issue_token(db.session(), username, "test")
            cache[username] = {"Authorization": f"Bearer {clear}"}
        return cache[username]

    return headers


@pytest.fixture
def admin(client: Any, demo: Any, auth: Any) -> Any:
    """admin('get', url, ...) calls the API as the demo district's administrator."""
    headers = auth("admin")

    def call(method: str, url: str, **kw: Any) -> Any:
        return getattr(client, method)(url, headers=headers, **kw)

    return call
