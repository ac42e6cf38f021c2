"""Migrations: from an empty database to head, on SQLite and PostgreSQL, matching the models."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from eventapp.extensions import db
from eventapp.people.models import Category
from tests.conftest import PG_URL, make_app


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database: a SQLite file, or a PostgreSQL database made for the test."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    from eventapp.config import normalise_database_url

    base = normalise_database_url(PG_URL)
    name = f"eventapp_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_to_head_matches_models(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path / "instance")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"events", "registrations", "checkins", "persons", "users"} <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert db.session.scalar(db.select(db.func.count()).select_from(Category)) == 8
        db.engine.dispose()
    # Safe to run again.
    assert runner.invoke(args=["init"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()
