"""The mobile-money bulk file: Malian mobile numbers in the national format, amounts, accented
names intact, formulas neutralised, and no row left out silently."""
from __future__ import annotations

import csv
import io
import json
from html import unescape

import pytest

from eventapp.audit.models import AuditEntry
from eventapp.audit.services import Actor
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from eventapp.people.models import Person
from eventapp.reports.mobile_money import bulk_payments, export_mobile_money, national_number, reference
from eventapp.reports.payments import mark_paid, update_sheet
from tests import reports_fixtures as kf
from tests.factories import make_event, make_person, make_registration


@pytest.mark.parametrize("phone, national", [
    ("+22376123456", "76123456"),
    ("76 12 34 56", "76123456"),
    ("0022366123456", "66123456"),
    ("+223 90.12.34.56", "90123456"),
])
def test_malian_mobile_numbers_in_the_national_format(phone, national):
    assert national_number(phone) == (national, "")


@pytest.mark.parametrize("phone, why", [
    (None, "pas de numéro de téléphone"),
    ("", "pas de numéro de téléphone"),
    ("123", "123 n'est pas un numéro de téléphone valide"),
    ("+22376", "+22376 n'est pas un numéro de téléphone valide"),
    ("+22670123456", "+22670123456 n'est pas un numéro malien"),
    ("+22320223344", "+22320223344 est un numéro fixe, pas un mobile"),
])
def test_numbers_that_cannot_be_paid_say_why(phone, why):
    assert national_number(phone) == ("", why)
    assert national_number(phone, "en")[1]  # and in English


def pay(event, people_amounts):
    """Register and check in each (person, per diem) on the event's day, set the rates, mark paid."""
    overrides = {}
    for person, amount in people_amounts:
        reg = make_registration(event, person)
        kf.check_in(reg, event.start_date, kf.at(event.start_date, 9, 0))
        overrides[str(reg.id)] = str(amount)
    db.session.commit()
    update_sheet(event, default_rate="0", overrides=overrides, actor=Actor.cli())


@pytest.fixture
def paid(app):
    """Traoré, Maïga, N'Diaye with mobile numbers, a name typed as a formula, and someone paid 0."""
    event = make_event(slug="bamako-2023", title="Atelier de Bamako")
    pay(event, [
        (make_person("Awa", "Traoré", phone="+22376123456"), 15000),
        (make_person("Fatoumata", "Maïga", phone="+22366654321"), 1_020_000),
        (make_person("Moussa", "N'Diaye", phone="+22390111222"), 7500),
        (make_person("=HYPERLINK(\"http://x\")", "-Diarra", phone="+22383000111"), 2500),
        (make_person("Oumar", "Sidibé"), 0),  # nothing to pay: not in the file, not an error
    ])
    mark_paid(event, actor=Actor.cli())
    return event


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # UTF-8 with a BOM: Excel shows the accents
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_has_one_row_per_person_paid_with_accents_intact(paid):
    data, name = export_mobile_money(paid, actor=Actor.cli())
    assert name == "bamako-2023-mobile-money.csv"
    rows = read_csv(data)
    assert rows[0] == ["phone", "amount", "name", "reference"]
    body = {r[2]: r for r in rows[1:]}
    assert set(body) == {"Traoré Awa", "Maïga Fatoumata", "N'Diaye Moussa", "'-Diarra =HYPERLINK(\"http://x\")"}
    assert body["Traoré Awa"][:2] == ["76123456", "15000"]
    assert body["Maïga Fatoumata"][:2] == ["66654321", "1020000"]  # a bare integer, for the portal
    assert body["N'Diaye Moussa"][:2] == ["90111222", "7500"]
    references = [r[3] for r in rows[1:]]
    assert len(set(references)) == 4 and all(r.startswith("BAMAKO2023-") for r in references)
    assert b"\r\n" in data  # CRLF, as Windows tools expect
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "payments.mobile_money"))
    assert entry is not None and entry.actor == "cli"


def test_reference_is_short_and_plain(app):
    event = make_event(slug="atelier-de-restitution-des-resultats-2023")
    assert reference(event, 7) == "ATELIERDERESTIT-007"
    assert len(reference(event, 12345)) <= 20


