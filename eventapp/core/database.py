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


#: Door scans of this process write one at a time on SQLite (see :func:`take_write_turn`).
_SQLITE_DOOR_WRITES = threading.Lock()

#: Where a door connection keeps its turn to write (``Connection.info``) while its scan runs.
_TURN = "eventapp.door_write_turn"


class _WriteTurn:
    """A door scan's turn to write on SQLite: taken before its first write, given back when its
    transaction ends; a no-op elsewhere."""

    def __init__(self, lock: threading.Lock | None):
        self._lock, self._held = lock, False

    def take(self) -> None:
        if self._lock is not None and not self._held:
            self._lock.acquire()
            self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()


def take_write_turn(conn: Connection) -> None:
    """Wait for this scan's turn to write, before its first write in a :func:`door_transaction`.

    SQLite lets one writer in at a time. Without the turn, the threads of a server that wait
    for the write lock sleep in SQLite's busy handler (1, 2, 5, 10… ms at a time, not woken when
    the lock frees), which is the slow tail of a busy door; with it they queue on a Python lock,
    woken the moment the scan before commits. The turn is taken only for the writes and the
    commit: the scan's reads (the badge and its check-ins) run before, outside SQLite's write
    transaction, so that they overlap with another scan's write. A read that a write then
    overtakes is harmless: the check-in is inserted with ``ON CONFLICT DO NOTHING`` under the
    unique indexes, so the database still decides who was first. Other processes are waited
    for by ``busy_timeout``. Nothing happens on PostgreSQL, or outside a door transaction.
    """
    turn = conn.info.get(_TURN)
    if turn is not None:
        turn.take()


@contextmanager
def door_transaction(sessions: scoped_session) -> Iterator[Connection]:
    """A door scan's short transaction, as a Connection: committed when the body ends, rolled
    back when it raises; on SQLite its writes wait for :func:`take_write_turn`.

    ``sessions`` is ``db.session``. When the current session has no transaction (a request's
    scan; it is then not even created), a connection of the engine's pool of
    its own, without the Session's bookkeeping (a scan needs no identity map and no flush, and
    the Session's begin and commit cost more than its statements); on PostgreSQL in autocommit,
    each statement committed by itself (a scan writes with one statement), without BEGIN and
    COMMIT round trips. Inside a transaction of the caller's (a test, a command), that
    transaction's connection, committed with the session, the turn taken at once (the caller's
    transaction, not the scan, decides when it writes).
    """
    session = sessions() if sessions.registry.has() else None
    if session is not None and session.in_transaction():
        lock = _SQLITE_DOOR_WRITES if session.get_bind().dialect.name == "sqlite" else nullcontext()
        with lock, write_transaction(session):
            yield session.connection()
        return
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    turn = _WriteTurn(_SQLITE_DOOR_WRITES if sqlite else None)
    options = {} if sqlite else {"isolation_level": "AUTOCOMMIT"}
    try:
        with engine.connect() as conn:
            if options:
                conn = conn.execution_options(**options)
            conn.info[_TURN] = turn
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            finally:
                conn.info.pop(_TURN, None)
            conn.commit()
    finally:
        turn.give_back()
