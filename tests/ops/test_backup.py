"""`readygrid backup` / `readygrid restore`: a round trip gives back every row of every table.

Runs on whichever database the suite uses (SQLite files, or PostgreSQL when
READYGRID_TEST_DATABASE_URL is set; then pg_dump/pg_restore must be installed).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from app.cli.backup import head_revision
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.stock import services as stock


@pytest.fixture
def on_postgres(database_url: str) -> bool:
    """Whichever database the suite's fixture gives; PostgreSQL needs the client tools."""
    postgres = database_url.startswith("postgresql")
    if postgres and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    return postgres


def snapshot(app: Any) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (the Alembic version too), as sorted tuples of strings."""
    with app.app_context():
        engine = db.engine()
        tables = sorted(inspect(engine).get_table_names())
        with engine.connect() as conn:
            return {t: sorted(tuple(repr(v) for v in row)
                              for row in conn.execute(text(f'SELECT * FROM "{t}"')))
                    for t in tables}


def change_everything(app: Any) -> None:
    """Inserts, updates and deletes through the services and plain SQL."""
    with app.app_context():
        token = set_actor(system_actor("test"))
        session = db.session()
        depot, item = session.execute(text(
            "SELECT d.code, i.code FROM stock_lots l JOIN depots d ON d.id = l.depot_id "
            "JOIN items i ON i.id = l.item_id WHERE l.on_hand > 2 AND l.reserved = 0 "
            "ORDER BY l.id")).first()
        stock.receive(session, depot=depot, item=item, quantity=7, lot_number="AFTER-BACKUP")
        stock.issue(session, depot=depot, item=item, quantity=2)
        session.execute(text("UPDATE users SET display_name = 'changed' "))
        session.execute(text("UPDATE areas SET population = population + 1"))
        session.commit()
        reset_actor(token)
        session.close()


def diff(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    out = [f"tables differ: {sorted(set(before) ^ set(after))}"] if set(before) != set(
        after) else []
    for table, rows in before.items():
        if rows != after.get(table):
            out.append(f"{table}: {len(rows)} rows before, {len(after.get(table, []))} after")
    return out


def test_backup_and_restore_round_trip(app: Any, demo: Any, tmp_path: Path,
                                       on_postgres: bool) -> None:
    runner = app.test_cli_runner()
    before = snapshot(app)
    assert before["stock_lots"] and before["stock_ledger"] and before["users"]
    file = tmp_path / ("backup.dump" if on_postgres else "backup.sqlite")

    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert file.stat().st_size > 0

    change_everything(app)
    changed = snapshot(app)
    assert diff(before, changed)  # the change is visible before the restore

    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    assert "restored" in result.output
    after = snapshot(app)
    assert diff(before, after) == [], (diff(before, after), result.output)
    assert after == before  # row by row, every table

    result = runner.invoke(args=["stock", "verify"])
    assert result.exit_code == 0, result.output


def test_restore_asks_for_confirmation(app: Any, demo: Any, tmp_path: Path,
                                       on_postgres: bool) -> None:
    runner = app.test_cli_runner()
    file = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    result = runner.invoke(args=["restore", str(file)], input="n\n")
    assert result.exit_code != 0
    assert "Aborted" in result.output


def test_restore_refuses_another_revision(app: Any, demo: Any, tmp_path: Path,
                                          on_postgres: bool) -> None:
    if on_postgres:
        pytest.skip("the revision check is the same code path; a SQLite file is simpler")
    runner = app.test_cli_runner()
    file = tmp_path / "old.sqlite"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    import sqlite3
    conn = sqlite3.connect(file)
    conn.execute("UPDATE alembic_version SET version_num = 'abc123'")
    conn.commit()
    conn.close()
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 1
    with app.app_context():
        head = head_revision()
    assert f"the backup is at migration abc123 but the code is at {head}" in result.output


def test_readable_errors(app: Any, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["restore", str(tmp_path / "missing.db"), "--yes"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {tmp_path / 'missing.db'} "
                                                   "does not exist"]
    result = runner.invoke(args=["backup", str(tmp_path / "no" / "such" / "dir.db")])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    if app.config["DATABASE_URL"].startswith("sqlite"):
        itself = app.config["DATABASE_URL"].removeprefix("sqlite:///")
        result = runner.invoke(args=["backup", itself])
        assert result.exit_code == 1 and "is the database itself" in result.output
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a backup" * 100)
    result = runner.invoke(args=["restore", str(garbage), "--yes"])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert len(result.output.strip().splitlines()) == 1


def test_restore_refuses_while_in_use_on_postgres(app: Any, demo: Any, tmp_path: Path,
                                                  on_postgres: bool) -> None:
    if not on_postgres:
        pytest.skip("PostgreSQL only: SQLite restores under its own write lock")
    runner = app.test_cli_runner()
    file = tmp_path / "backup.dump"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    from sqlalchemy import create_engine
    other = create_engine(str(app.config["DATABASE_URL"]))
    with other.connect() as conn:
        conn.execute(select(1))
        result = runner.invoke(args=["restore", str(file), "--yes"])
    other.dispose()
    assert result.exit_code == 1
    assert "other connection(s)" in result.output
