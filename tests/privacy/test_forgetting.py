"""Forgetting means forgetting: after a purge or an erasure, no copy of a name is left.

Distinctive names are planted in every place a name can end up (the person, a registration's
notes, a voided check-in's reason and its audit entry, a paid payment sheet, the outbox mails of
invitations and certificates, a background badge print, a pending import upload, a raw scan,
a mail server's refusal, a merged duplicate). After the purge, the raw bytes of the SQLite
files (database, -wal, -shm) and of every file of the instance folder are searched for them in
the encodings they could be stored in, zip members (XLSX) and mail parts decoded: zero hits.
On PostgreSQL every text column of every table is searched instead.
"""
from __future__ import annotations

import base64
import contextlib
import io
import json
import quopri
import time
import unicodedata
import zipfile
from datetime import UTC, date, datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from flask import render_template
from sqlalchemy import String, Text, func, or_, select

from eventapp.audit.services import Actor
from eventapp.badges import services as badge_service
from eventapp.core import web
from eventapp.core.mail import MailSettings
from eventapp.door.checkin import void_checkin
from eventapp.door.models import CheckIn, ScanLog
from eventapp.extensions import db
from eventapp.people import imports
from eventapp.people import services as people
from eventapp.people.models import PersonMerge
from eventapp.people.services import save_person
from eventapp.privacy import services as privacy
from eventapp.registration import invitations
from eventapp.registration.models import Invitation, Registration
from eventapp.reports import certificates as certificate_service
from eventapp.reports import payments
from tests import factories
from tests.conftest import PG_URL, make_app

AT = datetime(2023, 6, 21, 9, 14, tzinfo=UTC)

#: The person to forget: in words an attacker would search for.
TARGET = dict(first_name="Zanaïbou", last_name="Traoré-Quixote", phone="+22370001122",
              email="zanaibou.quixote@example.org")
TARGET_WORDS = ["Zanaïbou", "Traoré-Quixote", "Quixote", "+22370001122", "70001122", "zanaibou.quixote"]
#: Someone else at the same event, forgotten by the purge too, kept by an erasure of the target.
OTHER = dict(first_name="Ouléymatou", last_name="Dëmbélé-Zéphyr", phone="+22365554433",
             email="oulematou.zephyr@example.org")
OTHER_WORDS = ["Ouléymatou", "Dëmbélé-Zéphyr", "Zéphyr", "+22365554433", "oulematou.zephyr"]


# --- the search ---------------------------------------------------------------------------


def _forms(word: str) -> set[str]:
    """A word as it may be written: as typed, decomposed, without accents, upper and lower case."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    forms = {word, unicodedata.normalize("NFD", word), plain}
    return forms | {f.upper() for f in forms} | {f.lower() for f in forms}


def _encodings(word: str) -> set[bytes]:
    """The bytes a word may be stored as: UTF-8, UTF-16 both ways, cp1252, JSON and HTML escapes."""
    out: set[bytes] = set()
    for form in _forms(word):
        out.add(form.encode("utf-8"))
        out.add(form.encode("utf-16-le"))
        out.add(form.encode("utf-16-be"))
        with contextlib.suppress(UnicodeEncodeError):
            out.add(form.encode("cp1252"))
        out.add(json.dumps(form)[1:-1].encode("ascii"))  # "Zana\u00efbou"
        out.add(form.encode("ascii", "xmlcharrefreplace"))  # Zana&#239;bou
        out.add(quopri.encodestring(form.encode("utf-8")).rstrip(b"=\n"))
    return {b for b in out if len(b) >= 4}


def _decoded_parts(data: bytes) -> list[bytes]:
    """What a file holds once unpacked: zip members (XLSX), mail parts, PDF text."""
    parts = [data]
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                parts += _decoded_parts(archive.read(name))
    elif data[:5] == b"%PDF-":
        from tests.pdfutil import pdf_text

        parts.append(pdf_text(data).encode("utf-8"))
    elif b"MIME-Version:" in data[:4000] or b"Content-Type:" in data[:4000]:
        message = message_from_bytes(data, policy=email_policy.default)
        parts += [str(v).encode("utf-8") for v in message.values()]
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if payload:
                parts += _decoded_parts(payload)
    else:
        try:  # a base64 body saved on its own
            decoded = base64.b64decode(data, validate=True)
        except ValueError:
            decoded = b""
        if decoded:
            parts.append(decoded)
    return parts


def hits_in_files(folder: Path, words: list[str]) -> list[str]:
    """``file: word`` for every word found in any file under ``folder``."""
    patterns = {w: _encodings(w) for w in words}
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        parts = _decoded_parts(path.read_bytes())
        for word, encodings in patterns.items():
            if any(e in part for part in parts for e in encodings):
                found.append(f"{path.relative_to(folder)}: {word}")
    return found


def hits_in_tables(words: list[str]) -> list[str]:
    """``table.column: word`` for every word found in any text column of any table."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, (String, Text)):
                continue
            for word in words:
                forms = _forms(word)
                condition = or_(*(func.lower(column).contains(f.lower(), autoescape=True) for f in forms),
                                *(column.contains(f, autoescape=True) for f in forms))
                if db.session.scalar(select(func.count()).select_from(table).where(condition)):
                    found.append(f"{table.name}.{column.name}: {word}")
    return found


