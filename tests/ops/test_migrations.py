"""Alembic: an empty database upgrades to head, matches the models, and downgrades to base."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.cli.db import alembic_config
from app.models import Base
from tests.helpers import ON_POSTGRES, PG_URL, pg_recreate, sibling_database


def _fresh_url(tmp_path: Path) -> str:
    if ON_POSTGRES:
        url = sibling_database(PG_URL, "_migrations")  # beside this worker's test database
        pg_recreate(url)
        return url
    return f"sqlite:///{tmp_path / 'migrate.sqlite'}"


def test_upgrade_to_head_matches_models_and_downgrades_to_base(tmp_path: Path) -> None:
    url = _fresh_url(tmp_path)
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == [], f"models and migrations disagree: {diff}"
    assert set(Base.metadata.tables) <= tables

    command.downgrade(cfg, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_a_migration_round_trip_keeps_every_row(tmp_path: Path) -> None:
    """Down to the release before the reserves and back: SQLite rebuilds tables in batch
    migrations, which must not cascade-delete their children (a level's rules, checklist)."""
    from sqlalchemy import text

    from app import create_app
    from app.core import db
    from app.core.actor import reset_actor, set_actor, system_actor
    from app.demo import build

    url = _fresh_url(tmp_path)
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"})
    with app.app_context():
        token = set_actor(system_actor("test"))
        try:
            build(db.session(), "small")
            db.session().commit()
        finally:
            reset_actor(token)
    app.extensions["readygrid.engine"].dispose()
    tables = ("mobilisation_rules", "mobilisation_checklist", "depot_minimums",
              "mobilisation_levels",
              "drills", "drill_teams")
    engine = create_engine(url)

    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in tables}

    before = counts()
    assert before["mobilisation_rules"] > 0 and before["mobilisation_checklist"] > 0
    command.downgrade(cfg, "0006")
    command.upgrade(cfg, "head")
    assert counts() == before
    engine.dispose()
