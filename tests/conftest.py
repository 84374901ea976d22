"""Fixtures: one migrated database per test run, reset per test, on SQLite or PostgreSQL.

Set READYGRID_TEST_DATABASE_URL to a PostgreSQL URL to run the whole suite there; without it
the suite runs on SQLite files. Either way the schema comes from the Alembic migrations.
Under pytest-xdist (`make test` runs `-n auto`) each worker has a database of its own.
"""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.cli.db import upgrade
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from tests.helpers import (
    ON_POSTGRES,
    PG_URL,
    copy_demo,
    pg_recreate,
    readygrid,
    sibling_database,
)


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
    """Empty every table that holds a row (TRUNCATE costs per table, about 5 ms each)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"))]
        if tables:
            probe = " UNION ALL ".join(
                f"SELECT '{t}' FROM (SELECT 1 FROM \"{t}\" LIMIT 1) AS x" for t in tables)
            full = [r[0] for r in conn.execute(text(probe))]
            if full:
                conn.execute(text(f"TRUNCATE {', '.join(full)} RESTART IDENTITY CASCADE"))
            for (name,) in conn.execute(text(  # ids drawn by rows since deleted start over
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
                    "AND last_value IS NOT NULL")):
                conn.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))
    engine.dispose()


@pytest.fixture
def database_url(migrated: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A clean, migrated database for one test (on PostgreSQL a test of the demo gets a fresh
    copy of it instead: emptying the database first would be wasted)."""
    if ON_POSTGRES:
        if not {"demo", "full_demo"} & set(request.fixturenames):
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


def _template(migrated: str, tmp_path_factory: pytest.TempPathFactory, scale: str,
              seed: int, then: Any = None) -> tuple[str, Any]:
    """A demo district built once per run (per xdist worker) into a database of its own, for
    tests to copy; `then(session)` adds to it and its answer comes back with the URL."""
    from app.demo import build

    if ON_POSTGRES:
        url = sibling_database(PG_URL, f"_demo_{scale}" if scale != "small" else "_demo")
        pg_recreate(url)
        upgrade(url)
    else:
        path = tmp_path_factory.mktemp(f"demo-{scale}") / "demo.sqlite"
        shutil.copyfile(migrated, path)
        url = f"sqlite:///{path}"
    application = create_app({"DATABASE_URL": url, "TESTING": True,
                              "SECRET_KEY": "test-secret"})
    with application.app_context():
        token = set_actor(system_actor("test"))
        session = db.session()
        counts = build(session, scale, seed=seed)
        session.commit()
        answer = then(session) if then else counts
        reset_actor(token)
    application.extensions["readygrid.engine"].dispose()
    return url, answer


@pytest.fixture(scope="session")
def demo_template(migrated: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[str, dict[str, int]]:
    """The small demo district, for `demo` to copy: building it costs about a second,
    copying it a tenth of that."""
    return _template(migrated, tmp_path_factory, "small", 3)


FLOOD = ("S01-C01", "S01-C02", "S01-C03", "S01-C04")


def _declare_the_two_incidents(session: Any) -> dict[str, str]:
    """The control room's two cases on the full demo: a level III flood over four
    communities and a level I incident over every community, each with a proposed plan."""
    from sqlalchemy import select

    from app.areas.models import Area
    from app.core.vocabulary import AreaLevel
    from app.incidents import workflows
    from app.incidents.services import AreaInput

    every = session.scalars(select(Area.code).where(Area.level == AreaLevel.COMMUNITY)
                            .order_by(Area.code)).all()
    codes = {}
    for case, level, areas in (("flood", 3, FLOOD), ("district", 1, every)):
        codes[case] = workflows.declare(
            session, title=f"{case} (full demo)", hazard="flood", level=level,
            areas=[AreaInput(c) for c in areas], duration_days=3).raise_error().code
    return codes


@pytest.fixture(scope="session")
def full_demo_template(migrated: str, tmp_path_factory: pytest.TempPathFactory
                       ) -> tuple[str, dict[str, str]]:
    """The full demo district (12 streets, 110 communities, 51 depots) with the flood and the
    whole-district incident declared: about 10 s, built only by a worker that needs it."""
    return _template(migrated, tmp_path_factory, "full", 7, _declare_the_two_incidents)


@pytest.fixture
def full_demo(app: Any, database_url: str, full_demo_template: tuple[str, dict[str, str]]
              ) -> dict[str, str]:
    """The test's database becomes a copy of the full demo; returns the two incidents'
    codes by case ("flood", "district")."""
    template, codes = full_demo_template
    app.extensions["readygrid.engine"].dispose()
    copy_demo(template, database_url)
    return dict(codes)


@pytest.fixture
def demo(app: Any, database_url: str, demo_template: tuple[str, dict[str, int]]
         ) -> dict[str, int]:
    """The small demo district (2 streets, 4 communities, 8 grids) with its four users: the
    test's database becomes a copy of the one `demo_template` built."""
    template, counts = demo_template
    app.extensions["readygrid.engine"].dispose()  # nothing may hold the old database open
    copy_demo(template, database_url)
    return dict(counts)


@pytest.fixture
def auth(app: Any) -> Any:
    """auth('staff') -> headers with a fresh bearer token for that user."""
    from app.accounts.services import issue_token

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





@pytest.fixture
def run(database_url: str, tmp_path: Path) -> Any:
    """run('areas', 'list') -> the `readygrid` command line on the test's database, in this
    process (a new interpreter costs about 4 s here; the missing-file tests of `solve` and
    `drills plan` run the command in a process of its own)."""
    env = {"READYGRID_DATABASE_URL": database_url, "READYGRID_SECRET_KEY": "test"}

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return readygrid(list(args), env, tmp_path)

    return call
