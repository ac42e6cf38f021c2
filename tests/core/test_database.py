"""database.Prepared: Core statements run on the driver's cursor, with SQLAlchemy's conversions."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import bindparam, select

from eventapp.core.database import Prepared, run_once
from eventapp.door.models import CheckIn, ScanLog
from eventapp.extensions import db
from tests import factories


def _cursor():
    return db.session.connection().connection.dbapi_connection.cursor()


def test_values_go_in_and_come_out_as_sqlalchemy_does(app):
    """Rows written through Prepared read the same through the ORM, and back: dates, aware
    datetimes (stored as UTC text on SQLite), None, and accented text."""
    event = factories.make_event()
    reg = factories.make_registration(event, factories.make_person("Aïssata", "Maïga"))
    at = datetime(2023, 6, 21, 9, 14, 5, 123456, tzinfo=UTC)
    insert = Prepared(ScanLog.__table__.insert().values(
        {k: bindparam(k, type_=ScanLog.__table__.c[k].type) for k in (
            "event_id", "registration_id", "checkin_id", "result", "reason", "payload", "scanned_at",
            "recorded_at", "station_id", "operator_id", "source", "client_id")}))
    cursor = _cursor()
    insert.execute(cursor, db.engine.dialect, dict(
        event_id=event.id, registration_id=reg.id, checkin_id=None, result="unknown_token", reason="garbage",
        payload="Traoré N'Diaye", scanned_at=at, recorded_at=at, station_id=None, operator_id=None,
        source="qr", client_id="c-1"))
    db.session.commit()
    log = db.session.scalar(select(ScanLog).where(ScanLog.client_id == "c-1"))
    assert log.scanned_at == at and log.payload == "Traoré N'Diaye" and log.checkin_id is None

    read = Prepared(select(ScanLog.scanned_at.label("scanned_at"), ScanLog.payload.label("payload"),
                           ScanLog.station_id.label("station_id")).where(ScanLog.client_id == bindparam("c")))
    row = read.first(_cursor(), db.engine.dialect, {"c": "c-1"})
    assert row.scanned_at == at and row.scanned_at.tzinfo is not None
    assert row.payload == "Traoré N'Diaye" and row.station_id is None
    assert read.first(_cursor(), db.engine.dialect, {"c": "nobody"}) is None
    assert read.scalar(_cursor(), db.engine.dialect, {"c": "c-1"}) == at


def test_dates_limits_and_in_lists(app):
    event = factories.make_event()
    reg = factories.make_registration(event)
    db.session.add(CheckIn(event_id=event.id, registration_id=reg.id, day=date(2023, 6, 21),
                           scanned_at=datetime(2023, 6, 21, 9, 0, tzinfo=UTC), client_id="k-1"))
    db.session.commit()
    first = Prepared(select(CheckIn.day.label("day")).where(CheckIn.registration_id == bindparam("r"))
                     .order_by(CheckIn.id).limit(1))
    assert first.all(_cursor(), db.engine.dialect, {"r": reg.id})[0].day == date(2023, 6, 21)
    rows = run_once(_cursor(), db.engine.dialect,
                    select(CheckIn.client_id).where(CheckIn.client_id.in_(["k-1", "k-2", "k-3"])))
    assert [r[0] for r in rows] == ["k-1"]


def test_a_missing_parameter_is_an_error_not_a_null(app):
    read = Prepared(select(CheckIn.id).where(CheckIn.client_id == bindparam("c")))
    with pytest.raises(KeyError, match="c"):
        read.first(_cursor(), db.engine.dialect, {})
    expanding = Prepared(select(CheckIn.id).where(CheckIn.client_id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="expanding"):
        expanding.all(_cursor(), db.engine.dialect, {"ids": ["a"]})
