"""Database set-up that both SQLite and PostgreSQL need."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from eventapp.extensions import db

#: Execution option of a connection whose transaction must hold SQLite's write lock from its
#: first statement (``BEGIN IMMEDIATE``); see :func:`write_transaction`.
BEGIN_IMMEDIATE = "eventapp_begin_immediate"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets door scans write while reports read; foreign keys are off by default in SQLite;
    # busy_timeout makes concurrent writers wait instead of failing at once; secure_delete
    # zeroes what a change frees, so a purged name does not linger in a page's free space.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # The driver sends no BEGIN of its own until the first write, and then a deferred one. A
    # transaction that has read and then writes fails at once with "database is locked" when
    # another connection wrote in between (its snapshot is stale; busy_timeout cannot help),
    # while one that locks when it begins waits its turn. Other transactions are left as they are.
    if conn.get_execution_options().get(BEGIN_IMMEDIATE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_database(app: Flask) -> None:
    """Attach per-connection settings to the app's engine."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)


def is_sqlite() -> bool:
    """True when the current app runs on SQLite (inside an app context)."""
    return db.engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """A transaction of ``session`` for a change that must not fail on a concurrent writer.

    Committed when the body ends, rolled back when it raises. On SQLite it begins with
    ``BEGIN IMMEDIATE`` and so waits (busy_timeout) for the write lock instead of failing; a
    transaction the session already has is committed first, since it cannot take the lock
    afterwards. On PostgreSQL the session's transaction is used as it is: there, the unique
    indexes decide races.
    """
    if session.get_bind().dialect.name == "sqlite":
        if session.in_transaction():
            session.commit()
        session.connection(execution_options={BEGIN_IMMEDIATE: True})
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()
