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


def test_organizer_columns_renamed_with_their_values(empty_database_url, tmp_path):
    """0010_names renames events.organiser(_logo) to organizer(_logo): the values stay."""
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0009_sessions")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO events (slug, title, organiser, partner, venue_name, venue_address, city, start_date,"
                " end_date, timezone, language, organiser_logo, status, description, badge_layout,"
                " discreet_badges, sheet_show_phone, registration_open, created_at, updated_at)"
                " VALUES ('mopti', 'Atelier de Mopti', 'Association Maïga & N''Diaye', '', '', '', 'Mopti',"
                " '2023-06-21', '2023-06-21', 'Africa/Bamako', 'fr', 'mopti-logo.png', 'draft', '', 'a6',"
                " FALSE, FALSE, FALSE, '2023-06-01 10:00:00+00', '2023-06-01 10:00:00+00')"))
        upgrade(directory=directory, revision="0010_names")
        columns = {c["name"] for c in inspect(db.engine).get_columns("events")}
        assert {"organizer", "organizer_logo"} <= columns and not {"organiser", "organiser_logo"} & columns
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT organizer, organizer_logo FROM events WHERE slug = 'mopti'")).one()
        assert tuple(row) == ("Association Maïga & N'Diaye", "mopti-logo.png")
        downgrade(directory=directory, revision="0009_sessions")
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT organiser, organiser_logo FROM events WHERE slug = 'mopti'")).one()
        assert tuple(row) == ("Association Maïga & N'Diaye", "mopti-logo.png")
        db.engine.dispose()


def test_migrating_an_sqlite_database_with_data_keeps_every_row(empty_database_url, tmp_path):
    """Batch migrations rebuild tables on SQLite; with the app's foreign keys on, dropping the old
    events table would cascade to officials, agenda items, registrations and check-ins."""
    from datetime import UTC, datetime, time

    from flask_migrate import downgrade, upgrade

    from eventapp.door import checkin as checkin_service
    from eventapp.events.models import AgendaItem, Official
    from tests import factories

    tables = ["events", "persons", "registrations", "checkins", "officials", "agenda_items", "agenda_item_officials"]
    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="heads")
        event = factories.make_event(title="Atelier de Mopti")
        registration = factories.make_registration(event, factories.make_person("Aminata", "N'Diaye"))
        official = Official(event_id=event.id, honorific="Mme", first_name="Fatoumata", last_name="Maïga", role="chair")
        item = AgendaItem(event_id=event.id, day=event.start_date, start_time=time(9), end_time=time(10),
                          title="Ouverture")
        db.session.add_all([official, item])
        db.session.flush()
        db.session.execute(text("INSERT INTO agenda_item_officials (agenda_item_id, official_id, role) "
                                "VALUES (:i, :o, 'chair')"), {"i": item.id, "o": official.id})
        db.session.commit()
        scanned = datetime.combine(event.start_date, datetime.min.time(), tzinfo=UTC).replace(hour=9)
        checkin_service.check_in(event, registration.checkin_token, scanned_at=scanned)

        def counts():
            with db.engine.connect() as conn:
                return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}

        before = counts()
        assert all(before.values()), before
        db.session.remove()
        downgrade(directory=directory, revision="0007_trust")
        upgrade(directory=directory, revision="heads")
        assert counts() == before
        if db.engine.dialect.name == "sqlite":  # and the pooled connections still enforce foreign keys
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_consents_not_given_are_told_apart_from_withdrawn_ones(empty_database_url, tmp_path):
    """0011f_public_form: a consent not given is "withdrawn" only when one of its kind was given
    before (an unticked box on the public form, until then counted as withdrawn, is not given)."""
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0010_names")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO persons (id, honorific, first_name, last_name, sex, organisation, function, locality,"
                " name_key, notes, origin, created_at, updated_at) VALUES"
                " (1, '', 'Awa', 'Traoré', 'F', '', '', '', 'awa traore', '', 'public_form',"
                "  '2023-06-01 10:00:00+00', '2023-06-01 10:00:00+00'),"
                " (2, '', 'Aïssata', 'N''Diaye', 'F', '', '', '', 'aissata ndiaye', '', 'organizer',"
                "  '2023-06-01 10:00:00+00', '2023-06-01 10:00:00+00')"))
            conn.execute(text(
                "INSERT INTO consents (id, person_id, kind, given, recorded_at, source) VALUES"
                " (1, 1, 'photos', FALSE, '2023-06-01 10:00:00+00', 'public_form'),"  # unticked: not given
                " (2, 2, 'photos', TRUE, '2023-06-01 10:00:00+00', 'organizer'),"
                " (3, 2, 'photos', FALSE, '2023-06-02 10:00:00+00', 'organizer'),"  # taken back: withdrawn
                " (4, 2, 'recordings', FALSE, '2023-06-02 10:00:00+00', 'organizer'),"  # another kind: not given
                " (5, 1, 'photos', TRUE, '2023-06-03 10:00:00+00', 'organizer')"))  # given later
        upgrade(directory=directory, revision="0011f_public_form")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, given, withdrawn FROM consents ORDER BY id")).all()
            assert conn.execute(text("SELECT public_form_fields FROM events")).all() == []
        assert [(i, bool(g), bool(w)) for i, g, w in rows] == [
            (1, False, False), (2, True, False), (3, False, True), (4, False, False), (5, True, False)]
        downgrade(directory=directory, revision="0010_names")
        assert "withdrawn" not in {c["name"] for c in inspect(db.engine).get_columns("consents")}
        assert "public_form_fields" not in {c["name"] for c in inspect(db.engine).get_columns("events")}
        db.engine.dispose()


