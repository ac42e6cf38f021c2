"""Database set-up that both SQLite and PostgreSQL need."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError

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


def init_database(app: Flask) -> None:
    """Attach per-connection settings to the app's engine."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def is_sqlite() -> bool:
    """True when the current app runs on SQLite (inside an app context)."""
    return db.engine.dialect.name == "sqlite"


class Prepared:
    """A Core statement compiled once per dialect and run straight on a DBAPI cursor.

    The door's hot path runs a few small statements per scan. SQLAlchemy's work around each
    execution (cache lookup, execution context, result objects) costs more than SQLite's own
    work, so those statements are written with SQLAlchemy (portable, typed by the models) and
    run here, paying only for the driver call and the type conversions (dates on SQLite).

    Every parameter must be given, except literals and LIMITs that the statement carries: an
    INSERT's Python-side column defaults are not applied here.
    """

    def __init__(self, statement, name: str = ""):
        self.statement = statement
        self.name = name
        self._forms: dict = {}

    def _form(self, dialect) -> "_Form":
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _Form(self.statement, dialect, self.name)
        return form

    def execute(self, cursor, dialect, params: dict | None = None):
        """Run the statement on ``cursor``; returns the cursor."""
        form = self._form(dialect)
        cursor.execute(form.sql, form.parameters(params or {}))
        return cursor

    def first(self, cursor, dialect, params: dict | None = None):
        """The first row (a named tuple, values converted as SQLAlchemy would), or None."""
        form = self._form(dialect)
        cursor.execute(form.sql, form.parameters(params or {}))
        # fetchall: a statement left half-read stays open, and an INSERT … RETURNING left open
        # on SQLite keeps its write lock until the cursor is reset.
        rows = cursor.fetchall()
        return form.row(rows[0]) if rows else None

    def all(self, cursor, dialect, params: dict | None = None) -> list:
        """Every row, as named tuples."""
        form = self._form(dialect)
        cursor.execute(form.sql, form.parameters(params or {}))
        return [form.row(raw) for raw in cursor.fetchall()]

    def scalar(self, cursor, dialect, params: dict | None = None):
        """The first column of the first row, or None."""
        row = self.first(cursor, dialect, params)
        return None if row is None else row[0]


def run_once(cursor, dialect, statement) -> list:
    """Run a statement that carries its values (an IN list of a batch) once; its rows."""
    return Prepared(statement, "once").all(cursor, dialect)


class _Form:
    """A statement compiled for one dialect: SQL text, parameter order and converters."""

    def __init__(self, statement, dialect, name: str):
        from collections import namedtuple

        # render_postcompile: an IN list given as values (run_once) is written out in full.
        try:
            compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        except InvalidRequestError as exc:  # an IN list left as a parameter
            raise ValueError(f"{name or statement}: expanding parameters cannot be prepared ({exc})") from exc
        if "POSTCOMPILE" in compiled.string:
            raise ValueError(f"{name or statement}: expanding parameters cannot be prepared")
        self.sql = compiled.string
        binds = {bind_name: bind for bind, bind_name in compiled.bind_names.items()}
        self.positional = compiled.positiontup is not None
        carried = compiled.params  # every parameter; values for literals, LIMITs and IN lists
        self.names = list(compiled.positiontup) if self.positional else list(carried)
        self.defaults = {n: carried[n] for n in self.names if carried.get(n) is not None}
        # An IN list written out names its values NAME_1, NAME_2… after the list's parameter.
        types = {n: (binds.get(n) if n in binds else binds[n.rsplit("_", 1)[0]]).type for n in self.names}
        self.processors = {n: p for n, type_ in types.items()
                           if (p := type_.dialect_impl(dialect).bind_processor(dialect)) is not None}
        columns = list(getattr(statement, "exported_columns", []) or [])
        self.row_type = namedtuple(f"Row_{name or 'prepared'}", [c.key for c in columns]) if columns else tuple
        self.result_processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        self.convert_results = any(self.result_processors)

    def parameters(self, params: dict):
        values = {}
        for n in self.names:
            if n in params:
                value = params[n]
            elif n in self.defaults:
                value = self.defaults[n]
            else:
                raise KeyError(f"missing parameter {n!r}")
            process = self.processors.get(n)
            values[n] = process(value) if process is not None and value is not None else value
        return [values[n] for n in self.names] if self.positional else values

    def row(self, raw):
        if self.convert_results:
            raw = [v if p is None or v is None else p(v) for p, v in zip(self.result_processors, raw)]
        return self.row_type(*raw) if self.row_type is not tuple else tuple(raw)