def test_rows_with_a_phone_to_fix_stop_the_export_with_their_names(app):
    event = make_event(slug="mopti-2023")
    pay(event, [
        (make_person("Awa", "Traoré", phone="+22376123456"), 10000),
        (make_person("Fatoumata", "Maïga"), 10000),  # no phone
        (make_person("Moussa", "N'Diaye", phone="+22320223344"), 5000),  # a fixed line
        (make_person("Aminata", "Diarra", phone="+22670123456"), 5000),  # Burkina Faso
    ])
    mark_paid(event, actor=Actor.cli())
    with pytest.raises(ValidationError) as exc:
        export_mobile_money(event, actor=Actor.cli())
    messages = exc.value.messages()
    assert "(3)" in messages[0]
    assert any("Maïga Fatoumata" in m and "pas de numéro de téléphone" in m for m in messages)
    assert any("N'Diaye Moussa" in m and "numéro fixe" in m for m in messages)
    assert any("Diarra Aminata" in m and "pas un numéro malien" in m for m in messages)
    assert not any("Traoré" in m for m in messages)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "payments.mobile_money")) is None
    # Asked for the valid rows only: the file pays them, the others are left to pay otherwise.
    data, _ = export_mobile_money(event, valid_only=True, actor=Actor.cli())
    rows = read_csv(data)
    assert [r[2] for r in rows[1:]] == ["Traoré Awa"]
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "payments.mobile_money"))
    details = json.loads(entry.details)
    assert details["left_out"] == 3 and details["rows"] == 1
    # The phone is read from the person at each export (the sheet froze amounts, not phones):
    # once corrected, the row is paid.
    assert [p.name for p in bulk_payments(event).to_fix] == ["Diarra Aminata", "Maïga Fatoumata", "N'Diaye Moussa"]
    maiga = db.session.scalar(db.select(Person).where(Person.last_name == "Maïga"))
    maiga.phone = "+22379000111"
    db.session.commit()
    assert [p.name for p in bulk_payments(event).to_fix] == ["Diarra Aminata", "N'Diaye Moussa"]
    rows = read_csv(export_mobile_money(event, valid_only=True)[0])
    assert [r[:3] for r in rows[1:]] == [["79000111", "10000", "Maïga Fatoumata"], ["76123456", "10000", "Traoré Awa"]]


def test_a_draft_sheet_has_no_mobile_money_file(app):
    event = make_event()
    pay(event, [(make_person("Awa", "Traoré", phone="+22376123456"), 10000)])
    with pytest.raises(ValidationError) as exc:
        export_mobile_money(event)
    assert "payée" in str(exc.value)


def test_the_page_lists_phones_to_fix_and_offers_the_valid_rows(app, client, login):
    event = make_event(slug="kati")
    pay(event, [(make_person("Awa", "Traoré", phone="+22376123456"), 10000),
                (make_person("Fatoumata", "Maïga", phone="20 22 33 44"), 10000)])
    login("organizer")
    page = unescape(client.get("/events/kati/payments").get_data(as_text=True))
    assert "Maïga Fatoumata" in page and "numéro fixe" in page  # seen before marking paid
    draft = client.get("/events/kati/payments.csv")
    assert draft.status_code == 400
    assert "Marquez d'abord la feuille comme payée" in unescape(draft.get_data(as_text=True))
    assert client.post("/events/kati/payments/paid").status_code == 302
    refused = client.get("/events/kati/payments.csv")
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert "Ligne 1, Maïga Fatoumata" in html and "valid_only=1" in html
    valid = client.get("/events/kati/payments.csv?valid_only=1")
    assert valid.status_code == 200 and valid.mimetype == "text/csv"
    assert valid.headers["Cache-Control"] == "no-store"
    assert [r[2] for r in read_csv(valid.data)[1:]] == ["Traoré Awa"]


def test_coordinators_download_it_door_staff_do_not(paid, client, login):
    login("door", events=[paid])
    assert client.get("/events/bamako-2023/payments.csv").status_code == 403
    client.post("/logout")
    login("coordinator")
    response = client.get("/events/bamako-2023/payments.csv")
    assert response.status_code == 200 and "Traoré Awa" in response.data.decode("utf-8-sig")


def test_cli_refuses_then_writes_the_valid_rows_only(app, runner, tmp_path):
    event = make_event(slug="segou")
    pay(event, [(make_person("Awa", "Traoré", phone="+22376123456"), 10000),
                (make_person("Moussa", "N'Diaye"), 5000)])
    out = tmp_path / "pay.csv"
    draft = runner.invoke(args=["payments", "segou", "--out", str(out)])
    assert draft.exit_code != 0 and not out.exists()
    mark_paid(event, actor=Actor.cli())
    refused = runner.invoke(args=["payments", "segou", "--out", str(out)])
    assert refused.exit_code != 0 and "N'Diaye Moussa" in refused.output and not out.exists()
    result = runner.invoke(args=["payments", "segou", "--out", str(out), "--valid-only"])
    assert result.exit_code == 0, result.output
    assert [r[2] for r in read_csv(out.read_bytes())[1:]] == ["Traoré Awa"]
    assert "N'Diaye Moussa" in result.output  # the people left out are named
