"""Backups: a consistent copy made while scans are being written, restored, with every row found.

SQLite: the copy is opened as a database (the restore is copying the file back).
PostgreSQL: the dump is restored with pg_restore into a fresh database made for the test.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from eventapp.audit.models import AuditEntry
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.privacy.backup import BackupError, backup_database
from eventapp.registration.models import Registration
from eventapp.registration.services import new_registration
from tests import factories
from tests.conftest import make_app


class Writer(threading.Thread):
    """Commits audit rows one by one, on its own connection, until stopped."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        self.committed: list[int] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.started_writing = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        table = AuditEntry.__table__
        try:
            while not self.stop.is_set():
                with self.engine.begin() as conn:
                    new_id = conn.execute(insert(table).values(
                        at=datetime.now(UTC), actor="Gate A", ip="", action="checkin.create",
                        object_type="", object_id="", details="")).inserted_primary_key[0]
                with self.lock:
                    self.committed.append(new_id)
                if len(self.committed) >= 20:
                    self.started_writing.set()
        except BaseException as exc:  # reported by the test
            self.error = exc
            self.started_writing.set()
        finally:
            self.engine.dispose()

    def snapshot(self) -> list[int]:
        with self.lock:
            return list(self.committed)


def _populate(n: int = 400) -> int:
    event = factories.make_event()
    for i in range(n):
        person = Person(first_name=f"Aïssata {i}", last_name="N'Diaye", sex="F" if i % 2 else "M",
                        name_key=f"k{i}")
        db.session.add(person)
        new_registration(event, person)
    db.session.commit()
    return n


@pytest.fixture
def pg_restore_target(database_url):
    """A fresh empty PostgreSQL database for the restore; dropped afterwards."""
    base = make_url(database_url)
    name = f"eventapp_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_while_writing_then_restore_finds_every_row(app, runner, tmp_path, request):
    url = db.engine.url.render_as_string(hide_password=False)
    persons = _populate()
    writer = Writer(url)
    writer.start()
    try:
        assert writer.started_writing.wait(60)
        assert writer.error is None, writer.error
        before = writer.snapshot()  # committed before the backup starts
        out = tmp_path / ("backup.db" if db.engine.dialect.name == "sqlite" else "backup.dump")
        result = runner.invoke(args=["backup", "--out", str(out)])
        during = len(writer.snapshot()) - len(before)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert out.exists() and not out.with_name(out.name + ".partial").exists()
    assert out.stat().st_mode & 0o077 == 0  # owner only: it holds everyone's data
    print(f"\nbackup: {len(before)} rows committed before it, {during} more written while it ran")

    if db.engine.dialect.name == "sqlite":
        with sqlite3.connect(out) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        restored_url = f"sqlite:///{out}"
    else:
        target = request.getfixturevalue("pg_restore_target")
        completed = subprocess.run(
            ["pg_restore", "--no-owner", "--clean", "--if-exists", "--host", target.host or "127.0.0.1",
             "--port", str(target.port or 5432), "--username", target.username or "postgres",
             "--dbname", target.database, str(out)], capture_output=True, text=True)
        assert completed.returncode == 0, completed.stderr
        restored_url = target.render_as_string(hide_password=False)

    # The restored database, opened by the app itself.
    restored = make_app(restored_url, tmp_path / "restored-instance")
    with restored.app_context():
        ids = set(db.session.scalars(select(AuditEntry.id).where(AuditEntry.action == "checkin.create")))
        assert set(before) <= ids, f"{len(set(before) - ids)} committed rows missing from the backup"
        assert db.session.scalar(select(func.count(Person.id))) == persons
        assert db.session.scalar(select(func.count(Registration.id))) == persons
        assert db.session.scalar(select(Person.first_name).where(Person.first_name == "Aïssata 7")) == "Aïssata 7"
        db.session.remove()
        db.engine.dispose()


def test_backup_to_a_folder_is_refused(app, tmp_path):
    with pytest.raises(BackupError, match="dossier|folder"):
        backup_database(db.engine.url.render_as_string(hide_password=False), tmp_path)


def test_missing_pg_dump_is_a_clear_error(app, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert shutil.which("pg_dump") is None
    with pytest.raises(BackupError, match="pg_dump"):
        backup_database("postgresql+psycopg://postgres@127.0.0.1:5432/whatever", tmp_path / "x.dump")
    assert not (tmp_path / "x.dump").exists()


def test_missing_sqlite_file_is_a_clear_error(app, tmp_path):
    with pytest.raises(BackupError):
        backup_database(f"sqlite:///{tmp_path / 'nope.db'}", tmp_path / "copy.db")
