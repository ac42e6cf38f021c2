"""Fixtures: an app per test on a shared schema (SQLite file, or PostgreSQL when
``EVENTAPP_TEST_DATABASE_URL`` is set), emptied after each test.

Tests commit for real (the door's concurrency tests need it), so isolation is by emptying the
tables, not by rolling back.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from eventapp import create_app
from eventapp.config import DEFAULT_CATEGORIES
from eventapp.extensions import db
from eventapp.people.categories import ensure_categories
from tests import factories

PG_URL = os.environ.get("EVENTAPP_TEST_DATABASE_URL")


def pytest_report_header(config):
    return f"eventapp database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The URL of the test database (one per run)."""
    if PG_URL:
        from eventapp.config import normalise_database_url

        return normalise_database_url(PG_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class FreshGClient(FlaskClient):
    """A test client that gives every request a fresh ``g``.

    The ``app`` fixture keeps an app context pushed for the test body, and Flask reuses it for
    the client's requests, so ``g`` (Flask-WTF's CSRF token, Flask-Login's user) would leak
    from one request into the next, which no real server does.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


def make_app(database_url: str, instance: Path, **overrides):
    """An app on the test database with an instance folder of its own."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "MAIL_SERVER": None,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = FreshGClient
    return application


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Create the schema once per run from the models (migrations have their own test)."""
    app = make_app(database_url, tmp_path_factory.mktemp("schema-instance"))
    with app.app_context():
        db.drop_all()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        db.create_all()
        ensure_categories(DEFAULT_CATEGORIES)
        db.session.commit()
        db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "categories"]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_schema, tmp_path):
    """A fresh app for one test; its tables are emptied afterwards."""
    application = make_app(_schema, tmp_path / "instance")
    with application.app_context():
        yield application
        db.session.remove()
        _empty_tables()
        # Categories are kept, but a test may have changed them: put the defaults back.
        from eventapp.people.models import Category

        db.session.execute(Category.__table__.delete().where(
            Category.code.not_in([c[0] for c in DEFAULT_CATEGORIES])))
        db.session.commit()
        for order, (code, label_fr, label_en, colour) in enumerate(DEFAULT_CATEGORIES):
            db.session.execute(Category.__table__.update().where(Category.code == code).values(
                label_fr=label_fr, label_en=label_en, colour=colour, active=True, merged_into_id=None,
                sort_order=order))
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The test app served by cheroot (eventapp's production server) in a thread; its base URL."""
    from tests.netutil import served

    with served(app) as base:
        yield base


@pytest.fixture
def runner(app):
    """A CLI runner of the app."""
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """``login(role)`` creates a user of that role and signs the client in; returns the user."""

    def _login(role: str = "organizer", email: str | None = None, events=()):
        user = factories.make_user(role=role, email=email)
        if events:
            user.events = list(events)
            db.session.commit()
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


def pytest_configure(config):
    """Compile the French catalogue, so a bare ``pytest`` sees the current translations."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parent.parent / "eventapp/translations/fr/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    with po.with_suffix(".mo").open("wb") as fh:
        write_mo(fh, catalog)