def raw_database_files() -> list[Path]:
    """The SQLite database and its -wal and -shm files (empty on PostgreSQL)."""
    if db.engine.dialect.name != "sqlite":
        return []
    path = Path(db.engine.url.database)
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


# --- the event, with names planted everywhere --------------------------------------------


@pytest.fixture
def instance_app(request, tmp_path):
    """On SQLite, an app whose database file lives in its own instance folder (so that the raw
    bytes searched are those of this test alone); on PostgreSQL, the usual test app."""
    if PG_URL:
        app = request.getfixturevalue("app")
        yield app
        return
    instance = tmp_path / "instance"
    instance.mkdir()
    app = make_app(f"sqlite:///{instance / 'eventapp.db'}", instance)
    from eventapp.config import DEFAULT_CATEGORIES
    from eventapp.people.categories import ensure_categories

    with app.app_context():
        db.create_all()
        ensure_categories(DEFAULT_CATEGORIES)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def _plant(app) -> dict:
    """An event whose participants' names are copied into every place they can go."""
    instance = Path(app.instance_path)
    files = privacy.StoredFiles.of_instance(instance)
    event = factories.make_event(slug="dialogue-mopti", title="Dialogue civilo-militaire", city="Mopti",
                                 retention_until=date(2023, 12, 31))
    official = factories.make_official(event, last_name="SOGOBA", first_name="Adama", function="Secrétaire général")
    kept_event = factories.make_event(slug="autre-atelier", start_date=date(2024, 3, 5), end_date=date(2024, 3, 5))
    target = factories.make_person(**TARGET, sex="F", age_band="25-35", category="civil_society", honorific="Mme",
                                   organisation="Coopérative Quixotienne", function="Présidente Quixote",
                                   locality="Mopti", notes="Zanaïbou Traoré-Quixote vient avec sa fille")
    other = factories.make_person(**OTHER, sex="M", age_band="36-50", category="fds", locality="Sévaré",
                                  organisation="Garde Zéphyr")
    witness = factories.make_person("Moussa", "Maïga", sex="M", category="fds", locality="Mopti")
    duplicate = factories.make_person("Zanaibou", "Traore-Quixote", phone="+22370001122", merged_into_id=target.id)
    db.session.add(PersonMerge(kept_id=target.id, merged_id=duplicate.id,
                               snapshot=json.dumps({"first_name": "Zanaibou", "last_name": "Traore-Quixote"})))
    rt = factories.make_registration(event, target)
    ro = factories.make_registration(event, other)
    rw = factories.make_registration(event, witness)
    factories.make_registration(kept_event, witness)
    rt.notes = "Chambre réservée au nom de Zanaïbou Traoré-Quixote"
    db.session.add(Invitation(registration=ro, channel="email", status="failed",
                              error="550 <oulematou.zephyr@example.org>: mailbox Dëmbélé-Zéphyr unknown"))
    db.session.add(ScanLog(event_id=event.id, result="unknown_token", payload="Zanaibou Traore-Quixote"))
    for n, registration in enumerate((rt, ro, rw)):
        db.session.add(CheckIn(event_id=event.id, registration_id=registration.id, day=event.start_date,
                               scanned_at=AT, recorded_at=AT, source="search", client_id=f"forget-{n}"))
    db.session.commit()
    # A person edited through the directory (audit entry), a check-in voided with a reason that
    # names people (kept on the row and copied in the audit log), then scanned again.
    save_person({"organisation": "Coopérative Quixotienne de Mopti"}, target, settings=web.settings(),
                actor=Actor(label="test"), partial=True)
    mistaken = db.session.scalar(select(CheckIn).where(CheckIn.registration_id == ro.id))
    void_checkin(mistaken, actor=Actor(label="Porte A"),
                 reason="Badge de Ouléymatou Dëmbélé-Zéphyr scanné à la place de Zanaïbou Traoré-Quixote")
    db.session.add(CheckIn(event_id=event.id, registration_id=ro.id, day=event.start_date, scanned_at=AT,
                           recorded_at=AT, source="qr", client_id="forget-again"))
    db.session.commit()
    # The sheet paid: the names are frozen on its lines.
    payments.update_sheet(event, default_rate="5000", actor=Actor(label="test"))
    payments.mark_paid(event, actor=Actor(label="comptable@example.org"))
    # Mails kept in the outbox: invitations and certificates (with a PDF attached).
    settings = MailSettings.from_config(app.config, app.instance_path)
    invitations.send_emails(event, [rt, ro], links=web.links("http://192.168.1.10:5000/"), render=render_template,
                            settings=settings)
    certificate_service.email_certificates(event, official_id=official.id, links=web.links("http://192.168.1.10:5000/"),
                                           settings=settings, upload_dir=web.settings().upload_dir)
    # A badge print made in the background, and an import upload waiting for its second step.
    job = badge_service.start_print_job(app, event, badge_service.PrintRequest(), actor=None, upload_dir=None,
                                        prints_dir=files.prints)
    deadline = time.monotonic() + 60
    while badge_service.job_status(files.prints, job, event)["state"] == "running":
        assert time.monotonic() < deadline, "the badge print did not finish"
        time.sleep(0.1)
    assert badge_service.job_status(files.prints, job, event)["state"] == "done"
    csv = "prénom;nom;téléphone\nZanaïbou;Traoré-Quixote;+22370001122\nOuléymatou;Dëmbélé-Zéphyr;+22365554433\n"
    imports.store_upload(csv.encode("cp1252"), "liste Quixote.csv", files.imports)
    return dict(event=event, kept_event=kept_event, target=target, other=other, witness=witness, files=files,
                instance=instance)


