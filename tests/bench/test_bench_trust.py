"""Trust benchmarks (print figures; never pass or fail by the clock): purge, backup, sign-in brake,
audit search, on the database of the run (SQLite, or PostgreSQL with EVENTAPP_TEST_DATABASE_URL)."""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from eventapp.accounts import signin
from eventapp.audit import log as audit_log
from eventapp.audit.models import AuditEntry
from eventapp.core.tokens import new_answer_token, new_checkin_token
from eventapp.door.models import CheckIn
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.privacy import services as privacy
from eventapp.privacy.backup import backup_database
from eventapp.registration.models import Registration
from tests import factories

PARTICIPANTS = 5000


def _populate(event, n):
    categories = [factories.category(c) for c in ("fds", "civil_society", "civilian", "authority")]
    at = datetime(2023, 6, 21, 9, tzinfo=UTC)
    persons = [dict(first_name=f"Aïssata {i}", last_name="Traoré", sex="FM"[i % 2], age_band="25-35",
                    category_id=categories[i % 4].id, locality="Mopti", phone=f"+2237600{i:04d}", name_key=f"k{i}",
                    organisation="", function="", notes="", honorific="", created_at=at, updated_at=at)
               for i in range(n)]
    db.session.execute(insert(Person), persons)
    ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))[-n:]
    db.session.execute(insert(Registration), [dict(
        event_id=event.id, person_id=pid, status="registered", source="import", checkin_token=new_checkin_token(),
        answer_token=new_answer_token(), badge_print_count=0, notes="", created_at=at, updated_at=at) for pid in ids])
    regs = list(db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)))
    db.session.execute(insert(CheckIn), [dict(
        event_id=event.id, registration_id=rid, day=event.start_date, scanned_at=at, recorded_at=at, source="qr",
        void_reason="") for rid in regs[: int(n * 0.8)]])
    db.session.commit()


def test_bench_purge_backup_signin_audit(app, tmp_path):
    dialect = db.engine.dialect.name
    event = factories.make_event(retention_until=date(2023, 12, 31))
    _populate(event, PARTICIPANTS)

    t = time.perf_counter()
    out = backup_database(db.engine.url.render_as_string(hide_password=False), tmp_path / "copy")
    backup_s = time.perf_counter() - t
    size_mb = out.stat().st_size / 1e6

    t = time.perf_counter()
    result = privacy.purge_event(event, today=date(2024, 1, 1))
    purge_s = time.perf_counter() - t
    assert result.persons_erased == PARTICIPANTS
    assert db.session.scalar(select(func.count(CheckIn.id))) == int(PARTICIPANTS * 0.8)

    # Sign-in brake: the cost of an attempt with a crowded failure table.
    now = datetime.now(UTC)
    db.session.execute(insert(AuditEntry), [dict(at=now - timedelta(seconds=i), actor="x", ip=f"10.0.{i % 250}.1",
                                                 action="login.failed", object_type="", object_id="", details="")
                                            for i in range(20000)])
    db.session.commit()
    factories.make_user(email="awa@example.org")
    t = time.perf_counter()
    rounds = 50
    for i in range(rounds):
        signin.sign_in(f"guess{i}@example.org", "wrong", f"192.0.2.{i}", max_failures=5,
                       window=timedelta(minutes=15))
    signin_ms = (time.perf_counter() - t) / rounds * 1000

    t = time.perf_counter()
    page = audit_log.search(audit_log.AuditFilter(action="login", text="10.0.7"), page=3)
    audit_ms = (time.perf_counter() - t) * 1000

    print(f"\n[trust bench · {dialect}] {PARTICIPANTS} participants, {int(PARTICIPANTS * 0.8)} check-ins")
    print(f"  backup: {backup_s:.2f} s ({size_mb:.1f} MB)")
    print(f"  purge:  {purge_s:.2f} s ({PARTICIPANTS / purge_s:.0f} participants/s)")
    print(f"  failed sign-in (hash + count + audit): {signin_ms:.1f} ms each (mostly the deliberate password hash)")
    print(f"  audit search over {20000 + PARTICIPANTS} entries (filtered, page 3): {audit_ms:.1f} ms, "
          f"{page.total} matches")
