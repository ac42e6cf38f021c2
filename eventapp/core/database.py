"""Database set-up that both SQLite and PostgreSQL need."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from flask import Flask
from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from eventapp.extensions import db


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
    # The driver begins a transaction by itself before the first write (reads before it see
    # the latest commit, outside any transaction). IMMEDIATE makes that BEGIN IMMEDIATE: the
    # write lock is taken when the transaction begins, waiting its turn (busy_timeout) behind
    # another writer, never failing halfway with "database is locked" as a deferred one can
    # when another connection wrote after it read.
    dbapi_connection.isolation_level = "IMMEDIATE"


def init_database(app: Flask) -> None:
    """Attach per-connection settings to the app's engine."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def is_sqlite() -> bool:
    """True when the current app runs on SQLite (inside an app context)."""
    return db.engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """The session's transaction around a change: committed when the body ends, rolled back
    when it raises (on SQLite it holds the write lock from its first write: ``_sqlite_pragmas``)."""
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


#: Door scans of this process write one at a time on SQLite (see :func:`door_write_lock`).
_SQLITE_DOOR_WRITES = threading.Lock()


def door_write_lock(bind: Session | Engine):
    """A context for a door scan's short read-and-write transaction: on SQLite, a lock of this
    process that its scans take in turn; elsewhere, nothing.

    SQLite lets one writer in at a time. Without the lock, the threads of a server that wait
    for the write lock sleep in SQLite's busy handler (1, 2, 5, 10… ms at a time, not woken when
    the lock frees), which is the slow tail of a busy door; with it they queue on a Python lock,
    woken the moment the scan before commits. Other processes are still waited for by
    ``busy_timeout``. Only for a session that has not written yet (it must not hold SQLite's
    lock while it waits for this one).
    """
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    if engine.dialect.name != "sqlite":
        return nullcontext()
    return _SQLITE_DOOR_WRITES


@contextmanager
def door_transaction(sessions: scoped_session) -> Iterator[Connection]:
    """A door scan's short transaction, as a Connection: committed when the body ends, rolled
    back when it raises; on SQLite under :func:`door_write_lock`.

    ``sessions`` is ``db.session``. When the current session has no transaction (a request's
    scan; it is then not even created), a connection of the engine's pool of
    its own, without the Session's bookkeeping (a scan needs no identity map and no flush, and
    the Session's begin and commit cost more than its statements); on PostgreSQL in autocommit,
    each statement committed by itself (a scan writes with one statement), without BEGIN and
    COMMIT round trips. Inside a transaction of the caller's (a test, a command), that
    transaction's connection, committed with the session.
    """
    session = sessions() if sessions.registry.has() else None
    if session is not None and session.in_transaction():
        with door_write_lock(session), write_transaction(session):
            yield session.connection()
        return
    engine = db.engine
    with door_write_lock(engine):
        options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
        with engine.connect() as conn:
            if options:
                conn = conn.execution_options(**options)
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
