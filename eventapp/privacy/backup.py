"""Consistent copies of the database while the app runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
even while door scans are being written. PostgreSQL: ``pg_dump`` in its custom format, which
reads one snapshot in a single transaction; restore it with ``pg_restore``.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from eventapp.core.errors import ServiceError


class BackupError(ServiceError):
    """The copy could not be made (the message says why)."""


def backup_database(database_url: str, out: Path | str) -> Path:
    """Copy the database at ``database_url`` to the file ``out``; returns its path.

    The copy is written beside ``out`` and renamed at the end, so ``out`` is never a half copy.
    """
    out = Path(out)
    if out.exists() and out.is_dir():
        raise BackupError(_("%(path)s is a folder; give a file name.", path=str(out)))
    out.parent.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            _backup_sqlite(url.database or "", partial)
        elif url.get_backend_name() == "postgresql":
            _backup_postgresql(url, partial)
        else:
            raise BackupError(_("No backup method for %(backend)s databases.", backend=url.get_backend_name()))
        # A backup holds every participant's data: readable by its owner only.
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def _backup_sqlite(path: str, target: Path) -> None:
    if not path or path == ":memory:" or not Path(path).exists():
        raise BackupError(_("The SQLite database %(path)s does not exist.", path=path))
    source = sqlite3.connect(path, timeout=30)
    try:
        destination = sqlite3.connect(target)
        try:
            # One step (pages=-1): the whole snapshot under one read lock; WAL lets writers go on.
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()


def _backup_postgresql(url, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(_("pg_dump is not installed: install the PostgreSQL client tools "
                            "(Debian: apt-get install postgresql-client) and try again."))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line, where `ps` shows it
    args = [pg_dump, "--format=custom", "--no-owner", "--file", str(target)]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or ""]
    completed = subprocess.run(args, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(_("pg_dump failed: %(error)s", error=completed.stderr.strip()[-500:]))