def test_answer_codes_given_to_existing_registrations_and_nothing_else_lost(empty_database_url, tmp_path):
    """0011d_letters adds registrations.answer_code and fills it for the rows already there, with
    plain ALTERs: a table copy on SQLite would delete the check-ins that reference the rows."""
    import re

    from flask_migrate import downgrade, upgrade

    from eventapp.core.tokens import ANSWER_CODE_ALPHABET

    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0010_names")
        now = "'2023-06-01 10:00:00+00'"
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO events (slug, title, organizer, partner, venue_name, venue_address, city, start_date,"
                " end_date, timezone, language, status, description, badge_layout, discreet_badges,"
                " sheet_show_phone, registration_open, created_at, updated_at) VALUES ('mopti', 'Atelier', 'IMRAP',"
                " '', '', '', 'Mopti', '2023-06-21', '2023-06-21', 'Africa/Bamako', 'fr', 'open', '', 'a6', FALSE,"
                f" FALSE, FALSE, {now}, {now})"))
            for n, name in enumerate(("Traoré", "Maïga", "N'Diaye"), start=1):
                conn.execute(text(
                    "INSERT INTO persons (honorific, first_name, last_name, sex, organisation, function, locality,"
                    " name_key, notes, origin, created_at, updated_at) VALUES ('', 'Awa', :name, 'F', '', '', '',"
                    f" '', '', 'organizer', {now}, {now})"), {"name": name})
                conn.execute(text(
                    "INSERT INTO registrations (event_id, person_id, status, source, checkin_token, answer_token,"
                    " badge_print_count, notes, created_at, updated_at) VALUES (1, :n, 'registered', 'import',"
                    f" :checkin, :answer, 0, '', {now}, {now})"),
                    {"n": n, "checkin": f"CHECKIN{n:019d}", "answer": f"answer-{n}"})
                conn.execute(text(
                    "INSERT INTO checkins (event_id, registration_id, day, scanned_at, recorded_at, source,"
                    f" void_reason) VALUES (1, :n, '2023-06-21', {now}, {now}, 'qr', '')"), {"n": n})
        upgrade(directory=directory, revision="0011d_letters")
        with db.engine.connect() as conn:
            codes = [row[0] for row in conn.execute(text("SELECT answer_code FROM registrations ORDER BY id"))]
            assert conn.execute(text("SELECT count(*) FROM checkins")).scalar() == 3
            assert conn.execute(text("SELECT letter_reference_prefix, venue_phrase FROM events")).one() == ("", "")
        assert len(set(codes)) == 3
        assert all(re.fullmatch(f"[{ANSWER_CODE_ALPHABET}]{{12}}", code) for code in codes)
        indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("registrations")}
        assert indexes["ix_registrations_answer_code"]["unique"]
        downgrade(directory=directory, revision="0010_names")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM checkins")).scalar() == 3
            assert conn.execute(text("SELECT count(*) FROM registrations")).scalar() == 3
        assert "answer_code" not in {c["name"] for c in inspect(db.engine).get_columns("registrations")}
        db.engine.dispose()
