"""Imports from files as French offices make them, every bad input, and the CLI import/export."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from eventapp.audit.models import AuditEntry
from eventapp.core import web
from eventapp.core.errors import ValidationError
from eventapp.extensions import db
from eventapp.people import imports
from eventapp.people.models import Person
from eventapp.registration.models import Registration
from tests import factories
from tests.people_fixtures import bom_csv, cp1252_csv, xlsx

FRENCH_HEADERS = ["Civilité", "Prénom", "NOM", "Sexe", "Tranche d'âge", "Catégorie", "Structure", "Fonction",
                  "Localité", "Téléphone", "Courriel"]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def do_import(event, content, name, **kw):
    return imports.import_file(event, content, name, **kw, settings=web.settings())


def errors_of(event, content, name) -> list[str]:
    with pytest.raises(ValidationError) as info:
        do_import(event, content, name)
    db.session.rollback()
    assert count(Registration) == 0 and count(Person) == 0, "nothing may be written"
    return info.value.messages()


def test_french_excel_csv_cp1252_semicolons(app):
    event = factories.make_event()
    content = cp1252_csv([
        FRENCH_HEADERS,
        ["Mme", "Awa", "Traoré", "F", "25-35", "Société civile", "APDF", "Présidente", "Mopti", "76 12 34 56",
         "AWA@EXAMPLE.ORG"],
        ["", "", "", "", "", "", "", "", "", "", ""],
        ["M.", "Moussa", "Maïga", "H", "47", "fds", "Gendarmerie", "Commandant", "Sévaré", "0022366123456", ""],
        ["Dr", "Ousmane", "N'Diaye", "homme", "65+", "AUTORITES", "Mairie", "Maire", "Bamako", "", ""],
    ])
    summary = do_import(event, content, "liste.csv")
    assert (summary.rows, summary.created, summary.reused) == (3, 3, 0)
    persons = {p.last_name: p for p in db.session.scalars(select(Person))}
    assert set(persons) == {"Traoré", "Maïga", "N'Diaye"}
    awa = persons["Traoré"]
    assert (awa.honorific, awa.phone, awa.email, awa.sex, awa.age_band, awa.category.code, awa.function) == \
        ("Mme", "+22376123456", "awa@example.org", "F", "25-35", "civil_society", "Présidente")
    assert persons["Maïga"].phone == "+22366123456" and persons["Maïga"].age_band == "36-50"
    assert persons["N'Diaye"].category.code == "authority" and persons["N'Diaye"].sex == "M"
    regs = list(db.session.scalars(select(Registration)))
    assert {r.source for r in regs} == {"import"} and len({r.checkin_token for r in regs}) == 3
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.import"))
    assert entry is not None and '"rows": 3' in entry.details


def test_utf8_bom_csv_with_commas_and_english_headers(app):
    event = factories.make_event()
    content = bom_csv([["First name", "Last name", "Gender", "Age", "Category", "Organization", "Phone", "E-mail"],
                       ["Fatoumata", "Keïta", "female", "19", "Civil society", "Jeunesse", "+22365000001", ""],
                       ["Adama", "Coulibaly", "male", "30", "Press", "ORTM", "", "adama@ortm.ml"]])
    summary = do_import(event, content, "list.CSV")
    assert summary.rows == 2
    keita = db.session.scalar(select(Person).where(Person.last_name == "Keïta"))
    assert keita.age_band == "18-24" and keita.sex == "F" and keita.category.code == "civil_society"


def test_xlsx_with_a_title_row_and_numeric_phones(app):
    event = factories.make_event()
    content = xlsx([["N°", "Nom", "Prénom", "Sexe", "Âge", "Téléphone", "Catégorie"],
                    [1, "Traoré", "Awa", "F", 34, 76123456, "Population civile"],
                    [2, "Diarra", "Bakary", "M", 52.0, 66123456.0, "civilian"],
                    [None, None, None, None, None, None, None],
                    [3, "Maïga", "Aïssata", "F", "18-24", "+223 70 00 00 01", "Presse"]],
                   title_row="Liste des participants — atelier de Mopti")
    summary = do_import(event, content, "liste.xlsx")
    assert summary.rows == 3
    phones = sorted(db.session.scalars(select(Person.phone)))
    assert phones == ["+22366123456", "+22370000001", "+22376123456"]
    diarra = db.session.scalar(select(Person).where(Person.last_name == "Diarra"))
    assert diarra.age_band == "51-64"


def test_reading_finds_the_header_row_below_a_title(app):
    table = imports.read_table(cp1252_csv([["Atelier de restitution ; 21 juin 2023"], [], ["Nom", "Prénom"],
                                           ["Traoré", "Awa"]]), "x.csv", settings=web.settings())
    assert table.header_row == 3 and table.rows == [(4, ["Traoré", "Awa"])]
    assert imports.guess_mapping(["  PRÉNOM ", "nom", "E-Mail", "Tél.", "tranche d’âge", "xyz"]) == \
        {0: "first_name", 1: "last_name", 2: "email", 3: "phone", 4: "age_band"}


def test_excel_separator_line_and_whole_name_column(app):
    table = imports.read_table(b"sep=,\r\nNom et pr\xe9noms,T\xe9l\r\nAwa Traor\xe9,76123456\r\n", "x.csv",
                               settings=web.settings())
    assert table.headers == ["Nom et prénoms", "Tél"] and table.rows == [(3, ["Awa Traoré", "76123456"])]
    assert imports.guess_mapping(table.headers) == {0: "last_name", 1: "phone"}


def test_existing_directory_persons_are_reused(app):
    event = factories.make_event()
    known = factories.make_person("Awa", "Traoré", phone="+22376123456")
    summary = do_import(event, cp1252_csv([["Nom", "Prénom", "Téléphone"], ["TRAORE", "Awa", "76123456"],
                                           ["Keïta", "Mariam", ""]]), "x.csv")
    assert (summary.created, summary.reused) == (1, 1)
    assert count(Person) == 2
    reused = select(Registration.person_id).join(Person).where(Person.phone == "+22376123456")
    assert db.session.scalar(reused) == known.id


def test_row_errors_name_their_row_and_column_and_nothing_is_written(app):
    event = factories.make_event()
    content = cp1252_csv([
        ["Liste"],
        ["Nom", "Prénom", "Sexe", "Catégorie", "Téléphone", "Courriel", "Âge"],
        ["Traoré", "Awa", "F", "Société civile", "76123456", "awa@example.org", "30"],
        ["", "Sans nom", "F", "", "", "", ""],
        ["Diarra", "Bakary", "Z", "", "", "", ""],
        ["Keïta", "Mariam", "F", "Martiens", "", "", ""],
        ["Coulibaly", "Adama", "M", "", "12345", "", ""],
        ["Sangaré", "Oumar", "M", "", "", "oumar@", ""],
        ["Touré", "Ali", "M", "", "76 12 34 56", "", ""],
        ["Cissé", "Binta", "F", "", "", "AWA@example.org", ""],
        ["Sidibé", "Kadia", "F", "", "", "", "cent"],
        ["awa", "TRAORE", "F", "", "", "", ""],
    ])
    messages = errors_of(event, content, "liste.csv")
    text = "\n".join(messages)
    assert "Row 4, column “Nom”" in text
    assert "Row 5, column “Sexe”" in text
    assert "Row 6, column “Catégorie”" in text and "Martiens" in text
    assert "Row 7, column “Téléphone”" in text
    assert "Row 8, column “Courriel”" in text
    # A phone or an email already on row 3 is shared by two people: a warning, not an error.
    assert "Row 9," not in text and "Row 10," not in text
    assert "Row 11, column “Âge”: unknown value “cent”." in text
    assert "Row 12, column “Nom”" in text
    # Four row errors, three unknown values (each once), and what their three columns accept.
    assert len(messages) == 10
    assert "Accepted values for “Sexe”: F (Female), M (Male), X (Not stated)." in messages
    plan = imports.prepare_import(event, imports.read_table(content, "liste.csv", settings=web.settings()),
                                  settings=web.settings())
    assert [str(w) for w in plan.warnings] == [
        "Row 9, column “Téléphone”: The phone number is also on row 3: both rows are imported, as two people who "
        "share it.",
        "Row 10, column “Courriel”: The email address is also on row 3: both rows are imported, as two people who "
        "share it."]


def test_people_already_registered_are_refused(app):
    event = factories.make_event()
    factories.make_registration(event, factories.make_person("Awa", "Traoré", phone="+22376123456"))
    factories.make_registration(event, factories.make_person("Moussa", "Maïga"))
    content = cp1252_csv([["Nom", "Prénom", "Téléphone"], ["Traoré", "Awa", "76123456"], ["MAIGA", "moussa", ""],
                          ["Diallo", "Hawa", ""]])
    with pytest.raises(ValidationError) as info:
        do_import(event, content, "x.csv")
    text = "\n".join(info.value.messages())
    assert "Row 2, column “Téléphone”: This person is already registered" in text
    assert "Row 3, column “Nom”: A person with the same name is already registered" in text
    assert count(Registration) == 2 and count(Person) == 2


@pytest.mark.parametrize("content,name,message", [
    (b"", "x.csv", "The file is empty."),
    (b"\r\n;;\r\n\r\n", "x.csv", "The file is empty."),
    (b"%PDF-1.4 not a list", "x.pdf", "This file is not a CSV or XLSX file."),
    (b"\x00\x01\x02binary", "x.csv", "This file is not a CSV or XLSX file."),
    (b"PK\x03\x04broken zip", "x.xlsx", "The XLSX file is corrupt"),
    (b"just some text", "x.xlsx", "The XLSX file is corrupt"),
    (b"Nom;Pr\xe9nom\r\n", "x.csv", "The file has headers but no rows."),
    (b"Colonne;Autre\r\nx;y\r\n", "x.csv", "The required column “Last name” is missing"),
])
def test_bad_files(app, content, name, message):
    event = factories.make_event()
    assert any(message in m for m in errors_of(event, content, name))


def test_size_and_row_limits(app):
    event = factories.make_event()
    app.config["IMPORT_MAX_BYTES"] = 100
    assert any("too large" in m for m in errors_of(event, b"Nom\r\n" + b"Traore\r\n" * 30, "x.csv"))
    app.config["IMPORT_MAX_BYTES"] = 10_000
    app.config["IMPORT_MAX_ROWS"] = 5
    assert any("too many rows" in m for m in errors_of(event, b"Nom\r\n" + b"Traore\r\n" * 6, "x.csv"))


def test_a_column_mapped_twice_is_refused(app):
    event = factories.make_event()
    table = imports.read_table(b"Nom;Autre\r\nTraore;Diarra\r\n", "x.csv", settings=web.settings())
    plan = imports.prepare_import(event, table, {0: "last_name", 1: "last_name"}, settings=web.settings())
    assert not plan.ok and "more than one column" in plan.messages()[0]
    plan = imports.prepare_import(event, table, {1: "last_name"}, settings=web.settings())
    assert plan.ok and plan.rows[0].clean["last_name"] == "Diarra"


# --- CLI ---------------------------------------------------------------------------------


def test_cli_import_dry_run_then_for_real(app, runner, tmp_path):
    event = factories.make_event(slug="mopti-2023")
    path = tmp_path / "liste.csv"
    path.write_bytes(cp1252_csv([FRENCH_HEADERS,
                                 ["Mme", "Awa", "Traoré", "F", "25-35", "fds", "", "", "", "76123456", ""]]))
    result = runner.invoke(args=["participants", "import", "mopti-2023", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 participants would be imported" in result.output and "ignored" not in result.output
    assert count(Registration) == 0
    result = runner.invoke(args=["participants", "import", "mopti-2023", str(path), "--status", "invited"])
    assert result.exit_code == 0 and "1 participants imported" in result.output
    assert count(Registration) == 1 and event.registrations[0].person.last_name == "Traoré"
    assert event.registrations[0].status == "invited"


def test_cli_import_errors_exit_non_zero_with_row_numbers(app, runner, tmp_path):
    factories.make_event(slug="mopti-2023")
    path = tmp_path / "liste.csv"
    path.write_bytes(cp1252_csv([["Nom", "Téléphone", "Signature"], ["Traoré", "76123456", ""], ["Diarra", "999", ""]]))
    result = runner.invoke(args=["participants", "import", "mopti-2023", str(path)])
    assert result.exit_code != 0
    assert "Row 3, column “Téléphone”" in result.output and "nothing imported" in result.output
    assert count(Registration) == 0
    result = runner.invoke(args=["participants", "import", "no-such-event", str(path)])
    assert result.exit_code != 0
    path.write_bytes(cp1252_csv([["Nom", "Téléphone", "Signature"], ["Traoré", "76123456", ""]]))
    result = runner.invoke(args=["participants", "import", "mopti-2023", str(path)])
    assert result.exit_code == 0 and "Columns ignored: Signature" in result.output


def _exported_event():
    event = factories.make_event(slug="export-2023")
    factories.make_registration(event, factories.make_person("Awa", "Traoré", phone="+22376123456", sex="F",
                                                             category="civil_society"))
    factories.make_registration(event, factories.make_person("=HYPERLINK(\"http://evil\")", "@SUM(A1)",
                                                             organisation="-2+3", function="\tcmd"))
    return event


def test_cli_export_csv_for_french_excel_neutralises_formulas(app, runner, tmp_path):
    event = _exported_event()
    out = tmp_path / "participants.csv"
    result = runner.invoke(args=["participants", "export", "export-2023", "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["title", "first name", "last name", "sex", "age band", "category", "organisation",
                       "function", "locality", "phone", "email", "status"]
    cells = [c for row in rows[1:] for c in row]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'@SUM(A1)" in cells and "'-2+3" in cells
    assert "'+22376123456" in cells and "Traoré" in cells and "Société civile" in cells
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.export")) is not None
    # The export reads back in (phones and accents intact) into another event.
    other = factories.make_event(slug="autre")
    summary = imports.import_file(other, raw, "participants.csv", settings=web.settings())
    assert (summary.reused, summary.created) == (1, 1)  # matched by phone; the other has neither phone nor email
    names = {p.first_name for p in db.session.scalars(select(Person))}
    assert '=HYPERLINK("http://evil")' in names and event.id != other.id


def test_cli_export_xlsx_with_tokens(app, runner, tmp_path):
    from openpyxl import load_workbook

    event = _exported_event()
    out = tmp_path / "participants.xlsx"
    result = runner.invoke(args=["participants", "export", "export-2023", "--out", str(out), "--with-tokens"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][-2:] == ["checkin token", "qr payload"]
    tokens = {r.checkin_token for r in event.registrations}
    assert {row[-2] for row in rows[1:]} == tokens
    assert {row[-1] for row in rows[1:]} == {"EA1" + t for t in tokens}
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "'=HYPERLINK(\"http://evil\")" in [v for row in rows for v in row]
    bad = runner.invoke(args=["participants", "export", "export-2023", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0


def test_xlsx_over_the_row_limit_is_refused_not_cut(app):
    event = factories.make_event()
    app.config["IMPORT_MAX_ROWS"] = 20
    rows = [["Nom"]] + [[f"Nom{i}"] if i % 3 else [None] for i in range(60)]
    assert any("too many rows" in m for m in errors_of(event, xlsx(rows), "x.xlsx"))
