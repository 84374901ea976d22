"""Database plumbing: declarative base, engine per app, one session per app context."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns aware datetimes, also on SQLite which drops the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; ReadyGrid stores aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, datetime: UTCDateTime}


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine with the pragmas ReadyGrid relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def init_app(app: Flask) -> None:
    """Bind an engine and a session factory to the app; nothing connects yet."""
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("SQL_ECHO", False))
    app.extensions["readygrid.engine"] = engine
    app.extensions["readygrid.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["readygrid.engine"]


def session() -> Session:
    """The session of the current app context (request, CLI command or job)."""
    if "rg_session" not in g:
        g.rg_session = current_app.extensions["readygrid.sessionmaker"]()
    return g.rg_session


def _close_session(_exc: BaseException | None) -> None:
    sess = g.pop("rg_session", None)
    if sess is not None:
        sess.close()


@contextmanager
def unit_of_work(sess: Session | None = None) -> Iterator[Session]:
    """One transaction: commit once at the end, roll back on any error."""
    sess = sess or session()
    try:
        yield sess
        sess.commit()
    except BaseException:
        sess.rollback()
        raise


def bulk_insert(sess: Session, model: type[Base], rows: list[dict[str, Any]],
                with_ids: bool = False) -> list[int]:
    """Insert many rows fast inside the session's transaction; optionally return their ids.

    PostgreSQL gets COPY (ids drawn from the table's sequence first); other databases get
    one executemany. Bypasses ORM events: callers write their own audit summary.
    """
    if not rows:
        return []
    table = model.__table__
    conn = sess.connection()
    ids: list[int] = []
    if conn.dialect.name == "postgresql":
        if with_ids:
            ids = list(conn.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                f"FROM generate_series(1, {len(rows)})").scalars())
            rows = [{**r, "id": i} for r, i in zip(rows, ids, strict=True)]
        columns = list(rows[0])
        processors = {c: table.c[c].type.bind_processor(conn.dialect) for c in columns}
        # Only enums, JSON and dates need converting; numbers and text go to COPY as they are.
        plain = [c for c in columns if processors[c] is None
                 and table.c[c].type.python_type in (int, float, str, bool)]
        converted = [c for c in columns if c not in plain]
        ordered = plain + converted
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        sql = f"COPY {table.name} ({', '.join(ordered)}) FROM STDIN"
        with cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[c] for c in plain]
                               + [_copy_value(row[c], processors[c]) for c in converted])
        return ids
    from sqlalchemy import insert
    if with_ids:
        return list(sess.scalars(insert(table).returning(table.c.id,
                                                         sort_by_parameter_order=True), rows))
    sess.execute(insert(table), rows)
    return ids


def _copy_value(value: Any, processor: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict | list):  # JSON columns: COPY takes the text
        import json
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "value") and not isinstance(value, datetime):  # enums
        value = value.value
    return processor(value) if processor else value
