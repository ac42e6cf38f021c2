"""One source per concept for events: venue line, logos, today, time zone, badge layout, QR, translation."""
from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

import eventapp
from eventapp.badges.documents.badges import DEFAULT_LAYOUT
from eventapp.core.documents import qr
from eventapp.core.documents.words import translator
from eventapp.core.labels import LABELS, label_in
from eventapp.door import checkin
from eventapp.events import services as events
from eventapp.people.services import PERSON_FIELD_TABLE
from eventapp.registration import invitations
from tests import factories

PACKAGE = Path(eventapp.__file__).resolve().parent


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_one_venue_line_with_or_without_the_address(app):
    event = factories.make_event(venue_name="Maison de la Femme", venue_address="Rue 311, ACI 2000", city="Bamako")
    assert events.venue_text(event) == "Maison de la Femme, Bamako"
    assert events.venue_text(event, with_address=True) == "Maison de la Femme, Rue 311, ACI 2000, Bamako"
    assert not hasattr(invitations, "event_today")


@pytest.mark.parametrize("name", ["../secret.png", "sub/logo.png", ".hidden.png", "..\\x.png", ""])
def test_one_logo_path_check_refuses_anything_but_a_file_of_the_folder(app, tmp_path, name):
    uploads = tmp_path / "uploads"
    (uploads / "sub").mkdir(parents=True)
    for file in ("sub/logo.png", ".hidden.png", "ok.png"):
        (uploads / file).write_bytes(b"PNG")
    (tmp_path / "secret.png").write_bytes(b"SECRET")
    event = factories.make_event(organizer_logo=name, partner_logo="ok.png")
    assert events.logo_bytes(event, "organizer_logo", uploads) is None
    assert events.logo_bytes(event, "partner_logo", uploads) == b"PNG"
    assert events.logo_bytes(event, "partner_logo", None) is None


def test_only_one_logo_reader_reads_files():
    # Function by function: a function that speaks of logos and reads a file is a logo reader.
    readers = []
    for path, text in _sources():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "logo_bytes":
                body = ast.get_source_segment(text, node) or ""
                if "logo" in body.lower() and ".read_bytes()" in body:
                    readers.append(f"{path.relative_to(PACKAGE)}:{node.name}")
    assert readers == []


def test_today_at_the_event_is_the_event_zone_date(app):
    event = factories.make_event(timezone="America/Los_Angeles")
    late = datetime(2023, 6, 21, 3, 0, tzinfo=UTC)  # 20:00 on the 20th in Los Angeles
    assert event.local_today(late).isoformat() == "2023-06-20"
    assert checkin.event_local_today(event, late) == event.local_today(late)
    # An answer link of an event that ended "yesterday" there, though it is its day in UTC.
    event.end_date = late.date().replace(day=20)
    assert invitations.answers_closed_reason(event, late) is None


def test_the_default_time_zone_is_written_once(app):
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == app.config["DEFAULT_TIMEZONE"]
    # Only the configuration (and the demo, whose workshop is in Bamako, and the schema) name a zone.
    allowed = {"config.py", "demo.py", "events/models.py", "door/checkin.py"}
    named = {str(p.relative_to(PACKAGE)) for p, text in _sources() if '"Africa/Bamako"' in text}
    assert named <= allowed, named - allowed


def test_new_event_form_starts_with_the_configured_zone(app):
    from eventapp.events.forms import EventForm

    app.config["DEFAULT_TIMEZONE"] = "Africa/Abidjan"
    with app.test_request_context():
        assert EventForm().timezone.data == "Africa/Abidjan"


def test_badge_layout_literal_only_in_the_layouts():
    named = {str(p.relative_to(PACKAGE)) for p, text in _sources() if f'"{DEFAULT_LAYOUT}"' in text}
    assert named <= {"badges/documents/badges.py", "events/models.py"}, named


def test_one_qr_encoder():
    """Only core/documents/qr.py encodes QR codes; others call it (PNG, SVG, PDF drawing)."""
    encoders = set()
    for path, text in _sources():
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if any(n and (n.startswith("qrcode") or n.startswith("zxingcpp") or n == "segno") for n in names):
                    encoders.add(str(path.relative_to(PACKAGE)))
    assert encoders == {"core/documents/qr.py"}
    assert qr.qr_png("EA1ABC").startswith(b"\x89PNG") and qr.qr_svg_data_uri("EA1ABC").startswith("data:image/svg")


def test_one_translation_by_language_for_labels_and_fields(app):
    """Documents' translator and the interface give the same words: one catalogue, one lookup."""
    fr = translator("fr")
    assert label_in("fr", "sex", "F") == fr("Female") == "Femme"
    assert label_in("en", "sex", "F") == "Female"
    for kind, table in LABELS.items():
        for code in table:
            assert label_in("fr", kind, code) == fr(str(label_in("en", kind, code))), (kind, code)
    same = {field.label for field in PERSON_FIELD_TABLE if fr(field.label) == field.label}
    assert same <= {"Notes", "Email"}, same  # words French writes alike; the others are translated