def _exports_after(client, event) -> list[bytes]:
    """What an organiser downloads after the purge: the payments sheet, the check-in log."""
    sheet, _name = payments.export_payments(event, "xlsx", actor=Actor(label="test"),
                                            upload_dir=web.settings().upload_dir)
    downloads = [sheet, payments.export_payments(event, "pdf", actor=Actor(label="test"),
                                                 upload_dir=web.settings().upload_dir)[0]]
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/events/{event.slug}/checkins?format={fmt}")
        assert response.status_code == 200
        downloads.append(response.data)
    return downloads


def _sign_in(app):
    client = app.test_client()
    user = factories.make_user(role="admin")
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
    return client


def _words_in(downloads: list[bytes], words: list[str]) -> list[str]:
    encodings = {w: _encodings(w) for w in words}
    return [w for data in downloads for w, enc in encodings.items()
            if any(e in part for part in _decoded_parts(data) for e in enc)]


def test_purge_leaves_no_copy_of_a_name(instance_app):
    planted = _plant(instance_app)
    words = TARGET_WORDS + OTHER_WORDS
    instance = planted["instance"]
    # The search finds what was planted, in the tables and in the files, before the purge.
    before_tables = hits_in_tables(words)
    for place in ("persons.first_name", "payment_lines.name", "checkins.void_reason", "audit_entries.details",
                  "registrations.notes", "invitations.error", "scan_logs.payload", "person_merges.snapshot"):
        assert any(h.startswith(place) for h in before_tables), place
    before_files = hits_in_files(instance, words)
    for folder in ("outbox", "prints", "imports"):
        assert any(h.startswith(folder + "/") for h in before_files), folder

    client = _sign_in(instance_app)
    privacy.purge_event(planted["event"], Actor(label="test"), today=date(2024, 1, 1), files=planted["files"])

    assert hits_in_tables(words) == []
    assert _words_in(_exports_after(client, planted["event"]), words) == []
    db.session.commit()  # no read transaction left open
    assert hits_in_files(instance, words) == []
    for path in raw_database_files():
        assert path.parent == instance  # searched above with the rest of the folder
    # Nothing of the other event and nothing that is not personal went with it.
    witness_id, kept_event_id = planted["witness"].id, planted["kept_event"].id
    assert people.get_person(witness_id).first_name == "Moussa"
    assert db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == kept_event_id)) == 1
    assert (instance / "outbox").is_dir() and not list((instance / "outbox").glob("*.eml"))


