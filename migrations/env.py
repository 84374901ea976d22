"""Alembic environment: the URL comes from the caller's config or from the app's settings."""
from __future__ import annotations

from alembic import context
import app.models  # noqa: F401  (registers every table on Base.metadata)
from app.core.db import Base, make_engine

config = context.config
target_metadata = Base.metadata
# Tables owned by libraries (APScheduler's job store) are not ours to migrate.
FOREIGN_TABLES = {"apscheduler_jobs"}


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from pathlib import Path

    from app.core.config import default_database_url, from_environment
    return from_environment().get("DATABASE_URL") or default_database_url(
        str(Path.cwd() / "instance"))


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      include_object=include_object, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table (copy, drop, rename): with foreign keys on,
            # dropping a parent would cascade-delete its children (a level's rules and
            # checklist). SQLite only honours the pragma outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata,
                          include_object=include_object,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if problems:
                raise RuntimeError(f"migration left rows without their parent: {problems[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
