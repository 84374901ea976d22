"""`readygrid backup FILE` and `readygrid restore FILE`: the whole database in one file.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while
the app keeps running; the copy is written to a temporary file next to FILE and renamed into
place, so a crash never leaves half a backup. Restore copies the file back with the same API,
inside one write transaction of the target: other connections see the old database or the
restored one, never a mixture, and the WAL file stays coherent (renaming a file over a WAL
database that other processes hold open would not be safe).

PostgreSQL: `pg_dump -Fc` and `pg_restore --clean --if-exists --single-transaction` from the
PostgreSQL client tools (Debian: postgresql-client), whose major version must not be older than
the server's.

Restore refuses a backup whose Alembic revision differs from the code's newest migration: a
restored database must match the code that will run on it.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from app.core import db


class BackupError(Exception):
    """A backup or restore could not run; the message is one readable line."""


def head_revision() -> str:
    """The newest Alembic revision of the code."""
    from alembic.script import ScriptDirectory

    from app.cli.db import alembic_config
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


# ---- SQLite -------------------------------------------------------------------------------
def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def sqlite_backup(url: URL, target: Path) -> None:
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"the database file {source} does not exist")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the database itself; choose another file")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                               dir=target.parent or Path("."))
    os.close(fd)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        finally:
            dst.close()
            src.close()
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def sqlite_revision(backup: Path) -> str:
    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{backup} is damaged (PRAGMA quick_check failed)")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup} is not a ReadyGrid SQLite backup ({exc})") from exc
    if row is None:
        raise BackupError(f"{backup} has no Alembic revision")
    return str(row[0])


def sqlite_restore(url: URL, backup: Path) -> None:
    target = _sqlite_path(url)
    if target.exists() and target.resolve() == backup.resolve():
        raise BackupError(f"{backup} is the database itself; choose another file")
    if not target.exists():  # nothing to replace: a temporary copy renamed into place
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            shutil.copyfile(backup, tmp)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return
    try:
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=10)
        try:
            src.backup(dst)  # one write transaction on the target: all pages or none
        finally:
            dst.close()
            src.close()
    except sqlite3.OperationalError as exc:
        raise BackupError(f"cannot write {target}: {exc} (stop the web app and the "
                          "scheduler, then try again)") from exc


# ---- PostgreSQL ---------------------------------------------------------------------------
def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found; install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client)")
    return path


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, which goes in PGPASSWORD instead."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _check_client_version(tool: str) -> None:
    """pg_dump refuses a newer server; say so in one line, with both versions."""
    found = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"(\d+)(?:\.(\d+))?", found.stdout)
    client = int(match.group(1)) if match else 0
    server_num = int(db.session().execute(text("SHOW server_version_num")).scalar_one())
    server = server_num // 10000
    db.session().rollback()
    if client < server:
        raise BackupError(f"{Path(tool).name} {client} is older than the PostgreSQL {server} "
                          f"server; install postgresql-client-{server}")


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        raise BackupError(f"{Path(args[0]).name} failed: "
                          f"{lines[0] if lines else 'exit ' + str(done.returncode)}")
    return done.stdout


def pg_backup(url: URL, target: Path) -> None:
    tool = _tool("pg_dump")
    _check_client_version(tool)
    conninfo, env = _libpq(url)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                               dir=target.parent or Path("."))
    os.close(fd)
    try:
        _run([tool, "--format=custom", "--no-owner", "--file", tmp, "--dbname", conninfo], env)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def pg_revision(backup: Path) -> str:
    tool = _tool("pg_restore")
    sql = _run([tool, "--data-only", "--table=alembic_version", "--file=-", str(backup)],
               dict(os.environ))
    # The COPY block: "COPY public.alembic_version (version_num) FROM stdin;\n<rev>\n\\."
    match = re.search(r"COPY [\w.\"]*alembic_version[^\n]*\n([^\n\\]+)\n", sql)
    if match is None:
        raise BackupError(f"{backup} has no Alembic revision")
    return match.group(1).strip()


def pg_restore(url: URL, backup: Path) -> None:
    tool = _tool("pg_restore")
    _check_client_version(tool)
    session = db.session()
    others = session.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar_one()
    session.rollback()
    session.close()
    if others:
        raise BackupError(f"{others} other connection(s) to {url.database}; stop the web "
                          "app and the scheduler, then try again")
    db.engine().dispose()
    conninfo, env = _libpq(url)
    _run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", "--dbname", conninfo, str(backup)], env)


# ---- commands -----------------------------------------------------------------------------
def _url() -> URL:
    return make_url(str(current_app.config["DATABASE_URL"]))


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_cmd(file: Path) -> None:
    """Back up the whole database to FILE (SQLite copy or pg_dump custom format)."""
    url = _url()
    try:
        if not file.parent.is_dir():
            raise BackupError(f"the folder {file.parent} does not exist")
        if url.get_backend_name() == "sqlite":
            sqlite_backup(url, file)
        elif url.get_backend_name() == "postgresql":
            pg_backup(url, file)
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"backed up {url.render_as_string(hide_password=True)} to {file} "
               f"({file.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_cmd(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup in FILE.

    The backup must be at the code's newest migration. Stop the web app and the scheduler
    first.
    """
    url = _url()
    backend = url.get_backend_name()
    try:
        if not file.is_file():
            raise BackupError(f"{file} does not exist")
        if backend == "sqlite":
            revision = sqlite_revision(file)
        elif backend == "postgresql":
            revision = pg_revision(file)
        else:
            raise BackupError(f"cannot restore a {backend} database")
        head = head_revision()
        if revision != head:
            raise BackupError(f"the backup is at migration {revision} but the code is at "
                              f"{head}; restore it with the matching ReadyGrid version")
        if not yes:
            click.confirm(f"Replace every row of {url.render_as_string(hide_password=True)} "
                          f"with {file}?", abort=True)
        db.session().close()
        db.engine().dispose()
        if backend == "sqlite":
            sqlite_restore(url, file)
        else:
            pg_restore(url, file)
    except BackupError as exc:
        _fail(str(exc))
    click.echo(f"restored {file} into {url.render_as_string(hide_password=True)} "
               f"(migration {revision})")