def test_purge_by_the_retention_check_forgets_files_too(instance_app):
    from eventapp.privacy.retention import run_retention_check

    planted = _plant(instance_app)
    assert run_retention_check(instance_app, today=date(2024, 1, 1))
    assert hits_in_tables(TARGET_WORDS + OTHER_WORDS) == []
    assert hits_in_files(planted["instance"], TARGET_WORDS + OTHER_WORDS) == []


def test_erasing_a_person_leaves_no_copy_of_their_name(instance_app):
    planted = _plant(instance_app)
    client = _sign_in(instance_app)
    privacy.erase_person(planted["target"], Actor(label="test"), files=planted["files"])

    assert hits_in_tables(TARGET_WORDS) == []
    assert _words_in(_exports_after(client, planted["event"]), TARGET_WORDS) == []
    db.session.commit()  # no read transaction left open
    assert hits_in_files(planted["instance"], TARGET_WORDS) == []
    # Only the erased person is forgotten: the other participant keeps their name.
    other = people.get_person(planted["other"].id)
    assert other.first_name == "Ouléymatou" and other.phone == OTHER["phone"]
    reason = db.session.scalar(select(CheckIn.void_reason).where(CheckIn.void_reason != ""))
    assert reason.startswith("Badge de Ouléymatou") and privacy.pseudonym(planted["target"].id) in reason
    assert any("Ouléymatou" in n for n in db.session.scalars(select(payments.PaymentLine.name)))


def test_erasing_through_the_cli_forgets_the_outbox(instance_app):
    planted = _plant(instance_app)
    runner = instance_app.test_cli_runner()
    result = runner.invoke(args=["person", "erase", str(planted["target"].id), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.commit()  # no read transaction left open
    assert hits_in_files(planted["instance"], TARGET_WORDS) == []


def test_a_deleted_row_leaves_no_bytes_in_the_sqlite_file(instance_app):
    """secure_delete on every connection: the space a deleted row frees is zeroed.

    Some SQLite builds (Debian's) zero it by default; others (python.org's) do not, hence the pragma.
    """
    if PG_URL:
        pytest.skip("SQLite's files only")
    assert db.session.connection().exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    person = factories.make_person("Zanaïbou", "Traoré-Quixote", notes="Quixote " * 40)
    factories.make_person("Moussa", "Maïga")  # the page holds another row, so it is not freed whole
    db.session.delete(person)
    db.session.commit()
    assert privacy.compact_storage()
    assert hits_in_files(Path(instance_app.instance_path), ["Quixote"]) == []
